// A fluent C++ API for embedders who register jobs in code:
//
//   Schedule a = Schedule::every(15).minutes();                       // every 15m
//   Schedule b = Schedule::daily().at(21, 15);                        // cron 15 21 * * *
//   Schedule c = Schedule::weekly().on(Weekday::Monday).at(3, 0);     // cron 0 3 * * 1
//   Schedule d = Schedule::monthly().onDay(1).at(3, 0);               // cron 0 3 1 * *
//   Schedule e = Schedule::monthly().onFirst(Weekday::Monday).at(3, 0).in("Europe/Paris");
//   Schedule f = Schedule::monthly().onLast(Weekday::Friday);         // cron 0 0 * * 5L
//   Schedule g = Schedule::once(instant);
//
// Every builder produces the same Schedule value the JSON form does (a cron expression and a
// zone, an interval, or an instant), so it prints, stores and translates to the OS scheduler
// exactly like one. Unset parts default to midnight, Sunday for weekly() and the 1st for
// monthly(), in UTC. A builder converts to Schedule implicitly (`Schedule s = ...`) or by
// build(); with `auto` you hold the builder.
//
// Errors: the arguments come from code, not from operators, so a value out of range (at(24, 0),
// onDay(32), every(0)) or an unknown zone in in() throws std::invalid_argument with a message
// that names it. Schedule::fromFields is the non-throwing path.
//
// Thread-safety: builders are small immutable values; every method returns a new one.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "belfry/schedule/schedule.h"

namespace belfry::schedule {

// Numbered as cron numbers them.
enum class Weekday { Sunday = 0, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday };

class CronBuilder {
  public:
    // The time of day; a non-zero second makes a six-field expression.
    CronBuilder at(int hour, int minute, int second = 0) const;
    // The IANA zone the time of day is in (UTC when never called).
    CronBuilder in(std::string_view timeZone) const;

    // The cron expression built so far, e.g. "0 3 * * 1#1".
    std::string expression() const;
    Schedule build() const;
    operator Schedule() const { return build(); }  // NOLINT: implicit by design, see above

  protected:
    CronBuilder(std::string dayOfMonth, std::string dayOfWeek);
    CronBuilder withDays(std::string dayOfMonth, std::string dayOfWeek) const;

  private:
    friend class Schedule;

    std::string second_ = "0";
    std::string minute_ = "0";
    std::string hour_ = "0";
    std::string dayOfMonth_;
    std::string dayOfWeek_;
    std::optional<TimeZone> zone_;
};

class WeeklyBuilder : public CronBuilder {
  public:
    CronBuilder on(Weekday day) const;
    CronBuilder on(std::initializer_list<Weekday> days) const;

  private:
    friend class Schedule;
    WeeklyBuilder() : CronBuilder("*", "0") {}
};

class MonthlyBuilder : public CronBuilder {
  public:
    CronBuilder onDay(int day) const;  // 1-31; months without that day are skipped, as in cron
    CronBuilder onDays(std::initializer_list<int> days) const;
    CronBuilder onLastDay() const;
    CronBuilder onFirst(Weekday day) const { return onNth(1, day); }
    CronBuilder onSecond(Weekday day) const { return onNth(2, day); }
    CronBuilder onThird(Weekday day) const { return onNth(3, day); }
    CronBuilder onFourth(Weekday day) const { return onNth(4, day); }
    CronBuilder onNth(int occurrence, Weekday day) const;  // occurrence 1-5
    CronBuilder onLast(Weekday day) const;

  private:
    friend class Schedule;
    MonthlyBuilder() : CronBuilder("1", "*") {}
};

class EveryBuilder {
  public:
    Schedule seconds() const;
    Schedule minutes() const;
    Schedule hours() const;
    Schedule days() const;

  private:
    friend class Schedule;
    explicit EveryBuilder(int count) : count_(count) {}
    Schedule inUnits(long long unitSeconds, const char* unit) const;

    int count_;
};

}  // namespace belfry::schedule
