// Human-readable output of the CLI: plain aligned tables with a header row (no colours, so output
// stays greppable and pipes cleanly), "key: value" detail lines, and the small renderings they are
// made of. Every function takes the service's JSON as it came and tolerates missing or mistyped
// members (they show as "-"); control characters in cells are escaped so one record stays one line.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_util.h"

namespace belfry::cli {

// Columns separated by two spaces, padded to the widest cell (counted in UTF-8 code points); the
// last column is not padded. Ends with a newline.
std::string renderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// `text` with control characters escaped (\n, \t, \xNN) so it fits in one cell or line.
std::string oneLineText(std::string_view text);

// `arg` as a POSIX shell word: unchanged when it has no special characters, else single-quoted.
std::string shellQuote(const std::string& arg);

// "cron 0 3 * * * (Europe/Paris)", "every 15m", "at 2026-12-01T03:00:00Z", or "-" when absent.
std::string scheduleSummary(const Json& job);

// The argv of an exec job joined as a shell would read it, "HTTP POST https://...", "handler
// NAME", or "-".
std::string actionSummary(const Json& job);

// `jobs list`: NAME, ENABLED, SCHEDULE, ACTION for `{"jobs": [...]}`.
std::string formatJobTable(const Json& response);

// `jobs show`: one "key: value" line per field, keys aligned; nested objects flattened with dots.
std::string formatJobDetails(const Json& job);

// `runs`: ID, JOB, TRIGGER, STATE, QUEUED, DURATION, EXIT for `{"runs": [...]}`.
std::string formatRunTable(const Json& response);

// `run --wait`: how the run ended (see describeRunEnd) and its duration, then its output.
std::string formatRunReport(const Json& run);

// Milliseconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", or nullopt.
std::optional<std::int64_t> parseIsoTimestamp(std::string_view text);

// An ISO timestamp without its fractional seconds, for tables; other text unchanged.
std::string shortTimestamp(const std::string& text);

// "250ms", "12.3s", "1m30s", "2h5m".
std::string formatElapsed(std::int64_t millis);

// finished_at - started_at of a RUN, or "-" when it has not finished (or never started).
std::string runDuration(const Json& run);

}  // namespace belfry::cli
