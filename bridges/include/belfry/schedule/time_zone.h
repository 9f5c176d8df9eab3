// A time zone for schedules: UTC, or an IANA zone ("Europe/Paris") from the operating system's
// tz database, read through Howard Hinnant's date/tz library.
//
// A TimeZone answers one question for the cron engine: during which span of instants is the UTC
// offset constant (segmentAt). Everything about gaps and repeated hours is derived from those
// spans by the engine (see cron.h for the DST rule).
//
// Two facts about the data source, handled here so callers need not know them:
//  - date/tz built against the OS database (USE_OS_TZDB, as Debian builds it) reads only the
//    explicit transitions of each TZif file and ignores its footer, the POSIX TZ rule that
//    governs every later instant (HowardHinnant/date#794). Debian ships "fat" files whose explicit
//    transitions end in 2037, so without help New York would stay on EST forever from 2038 on.
//    locate() therefore also reads the footer and applies it after the last explicit
//    transition. A footer date's parser cannot read (a few zones, e.g. America/Nuuk, use
//    tzfile(5) version-3 extensions) leaves the zone on its last explicit offset after 2037.
//  - a zone that is UTC under another name ("Etc/UTC", "Zulu") takes the same fast path as UTC.
//
// Thread-safety: a TimeZone is an immutable value; copies share the zone's rules. All const
// methods and locate() are safe to call from any thread (locate's per-name cache is guarded by a
// mutex; date/tz loads each zone once, under std::call_once).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "belfry/schedule/instant.h"

namespace belfry::schedule {

class TimeZone {
  public:
    // A span of instants [begin, end) with one UTC offset. The first and last spans of a zone are
    // open-ended: their begin/end lie far outside [kMinInstant, kMaxInstant].
    struct Segment {
        Instant begin;
        Instant end;
        std::chrono::seconds offset;  // local = UTC + offset
    };

    // UTC, the default zone of a schedule that names none.
    TimeZone();
    static TimeZone utc() { return TimeZone(); }

    // Looks up an IANA zone name (case-sensitive, as in the tz database; links such as
    // "US/Eastern" are accepted). "UTC" is always available, even without a tz database. On
    // failure returns nullopt and, when `error` is given, a message naming the zone.
    static std::optional<TimeZone> locate(std::string_view name, std::string* error = nullptr);

    // The name as given to locate(), or "UTC".
    const std::string& name() const { return name_; }

    // True when the offset is always zero; the engine then skips all zone arithmetic.
    bool isUtc() const { return rules_ == nullptr; }

    Segment segmentAt(Instant t) const;
    std::chrono::seconds offsetAt(Instant t) const { return segmentAt(t).offset; }

    date::local_seconds toLocal(Instant t) const {
        return date::local_seconds{t.time_since_epoch() + offsetAt(t)};
    }

    // Maps a local wall-clock time to an instant by the engine's DST rule: a time that a
    // spring-forward gap skips maps to the end of the gap (the transition instant); a time that
    // a fall-back repeats maps to its first, earlier occurrence.
    Instant fromLocal(date::local_seconds local) const;

    friend bool operator==(const TimeZone& a, const TimeZone& b) { return a.name_ == b.name_; }
    friend bool operator!=(const TimeZone& a, const TimeZone& b) { return !(a == b); }

  private:
    struct Rules;  // the date::time_zone and the footer rule; defined in time_zone.cpp

    TimeZone(std::string name, std::shared_ptr<const Rules> rules);

    std::string name_;
    std::shared_ptr<const Rules> rules_;  // null for UTC
};

}  // namespace belfry::schedule
