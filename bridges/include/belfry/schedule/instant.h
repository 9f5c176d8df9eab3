// The time type of the schedule engine: a UTC instant with whole-second precision on the system
// clock (the same type as date::sys_seconds). Seconds, not nanoseconds, because cron has no finer
// grain and because a 64-bit count of seconds spans any year the engine supports (0001-9999),
// where system_clock's nanoseconds would overflow in 2262.
//
// Thread-safety: plain values and pure functions; safe from any thread.
#pragma once

#include <chrono>

namespace belfry::schedule {

using Instant = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// Drops the fraction of a second. For schedules this loses nothing: every fire time is a whole
// second, so "the first fire strictly after t" and "the latest fire at or before t" are the same
// for t and for toInstant(t).
inline Instant toInstant(std::chrono::system_clock::time_point time) {
    return std::chrono::floor<std::chrono::seconds>(time);
}

inline Instant currentInstant() {
    return toInstant(std::chrono::system_clock::now());
}

// The range the engine computes in: 0001-01-01T00:00:00Z up to 9999-12-31T23:59:59Z. Queries
// outside it answer "no fire"; ISO-8601 text outside it is refused.
inline constexpr Instant kMinInstant{std::chrono::seconds{-62135596800}};
inline constexpr Instant kMaxInstant{std::chrono::seconds{253402300799}};

}  // namespace belfry::schedule
