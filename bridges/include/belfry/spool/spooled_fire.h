// A spooled fire: the record `belfry fire NAME` writes into the spool directory when belfryd cannot
// be reached (DESIGN.md, "The fire path", step 4), and that belfryd takes at its start and at every
// sweep. Writer (the lean CLI) and reader (belfryd) share this one definition of the format, so the
// two can never drift apart.
//
// One fire per file, one JSON object on one line:
//
//   {"format":"belfry-spooled-fire","version":1,"id":"<32 hex digits>","job":"backup",
//    "trigger":"schedule","elapsed_usec":1767236400000000,"spooled_at":"2026-01-01T03:00:03Z"}
//
// - `trigger` is "schedule" when a timer fired (then `elapsed_usec` is the timer's elapse time as
//   `belfry fire` would have posted it, and belfryd computes the slot from it exactly as for a live
//   fire) or "manual" when an admin started the OS unit by hand (then `elapsed_usec` is null).
// - `id` is random and unique per fire; it names the file and the log lines about it.
// - Unknown members are refused, like everywhere else in Belfry: a file this reader does not fully
//   understand is set aside rather than half-obeyed. A later format raises `version`.
//
// Pure functions (newFireId draws from std::random_device); safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace belfry::spool {

inline constexpr const char* kFormatName = "belfry-spooled-fire";
inline constexpr int kFormatVersion = 1;
// A spool file is one short line; anything much larger is not ours.
inline constexpr std::size_t kMaxFileBytes = 4096;

enum class FireTrigger { Schedule, Manual };

struct SpooledFire {
    std::string id;   // 32 lowercase hex digits
    std::string job;  // a valid job name
    FireTrigger trigger = FireTrigger::Manual;
    std::optional<std::uint64_t> elapsedUsec;  // set exactly when trigger is Schedule
    std::int64_t spooledAt = 0;                // seconds since the Unix epoch
};

// "schedule" or "manual".
const char* toString(FireTrigger trigger);

// The file content: one JSON line with a trailing newline. `fire` must be valid (see parse).
std::string formatSpooledFire(const SpooledFire& fire);

// Reads a spool file's content. Refuses, with a message saying why: text that is not a JSON
// object, another `format`, a `version` this build does not know, missing, extra or mistyped
// members, an invalid job name or id, a trigger that disagrees with `elapsed_usec`, a
// `spooled_at` that is not an ISO-8601 instant, and content over kMaxFileBytes.
bool parseSpooledFire(std::string_view text, SpooledFire* fire, std::string* error);

// The final file name of a spooled fire: "fire-<spooled_at as YYYYMMDDTHHMMSSZ>-<id>.json", so a
// directory listing sorts by spool time.
std::string spoolFileName(const SpooledFire& fire);

// A fresh random id: 128 bits from std::random_device as 32 lowercase hex digits.
std::string newFireId();

// True for names a writer uses while its file is incomplete (a leading '.'): readers skip them.
bool isWriterTempName(std::string_view fileName);

// The name of the folder inside the spool directory where belfryd sets aside files it refuses.
inline constexpr const char* kRejectedFolder = "rejected";

}  // namespace belfry::spool
