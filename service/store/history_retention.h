// How much run history belfryd keeps (`history.retention`, README "Run history retention"): an
// age, a number of runs per job, or both. Pure value type and parser; safe from any thread.
//
// Syntax: comma-separated terms, each either a duration ("90d", "12h") — ended runs older than
// this go — or a count ("1000" or "1000 runs") — each job keeps only its newest N ended runs.
// "forever" keeps everything. With both terms a run goes as soon as either says so.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace belfry {

struct RetentionPolicy {
    std::optional<std::chrono::milliseconds> maxAge;  // by finish time
    std::optional<std::size_t> keepPerJob;            // newest ended runs kept per job
    bool keepsEverything() const { return !maxAge && !keepPerJob; }
};

// The default bounds the database on a busy machine without surprising anyone who reads last
// quarter's history.
inline constexpr const char* kDefaultRetention = "90d,10000";

// Returns nullopt and a message in `error` for text outside the syntax above.
std::optional<RetentionPolicy> parseRetention(const std::string& text, std::string* error);

}  // namespace belfry
