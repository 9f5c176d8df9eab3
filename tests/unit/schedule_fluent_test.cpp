// The fluent C++ API produces the same model as the JSON form: these tests assert the produced
// expression and zone, and the next fires.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/fluent.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using Lines = std::vector<std::string>;

Instant utc(std::string_view iso) {
    return parseIso8601(iso, nullptr).value_or(Instant{});
}

Lines fires(const Schedule& s, std::string_view from, int count) {
    Lines lines;
    for (Instant fire : s.nextFires(utc(from), static_cast<std::size_t>(count))) {
        lines.push_back(formatIso8601(fire, s.timeZone()));
    }
    return lines;
}

TEST(ScheduleFluent, EveryFifteenMinutes) {
    const Schedule s = Schedule::every(15).minutes();
    EXPECT_EQ(s.toString(), "every 15m");
    EXPECT_EQ(s, *Schedule::fromFields({{}, {}, "15m", {}}));
    EXPECT_EQ(fires(s, "2026-01-01T00:07:00Z", 2),
              (Lines{"2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00"}));
    EXPECT_EQ(Schedule::every(90).seconds().toString(), "every 1m30s");
    EXPECT_EQ(Schedule::every(2).hours().toString(), "every 2h");
    EXPECT_EQ(Schedule::every(1).days().toString(), "every 1d");
}

TEST(ScheduleFluent, DailyAtAGivenTime) {
    const Schedule s = Schedule::daily().at(21, 15);
    EXPECT_EQ(s.cron()->toString(), "15 21 * * *");
    EXPECT_TRUE(s.timeZone().isUtc());
    EXPECT_EQ(fires(s, "2026-01-01T21:15:00Z", 2),
              (Lines{"2026-01-02T21:15:00+00:00", "2026-01-03T21:15:00+00:00"}));
    EXPECT_EQ(Schedule::daily().at(6, 0, 30).expression(), "30 0 6 * * *");
    EXPECT_EQ(Schedule::daily().expression(), "0 0 * * *");
}

TEST(ScheduleFluent, WeeklyOnADay) {
    const Schedule s = Schedule::weekly().on(Weekday::Monday).at(3, 0);
    EXPECT_EQ(s.cron()->toString(), "0 3 * * 1");
    EXPECT_EQ(fires(s, "2026-01-01T00:00:00Z", 2),
              (Lines{"2026-01-05T03:00:00+00:00", "2026-01-12T03:00:00+00:00"}));
    EXPECT_EQ(Schedule::weekly().on({Weekday::Monday, Weekday::Friday}).at(8, 30).expression(),
              "30 8 * * 1,5");
    EXPECT_EQ(Schedule::weekly().expression(), "0 0 * * 0");
}

TEST(ScheduleFluent, MonthlyOnADayOfTheMonth) {
    const Schedule s = Schedule::monthly().onDay(1).at(3, 0);
    EXPECT_EQ(s.cron()->toString(), "0 3 1 * *");
    EXPECT_EQ(fires(s, "2026-01-01T03:00:00Z", 2),
              (Lines{"2026-02-01T03:00:00+00:00", "2026-03-01T03:00:00+00:00"}));
    EXPECT_EQ(Schedule::monthly().onDays({1, 15}).expression(), "0 0 1,15 * *");
    EXPECT_EQ(Schedule::monthly().onLastDay().at(23, 0).expression(), "0 23 L * *");
    EXPECT_EQ(Schedule::monthly().expression(), "0 0 1 * *");
}

TEST(ScheduleFluent, MonthlyOnTheFirstMondayInParis) {
    const Schedule s = Schedule::monthly().onFirst(Weekday::Monday).at(3, 0).in("Europe/Paris");
    EXPECT_EQ(s.cron()->toString(), "0 3 * * 1#1");
    EXPECT_EQ(s.timeZone().name(), "Europe/Paris");
    EXPECT_EQ(s.toString(), "cron 0 3 * * 1#1 in Europe/Paris");
    EXPECT_EQ(s.toFields(), (ScheduleFields{"0 3 * * 1#1", "Europe/Paris", {}, {}}));
    EXPECT_EQ(fires(s, "2026-03-01T00:00:00Z", 3),
              (Lines{"2026-03-02T03:00:00+01:00", "2026-04-06T03:00:00+02:00",
                     "2026-05-04T03:00:00+02:00"}));
    EXPECT_EQ(Schedule::monthly().onThird(Weekday::Wednesday).expression(), "0 0 * * 3#3");
}

TEST(ScheduleFluent, MonthlyOnTheLastFriday) {
    const Schedule s = Schedule::monthly().onLast(Weekday::Friday);
    EXPECT_EQ(s.cron()->toString(), "0 0 * * 5L");
    EXPECT_EQ(fires(s, "2026-01-01T00:00:00Z", 2),
              (Lines{"2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00"}));
}

TEST(ScheduleFluent, OnceAtAnInstant) {
    const Schedule s = Schedule::once(utc("2026-12-01T03:00:00Z"));
    EXPECT_EQ(s.kind(), Schedule::Kind::At);
    EXPECT_EQ(s.toString(), "at 2026-12-01T03:00:00Z");
    EXPECT_EQ(fires(s, "2026-01-01T00:00:00Z", 3), (Lines{"2026-12-01T03:00:00+00:00"}));
}

TEST(ScheduleFluent, InvalidArgumentsThrowWithAMessage) {
    auto message = [](auto&& build) -> std::string {
        try {
            build();
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "no exception";
    };
    EXPECT_EQ(message([] { Schedule::daily().at(24, 0); }), "at(): hour 24 is out of range 0-23");
    EXPECT_EQ(message([] { Schedule::daily().at(3, 60); }), "at(): minute 60 is out of range 0-59");
    EXPECT_EQ(message([] { Schedule::monthly().onDay(32); }),
              "onDay(): day 32 is out of range 1-31");
    EXPECT_EQ(message([] { Schedule::monthly().onNth(6, Weekday::Monday); }),
              "onNth(): occurrence 6 is out of range 1-5");
    EXPECT_EQ(message([] { Schedule::every(0).minutes(); }),
              "every(0).minutes(): must be at least 1");
    EXPECT_EQ(
        message([] { Schedule::daily().in("Mars/Olympus"); }),
        "in(): unknown time zone 'Mars/Olympus' (expected an IANA name such as Europe/Paris)");
}

}  // namespace
}  // namespace belfry::schedule
