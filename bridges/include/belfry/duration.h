// Durations as operators write them in job definitions and the config: "90s", "15m", "2h", "1d",
// also compound ("1h30m") and "0s". Pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace belfry {

using Milliseconds = std::chrono::milliseconds;

// Parses a duration. Units: ms, s, m, h, d, each at most once, largest first. On failure returns
// nullopt and, when `error` is given, a message that says what is wrong with the text.
std::optional<Milliseconds> parseDuration(std::string_view text, std::string* error = nullptr);

// Formats with the largest units that divide exactly ("90s" -> "1m30s", 0 -> "0s").
std::string formatDuration(Milliseconds duration);

}  // namespace belfry
