#include "belfry/spool/spooled_fire.h"

#include <date/date.h>
#include <nlohmann/json.hpp>

#include <random>
#include <sstream>

#include "belfry/job_name.h"

namespace belfry::spool {
namespace {

using Json = nlohmann::json;
// Only date.h, which is header-only: the spool is written by `belfry fire`, which must not load
// libdate-tz (see bridges/cli/CMakeLists.txt). Spool times are UTC, so no zone is needed.
using Seconds = date::sys_seconds;

constexpr std::size_t kIdLength = 32;
// The schedule engine's range ends with 9999; an elapse time beyond it is not a time any timer
// reports.
const std::uint64_t kMaxElapsedUsec =
    static_cast<std::uint64_t>(
        Seconds{date::sys_days{date::year{10000} / 1 / 1}}.time_since_epoch().count() - 1) *
    1'000'000u;

std::string formatUtc(std::int64_t seconds, const char* format) {
    return date::format(format, Seconds{std::chrono::seconds(seconds)});
}

bool isValidId(const std::string& id) {
    if (id.size() != kIdLength) return false;
    for (const char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

bool refuse(std::string* error, std::string message) {
    *error = std::move(message);
    return false;
}

// The string member `key`, or a refusal naming it.
bool stringMember(const Json& object, const char* key, std::string* value, std::string* error) {
    const auto it = object.find(key);
    if (it == object.end()) return refuse(error, std::string(key) + ": missing");
    if (!it->is_string()) return refuse(error, std::string(key) + ": must be a string");
    *value = it->get<std::string>();
    return true;
}

bool parseElapsed(const Json& object, SpooledFire* fire, std::string* error) {
    const auto it = object.find("elapsed_usec");
    if (it == object.end()) return refuse(error, "elapsed_usec: missing (null for a manual fire)");
    if (it->is_null()) {
        fire->elapsedUsec.reset();
    } else if (it->is_number_unsigned() && it->get<std::uint64_t>() > 0 &&
               it->get<std::uint64_t>() <= kMaxElapsedUsec) {
        fire->elapsedUsec = it->get<std::uint64_t>();
    } else {
        return refuse(error,
                      "elapsed_usec: must be null or a positive integer (microseconds since the "
                      "epoch, before the year 10000)");
    }
    const bool scheduled = fire->trigger == FireTrigger::Schedule;
    if (scheduled != fire->elapsedUsec.has_value()) {
        return refuse(error, scheduled ? "trigger schedule needs elapsed_usec"
                                       : "trigger manual must have elapsed_usec null");
    }
    return true;
}

std::string compactUtc(std::int64_t seconds) {
    return formatUtc(seconds, "%Y%m%dT%H%M%SZ");  // 20260101T030003Z
}

}  // namespace

const char* toString(FireTrigger trigger) {
    return trigger == FireTrigger::Schedule ? "schedule" : "manual";
}

std::string formatSpooledFire(const SpooledFire& fire) {
    // ordered_json keeps the documented member order, which is what an admin reads with `cat`.
    nlohmann::ordered_json object;
    object["format"] = kFormatName;
    object["version"] = kFormatVersion;
    object["id"] = fire.id;
    object["job"] = fire.job;
    object["trigger"] = toString(fire.trigger);
    object["elapsed_usec"] = fire.elapsedUsec ? Json(*fire.elapsedUsec) : Json(nullptr);
    object["spooled_at"] = formatUtc(fire.spooledAt, "%FT%TZ");
    return object.dump() + "\n";
}

bool parseSpooledFire(std::string_view text, SpooledFire* fire, std::string* error) {
    if (text.size() > kMaxFileBytes) {
        return refuse(
            error, "larger than " + std::to_string(kMaxFileBytes) + " bytes: not a spooled fire");
    }
    const Json object = Json::parse(text, nullptr, false);
    if (object.is_discarded()) return refuse(error, "not JSON");
    if (!object.is_object()) return refuse(error, "not a JSON object");

    std::string format;
    if (!stringMember(object, "format", &format, error)) return false;
    if (format != kFormatName) {
        return refuse(error, "format '" + printableForMessage(format) + "': not " + kFormatName);
    }
    const auto version = object.find("version");
    if (version == object.end() || !version->is_number_integer()) {
        return refuse(error, "version: missing or not an integer");
    }
    if (version->get<std::int64_t>() != kFormatVersion) {
        return refuse(error, "version " + std::to_string(version->get<std::int64_t>()) +
                                 ": this belfryd reads version " + std::to_string(kFormatVersion) +
                                 " only");
    }
    for (const auto& member : object.items()) {
        static const char* const kKnown[] = {"format",  "version",      "id",        "job",
                                             "trigger", "elapsed_usec", "spooled_at"};
        bool known = false;
        for (const char* key : kKnown) known = known || member.key() == key;
        if (!known) return refuse(error, printableForMessage(member.key()) + ": unknown member");
    }

    SpooledFire parsed;
    if (!stringMember(object, "id", &parsed.id, error)) return false;
    if (!isValidId(parsed.id)) return refuse(error, "id: must be 32 lowercase hex digits");
    if (!stringMember(object, "job", &parsed.job, error)) return false;
    std::string nameError;
    if (!isValidJobName(parsed.job, &nameError)) return refuse(error, "job: " + nameError);
    std::string trigger;
    if (!stringMember(object, "trigger", &trigger, error)) return false;
    if (trigger == "schedule") {
        parsed.trigger = FireTrigger::Schedule;
    } else if (trigger == "manual") {
        parsed.trigger = FireTrigger::Manual;
    } else {
        return refuse(error,
                      "trigger '" + printableForMessage(trigger) + "': must be schedule or manual");
    }
    if (!parseElapsed(object, &parsed, error)) return false;
    std::string spooledAt;
    if (!stringMember(object, "spooled_at", &spooledAt, error)) return false;
    std::istringstream in(spooledAt);
    Seconds instant;
    in >> date::parse("%FT%TZ", instant);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
        return refuse(error, "spooled_at: '" + printableForMessage(spooledAt) +
                                 "' is not a UTC time like 2026-01-01T03:00:00Z");
    }
    parsed.spooledAt = instant.time_since_epoch().count();
    *fire = std::move(parsed);
    return true;
}

std::string spoolFileName(const SpooledFire& fire) {
    return "fire-" + compactUtc(fire.spooledAt) + "-" + fire.id + ".json";
}

bool isWriterTempName(std::string_view fileName) {
    return !fileName.empty() && fileName.front() == '.';
}

std::string newFireId() {
    std::random_device random;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    while (id.size() < kIdLength) {
        auto bits = random();  // 32 bits per draw
        for (int i = 0; i < 8; ++i, bits >>= 4) id += kHex[bits & 0xf];
    }
    return id;
}

}  // namespace belfry::spool
