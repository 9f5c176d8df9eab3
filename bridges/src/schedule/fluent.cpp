#include "belfry/schedule/fluent.h"

#include <stdexcept>

namespace belfry::schedule {
namespace {

std::string weekdayNumber(Weekday day) {
    return std::to_string(static_cast<int>(day));
}

void require(bool condition, const std::string& message) {
    if (!condition) throw std::invalid_argument(message);
}

}  // namespace

EveryBuilder Schedule::every(int count) {
    return EveryBuilder(count);
}
CronBuilder Schedule::daily() {
    return CronBuilder("*", "*");
}
WeeklyBuilder Schedule::weekly() {
    return WeeklyBuilder();
}
MonthlyBuilder Schedule::monthly() {
    return MonthlyBuilder();
}

CronBuilder::CronBuilder(std::string dayOfMonth, std::string dayOfWeek)
    : dayOfMonth_(std::move(dayOfMonth)), dayOfWeek_(std::move(dayOfWeek)) {}

CronBuilder CronBuilder::withDays(std::string dayOfMonth, std::string dayOfWeek) const {
    CronBuilder next = *this;
    next.dayOfMonth_ = std::move(dayOfMonth);
    next.dayOfWeek_ = std::move(dayOfWeek);
    return next;
}

CronBuilder CronBuilder::at(int hour, int minute, int second) const {
    require(hour >= 0 && hour <= 23,
            "at(): hour " + std::to_string(hour) + " is out of range 0-23");
    require(minute >= 0 && minute <= 59,
            "at(): minute " + std::to_string(minute) + " is out of range 0-59");
    require(second >= 0 && second <= 59,
            "at(): second " + std::to_string(second) + " is out of range 0-59");
    CronBuilder next = *this;
    next.hour_ = std::to_string(hour);
    next.minute_ = std::to_string(minute);
    next.second_ = std::to_string(second);
    return next;
}

CronBuilder CronBuilder::in(std::string_view timeZone) const {
    std::string error;
    auto zone = TimeZone::locate(timeZone, &error);
    require(zone.has_value(), "in(): " + error);
    CronBuilder next = *this;
    next.zone_ = std::move(zone);
    return next;
}

std::string CronBuilder::expression() const {
    std::string text = second_ == "0" ? std::string() : second_ + " ";
    return text + minute_ + " " + hour_ + " " + dayOfMonth_ + " * " + dayOfWeek_;
}

Schedule CronBuilder::build() const {
    std::string error;
    auto cron = CronExpression::parse(expression(), &error);
    // Only onDay(30)/onDay(31)-style days can get here, and those fire in long months; an
    // invalid expression would be a bug in this file.
    require(cron.has_value(), "cannot build schedule: " + error);
    return zone_ ? Schedule::fromCron(std::move(*cron), *zone_)
                 : Schedule::fromCron(std::move(*cron));
}

CronBuilder WeeklyBuilder::on(Weekday day) const {
    return withDays("*", weekdayNumber(day));
}

CronBuilder WeeklyBuilder::on(std::initializer_list<Weekday> days) const {
    require(days.size() > 0, "on(): name at least one weekday");
    std::string list;
    for (Weekday day : days) list += (list.empty() ? "" : ",") + weekdayNumber(day);
    return withDays("*", list);
}

CronBuilder MonthlyBuilder::onDay(int day) const {
    return onDays({day});
}

CronBuilder MonthlyBuilder::onDays(std::initializer_list<int> days) const {
    require(days.size() > 0, "onDays(): name at least one day");
    std::string list;
    for (int day : days) {
        require(day >= 1 && day <= 31,
                "onDay(): day " + std::to_string(day) + " is out of range 1-31");
        list += (list.empty() ? "" : ",") + std::to_string(day);
    }
    return withDays(list, "*");
}

CronBuilder MonthlyBuilder::onLastDay() const {
    return withDays("L", "*");
}

CronBuilder MonthlyBuilder::onNth(int occurrence, Weekday day) const {
    require(occurrence >= 1 && occurrence <= 5,
            "onNth(): occurrence " + std::to_string(occurrence) + " is out of range 1-5");
    return withDays("*", weekdayNumber(day) + "#" + std::to_string(occurrence));
}

CronBuilder MonthlyBuilder::onLast(Weekday day) const {
    return withDays("*", weekdayNumber(day) + "L");
}

Schedule EveryBuilder::inUnits(long long unitSeconds, const char* unit) const {
    require(count_ >= 1,
            "every(" + std::to_string(count_) + ")." + unit + "(): must be at least 1");
    std::string error;
    auto schedule = Schedule::fromEvery(std::chrono::seconds{count_ * unitSeconds}, &error);
    require(schedule.has_value(), error);
    return *schedule;
}

Schedule EveryBuilder::seconds() const {
    return inUnits(1, "seconds");
}
Schedule EveryBuilder::minutes() const {
    return inUnits(60, "minutes");
}
Schedule EveryBuilder::hours() const {
    return inUnits(3600, "hours");
}
Schedule EveryBuilder::days() const {
    return inUnits(86400, "days");
}

}  // namespace belfry::schedule
