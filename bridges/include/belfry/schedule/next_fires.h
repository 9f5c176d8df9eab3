// What `belfry next CRON [--tz ZONE] [--from ISO] [-n N]` prints, without the command line: the
// CLI passes the option values through and prints the lines, or the error.
//
// Thread-safety: a pure function (apart from reading the tz database); safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belfry/schedule/instant.h"

namespace belfry::schedule {

// The next `count` fires of `cron` strictly after `from`, one ISO-8601 line each with the zone's
// UTC offset at that instant ("2026-03-29T03:00:00+02:00").
//  - `timeZone`: an IANA name; empty means UTC.
//  - `from`: ISO-8601 with Z or an offset, or plain local "YYYY-MM-DDTHH:MM[:SS]" read in
//    `timeZone` (see parseIso8601); empty means `now`.
//  - `count`: 1-1000.
// Fewer lines than `count` only when the engine's search bound ends the list (cron.h). On bad
// input returns nullopt and sets `*error` (when given) to one message naming the bad option.
std::optional<std::vector<std::string>> nextFireLines(std::string_view cron,
                                                      std::string_view timeZone,
                                                      std::string_view from, int count,
                                                      std::string* error = nullptr,
                                                      Instant now = currentInstant());

}  // namespace belfry::schedule
