// ISO-8601 / RFC 3339 text for instants, as the CLI (`belfry next`) and the REST API print and
// read them. Whole seconds only: a fraction in the input is accepted and dropped.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "belfry/schedule/instant.h"
#include "belfry/schedule/time_zone.h"

namespace belfry::schedule {

// "2026-03-29T03:00:00+02:00": the wall-clock time in `zone` and that zone's UTC offset at `t`
// ("+00:00" for UTC; an offset with seconds, found only in pre-1900 local mean time, prints as
// +HH:MM:SS).
std::string formatIso8601(Instant t, const TimeZone& zone);

// "2026-12-01T03:00:00Z".
std::string formatIso8601Utc(Instant t);

// Accepts YYYY-MM-DD, optionally followed by T (or t, or one space) and HH:MM, HH:MM:SS or
// HH:MM:SS.fraction, optionally followed by Z (or z), +HH:MM, -HH:MM, +HHMM or +HH. With an offset
// the text names one instant. Without one it is wall-clock time in `localZone`, mapped by the
// engine's DST rule (TimeZone::fromLocal: a time skipped by a gap means the end of the gap, a
// repeated time its first occurrence); when `localZone` is null such text is refused because it
// does not name an instant. Years 0001-9999. On failure returns nullopt and, when `error` is
// given, a message that quotes the text and says what is wrong.
std::optional<Instant> parseIso8601(std::string_view text, const TimeZone* localZone,
                                    std::string* error = nullptr);

}  // namespace belfry::schedule
