#include "belfry/schedule/schedule.h"

#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using std::chrono::seconds;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::optional<Schedule> Schedule::fromFields(const ScheduleFields& fields, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<Schedule> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    std::vector<std::string> given;
    if (fields.cron) given.push_back("cron");
    if (fields.every) given.push_back("every");
    if (fields.at) given.push_back("at");
    if (given.size() > 1) {
        return fail("a schedule has one of cron, every or at, not " + given[0] + " and " +
                    given[1]);
    }
    if (fields.timezone && !fields.cron) {
        return fail("timezone applies only to a cron schedule");
    }
    if (given.empty()) return Schedule();

    std::string message;
    if (fields.cron) {
        auto expression = CronExpression::parse(*fields.cron, &message);
        if (!expression) return fail(message);
        if (!fields.timezone) return fromCron(std::move(*expression));
        auto zone = TimeZone::locate(*fields.timezone, &message);
        if (!zone) return fail(message);
        return fromCron(std::move(*expression), std::move(*zone));
    }
    if (fields.every) {
        const auto duration = parseDuration(*fields.every, &message);
        if (!duration) return fail("every: " + message);
        if (duration->count() % 1000 != 0) {
            return fail("every '" + printableForMessage(*fields.every) +
                        "' must be a whole number of seconds");
        }
        auto schedule = fromEvery(std::chrono::duration_cast<seconds>(*duration), &message);
        if (!schedule) return fail(message);
        return schedule;
    }
    const auto instant = parseIso8601(*fields.at, nullptr, &message);
    if (!instant) return fail("at: " + message);
    return once(*instant);
}

Schedule Schedule::fromCron(CronExpression expression) {
    Schedule schedule;
    schedule.kind_ = Kind::Cron;
    schedule.cron_ = std::move(expression);
    return schedule;
}

Schedule Schedule::fromCron(CronExpression expression, TimeZone zone) {
    Schedule schedule = fromCron(std::move(expression));
    schedule.zone_ = std::move(zone);
    schedule.explicitZone_ = true;
    return schedule;
}

std::optional<Schedule> Schedule::fromEvery(seconds period, std::string* error) {
    if (period < seconds{1}) {
        if (error) *error = "every must be at least 1s";
        return std::nullopt;
    }
    Schedule schedule;
    schedule.kind_ = Kind::Every;
    schedule.period_ = period;
    return schedule;
}

Schedule Schedule::once(Instant at) {
    Schedule schedule;
    schedule.kind_ = Kind::At;
    schedule.at_ = at;
    return schedule;
}

std::optional<Instant> Schedule::nextAfter(Instant t) const {
    switch (kind_) {
        case Kind::None:
            return std::nullopt;
        case Kind::Cron:
            return cron_->nextAfter(t, zone_);
        case Kind::Every: {
            if (t < kMinInstant || t >= kMaxInstant) return std::nullopt;
            const std::int64_t period = period_.count();
            const Instant fire{
                seconds{(floorDiv(t.time_since_epoch().count(), period) + 1) * period}};
            if (fire > kMaxInstant) return std::nullopt;
            return fire;
        }
        case Kind::At:
            if (at_ > t) return at_;
            return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Instant> Schedule::latestAtOrBefore(Instant t) const {
    switch (kind_) {
        case Kind::None:
            return std::nullopt;
        case Kind::Cron:
            return cron_->latestAtOrBefore(t, zone_);
        case Kind::Every: {
            if (t <= kMinInstant || t > kMaxInstant) return std::nullopt;
            const std::int64_t period = period_.count();
            const Instant fire{seconds{floorDiv(t.time_since_epoch().count(), period) * period}};
            if (fire < kMinInstant) return std::nullopt;
            return fire;
        }
        case Kind::At:
            if (at_ <= t) return at_;
            return std::nullopt;
    }
    return std::nullopt;
}

std::vector<Instant> Schedule::nextFires(Instant t, std::size_t count) const {
    std::vector<Instant> fires;
    for (std::optional<Instant> fire = nextAfter(t); fire && fires.size() < count;
         fire = nextAfter(*fire)) {
        fires.push_back(*fire);
    }
    return fires;
}

std::string Schedule::toString() const {
    switch (kind_) {
        case Kind::None:
            return "none";
        case Kind::Cron:
            return "cron " + cron_->toString() + " in " + zone_.name();
        case Kind::Every:
            return "every " + formatDuration(period_);
        case Kind::At:
            return "at " + formatIso8601Utc(at_);
    }
    return "none";
}

ScheduleFields Schedule::toFields() const {
    ScheduleFields fields;
    switch (kind_) {
        case Kind::None:
            break;
        case Kind::Cron:
            fields.cron = cron_->toString();
            if (explicitZone_) fields.timezone = zone_.name();
            break;
        case Kind::Every:
            fields.every = formatDuration(period_);
            break;
        case Kind::At:
            fields.at = formatIso8601Utc(at_);
            break;
    }
    return fields;
}

bool operator==(const Schedule& a, const Schedule& b) {
    return a.kind_ == b.kind_ && a.cron_ == b.cron_ && a.zone_ == b.zone_ &&
           a.explicitZone_ == b.explicitZone_ && a.period_ == b.period_ && a.at_ == b.at_;
}

}  // namespace belfry::schedule
