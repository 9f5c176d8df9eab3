// Instants as the API shows them: ISO-8601 UTC with milliseconds ("2026-11-25T08:30:00.123Z").
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "job.h"

namespace belfry {

EpochMillis nowMillis();
std::string formatIso(EpochMillis instant);

}  // namespace belfry
