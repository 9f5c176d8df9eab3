// When a run asked for through POST /v1/jobs/{name}/runs may start: `{"delay": "10m"}` (a
// duration from now) or `{"at": "2026-12-01T03:00:00Z"}` (an instant with Z or an offset). The
// answer is stored with the run (due_at), so the wait survives a restart.
//
// Limits: a delay or an `at` at most kMaxRunDelay ahead (a run parked for years is a typo, not a
// plan); an `at` more than kAtPastTolerance in the past is refused (a wrong year should not run
// the job at once); within the tolerance it means "now", which absorbs client clock skew.
//
// Thread-safety: pure functions.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <chrono>
#include <string>

#include "job.h"

namespace belfry {

constexpr auto kMaxRunDelay = std::chrono::hours(24 * 366);
constexpr auto kAtPastTolerance = std::chrono::minutes(1);

// `key` is "delay" or "at". Throws ValidationError naming the field when the value is not
// acceptable.
EpochMillis runDueTime(const std::string& key, const Poco::Dynamic::Var& value, EpochMillis now);

}  // namespace belfry
