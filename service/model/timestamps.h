// Instants as the API shows them: ISO-8601 UTC with milliseconds ("2026-11-25T08:30:00.123Z").
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "job.h"

namespace belfry {

EpochMillis nowMillis();
std::string formatIso(EpochMillis instant);
// Accepts ISO-8601 with a 'Z' or a ±HH:MM offset; a value without an offset is refused, since
// guessing a zone is how schedules end up an hour off.
std::optional<EpochMillis> parseIso(const std::string& text);

}  // namespace belfry
