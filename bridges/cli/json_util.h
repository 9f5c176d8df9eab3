// The CLI's JSON type and the few lenient accessors it needs to read the service's replies.
// nlohmann::json is header-only, which keeps `belfry` free of shared libraries beyond libstdc++;
// ordered_json preserves the server's key order so `--json` prints replies as they came.
// Accessors never throw: a missing member or one of the wrong type reads as absent. Pure
// functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace belfry::cli {

using Json = nlohmann::ordered_json;

// The member `key` of `object`, or nullptr when `object` is not an object or lacks it.
const Json* jsonMember(const Json& object, const char* key);

// The string member `key`, or nullopt when absent, null or not a string.
std::optional<std::string> jsonString(const Json& object, const char* key);

// The integer member `key`, or nullopt when absent, null or not an integer.
std::optional<std::int64_t> jsonInt(const Json& object, const char* key);

// Parses `text`; nullopt when it is not valid JSON.
std::optional<Json> parseJson(const std::string& text);

// `value` indented by two spaces, with a trailing newline. Invalid UTF-8 in strings is replaced
// rather than thrown on: job output is whatever bytes a job wrote.
std::string prettyJson(const Json& value);

// `value` on one line, as sent in request bodies.
std::string compactJson(const Json& value);

}  // namespace belfry::cli
