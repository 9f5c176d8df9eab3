#include "belfry/schedule/time_zone.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>

#include <date/ptz.h>
#include <date/tz.h>

#include "belfry/job_name.h"

namespace belfry::schedule {

struct TimeZone::Rules {
    const date::time_zone* zone = nullptr;   // owned by date's tz database, lives for the process
    std::optional<Posix::time_zone> future;  // the TZif footer, for instants after `lastExplicit`
};

namespace {

using std::chrono::seconds;

// date/tz reports the span after a zone's last explicit transition as ending in year 32767.
const Instant kOpenEnded{date::sys_days{date::year{20000} / 1 / 1}.time_since_epoch()};

// Where date/tz reads the database when built with USE_OS_TZDB on Linux.
constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo/";

// The POSIX TZ string on the last line of a version 2+ TZif file, or empty.
std::string readFooter(const std::string& zoneName) {
    std::ifstream file(kZoneInfoDir + zoneName, std::ios::binary);
    if (!file) return {};
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    if (bytes.size() < 2 || bytes.back() != '\n') return {};
    const std::size_t start = bytes.rfind('\n', bytes.size() - 2);
    if (start == std::string::npos) return {};
    return bytes.substr(start + 1, bytes.size() - start - 2);
}

std::optional<Posix::time_zone> parseFooter(const std::string& footer) {
    if (footer.empty()) return std::nullopt;
    try {
        return Posix::time_zone(footer);
    } catch (const std::exception&) {
        return std::nullopt;  // see the header: such zones keep their last explicit offset
    }
}

bool alwaysUtc(const date::time_zone& zone) {
    const auto info = zone.get_info(date::sys_days{date::year{2000} / 1 / 1});
    return info.offset == seconds{0} && Instant{info.begin} < kMinInstant &&
           Instant{info.end} > kMaxInstant;
}

}  // namespace

TimeZone::TimeZone() : name_("UTC") {}

TimeZone::TimeZone(std::string name, std::shared_ptr<const Rules> rules)
    : name_(std::move(name)), rules_(std::move(rules)) {}

std::optional<TimeZone> TimeZone::locate(std::string_view name, std::string* error) {
    if (name == "UTC") return TimeZone();
    if (name.empty()) {
        if (error) *error = "time zone name is empty (expected an IANA name such as Europe/Paris)";
        return std::nullopt;
    }
    // Loading a zone reads a file and parses its footer; jobs name few zones, so keep them all.
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Rules>, std::less<>> cache;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (const auto it = cache.find(name); it != cache.end()) {
            return TimeZone(std::string(name), it->second);
        }
    }
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(name);
    } catch (const std::exception& e) {
        if (error) {
            const std::string what = e.what();
            *error = what.find("not found") != std::string::npos
                         ? "unknown time zone '" + printableForMessage(name) +
                               "' (expected an IANA name such as Europe/Paris)"
                         : "cannot load time zone '" + printableForMessage(name) + "': " + what;
        }
        return std::nullopt;
    }
    std::shared_ptr<const Rules> rules;
    if (!alwaysUtc(*zone)) {
        auto loaded = std::make_shared<Rules>();
        loaded->zone = zone;
        loaded->future = parseFooter(readFooter(zone->name()));
        rules = std::move(loaded);
    }
    std::lock_guard<std::mutex> lock(mutex);
    cache.emplace(std::string(name), rules);
    return TimeZone(std::string(name), std::move(rules));
}

TimeZone::Segment TimeZone::segmentAt(Instant t) const {
    if (!rules_)
        return {Instant{Instant::duration::min() / 2}, Instant{Instant::duration::max() / 2},
                seconds{0}};
    const date::sys_info info = rules_->zone->get_info(t);
    Segment segment{info.begin, info.end, info.offset};
    if (rules_->future && segment.end >= kOpenEnded) {
        const date::sys_info rule = rules_->future->get_info(t);
        segment.begin = std::max(segment.begin, Instant{rule.begin});
        segment.end = rule.end;
        segment.offset = rule.offset;
    }
    return segment;
}

Instant TimeZone::fromLocal(date::local_seconds local) const {
    const Instant asUtc{local.time_since_epoch()};
    if (!rules_) return asUtc;
    // Offsets stay within +-26 h, so every span that could hold `local` overlaps this window.
    constexpr seconds kReach{26 * 3600};
    Segment segment = segmentAt(asUtc - kReach);
    for (int guard = 0; guard < 64; ++guard) {
        const Instant candidate = asUtc - segment.offset;
        if (candidate >= segment.begin && candidate < segment.end) return candidate;
        // Not in this span: either a later span holds it, or `local` falls in the gap before
        // the next span, whose first instant is then the answer.
        if (asUtc < segment.end + segment.offset) break;  // defensive; cannot happen in order
        const Segment next = segmentAt(segment.end);
        if (asUtc < segment.end + next.offset) return segment.end;  // inside the gap
        segment = next;
        if (segment.begin > asUtc + kReach) break;
    }
    return asUtc - segment.offset;
}

}  // namespace belfry::schedule
