// The schedule of a job, the "when" of the job contract: a cron expression in a time zone,
// a fixed interval, one instant, or none (the job runs only when asked).
//
//   {"cron": "0 3 * * *", "timezone": "Europe/Paris"}  cron.h has the syntax and the DST rule;
//                                                      without "timezone" the zone is UTC
//   {"every": "15m"}                                   a duration (duration.h), whole seconds, >=
//   1s
//   {"at": "2026-12-01T03:00:00Z"}                     ISO-8601 with Z or a UTC offset
//   absent                                             never fires by itself
//
// "every" fires at each instant that is a whole multiple of the period since the Unix epoch
// (1970-01-01T00:00:00Z): 15m at :00, :15, :30 and :45 of every UTC hour, 1d at 00:00 UTC. Fires
// are thus a pure function of the schedule, so a fire's slot can be computed without remembering
// when the job was created, and periods that divide an hour or a day land where systemd's
// OnCalendar=*:0/15 would.
//
// The daemon maps the JSON object to ScheduleFields and back (toFields()); there is no JSON here.
// Embedders can also build schedules in C++ with the fluent API in fluent.h.
//
// Thread-safety: a Schedule is an immutable value; const methods are safe to call concurrently
// from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belfry/schedule/cron.h"
#include "belfry/schedule/instant.h"
#include "belfry/schedule/time_zone.h"

namespace belfry::schedule {

class CronBuilder;
class EveryBuilder;
class MonthlyBuilder;
class WeeklyBuilder;

// The members of the JSON "schedule" object as text; absent members are nullopt.
struct ScheduleFields {
    std::optional<std::string> cron;
    std::optional<std::string> timezone;
    std::optional<std::string> every;
    std::optional<std::string> at;

    friend bool operator==(const ScheduleFields& a, const ScheduleFields& b) {
        return a.cron == b.cron && a.timezone == b.timezone && a.every == b.every && a.at == b.at;
    }
};

class Schedule {
  public:
    enum class Kind { None, Cron, Every, At };

    // A schedule that never fires by itself.
    Schedule() = default;

    // Validates and builds. At most one of cron, every and at; timezone only with cron. On
    // failure returns nullopt and, when `error` is given, one message that says what is wrong
    // (for a cron expression, which field and why; for a zone, its name).
    static std::optional<Schedule> fromFields(const ScheduleFields& fields,
                                              std::string* error = nullptr);

    // From parts that are already valid. A schedule built without a zone is in UTC and leaves
    // "timezone" out of toFields().
    static Schedule fromCron(CronExpression expression);
    static Schedule fromCron(CronExpression expression, TimeZone zone);
    static std::optional<Schedule> fromEvery(std::chrono::seconds period,
                                             std::string* error = nullptr);
    static Schedule once(Instant at);

    // The fluent API; include belfry/schedule/fluent.h to use these. Invalid arguments throw
    // std::invalid_argument there (fromFields is the non-throwing path).
    static EveryBuilder every(int count);
    static CronBuilder daily();
    static WeeklyBuilder weekly();
    static MonthlyBuilder monthly();

    Kind kind() const { return kind_; }
    // The expression for Kind::Cron, otherwise null.
    const CronExpression* cron() const { return cron_ ? &*cron_ : nullptr; }
    // The zone cron is evaluated in: the one named, or UTC.
    const TimeZone& timeZone() const { return zone_; }
    bool hasExplicitTimeZone() const { return explicitZone_; }
    // The period for Kind::Every, otherwise zero.
    std::chrono::seconds period() const { return period_; }
    // The instant for Kind::At.
    Instant at() const { return at_; }

    // The first fire strictly after `t`; nullopt when there is none (Kind::None, an instant
    // already passed, or beyond the engine's bound, see cron.h).
    std::optional<Instant> nextAfter(Instant t) const;
    std::optional<Instant> nextAfter(std::chrono::system_clock::time_point t) const {
        return nextAfter(toInstant(t));
    }
    // The latest fire at or before `t`: the slot a fire arriving at `t` belongs to.
    std::optional<Instant> latestAtOrBefore(Instant t) const;
    std::optional<Instant> latestAtOrBefore(std::chrono::system_clock::time_point t) const {
        return latestAtOrBefore(toInstant(t));
    }
    // Up to `count` consecutive fires strictly after `t`.
    std::vector<Instant> nextFires(Instant t, std::size_t count) const;

    // For display: "cron 0 3 * * * in Europe/Paris", "every 15m", "at 2026-12-01T03:00:00Z",
    // "none".
    std::string toString() const;

    // The canonical fields: fromFields(toFields()) equals *this.
    ScheduleFields toFields() const;

    friend bool operator==(const Schedule& a, const Schedule& b);
    friend bool operator!=(const Schedule& a, const Schedule& b) { return !(a == b); }

  private:
    Kind kind_ = Kind::None;
    std::optional<CronExpression> cron_;
    TimeZone zone_;
    bool explicitZone_ = false;
    std::chrono::seconds period_{0};
    Instant at_{};
};

}  // namespace belfry::schedule
