// Cron in time zones: the DST rule (cron.h) at real transitions, checked by hand against the
// tz database (and Python's zoneinfo). 2026 transitions used here:
//   Europe/Berlin        03-29 01:00Z  02:00 CET  -> 03:00 CEST   10-25 01:00Z  03:00 CEST -> 02:00
//   CET America/New_York     03-08 07:00Z  02:00 EST  -> 03:00 EDT    11-01 06:00Z  02:00 EDT  ->
//   01:00 EST Australia/Lord_Howe  10-03 15:30Z  02:00 +1030 -> 02:30 +11   04-04 15:00Z  02:00 +11
//   -> 01:30 +1030
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/cron.h"
#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/next_fires.h"
#include "belfry/schedule/time_zone.h"

namespace belfry::schedule {
namespace {

using Lines = std::vector<std::string>;
using std::chrono::hours;
using std::chrono::minutes;

Lines next(std::string_view expression, std::string_view zone, std::string_view from, int count) {
    std::string error;
    const auto lines = nextFireLines(expression, zone, from, count, &error);
    EXPECT_TRUE(lines.has_value()) << error;
    return lines.value_or(Lines{});
}

TimeZone zone(std::string_view name) {
    std::string error;
    const auto found = TimeZone::locate(name, &error);
    EXPECT_TRUE(found.has_value()) << error;
    return found.value_or(TimeZone());
}

Instant utc(std::string_view iso) {
    return parseIso8601(iso, nullptr).value_or(Instant{});
}

std::string latest(std::string_view expression, std::string_view zoneName, std::string_view at) {
    const TimeZone z = zone(zoneName);
    const auto fire = CronExpression::parse(expression)->latestAtOrBefore(utc(at), z);
    return fire ? formatIso8601(*fire, z) : "none";
}

TEST(CronTimeZone, SpringForwardGapFiresOnceAtFirstValidInstant) {
    EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3),
              (Lines{"2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
                     "2026-03-31T02:30:00+02:00"}));
    EXPECT_EQ(next("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2),
              (Lines{"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}));
}

TEST(CronTimeZone, SeveralTimesInTheGapCollapseIntoOneFire) {
    EXPECT_EQ(next("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", 4),
              (Lines{"2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00",
                     "2026-03-29T03:15:00+02:00", "2026-03-29T03:30:00+02:00"}));
    EXPECT_EQ(next("0,30 2 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 2),
              (Lines{"2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"}));
}

TEST(CronTimeZone, FallBackRepeatedTimeFiresOnceInTheFirstPass) {
    EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
              (Lines{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}));
    EXPECT_EQ(next("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
              (Lines{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}));
    // A list of plain values is not interval-based either.
    EXPECT_EQ(next("0,30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 3),
              (Lines{"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                     "2026-10-26T02:00:00+01:00"}));
}

TEST(CronTimeZone, IntervalBasedExpressionFiresInBothPasses) {
    EXPECT_EQ(next("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00Z", 6),
              (Lines{"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                     "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
                     "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00"}));
    EXPECT_EQ(next("0 * * * *", "America/New_York", "2026-11-01T03:30:00Z", 5),
              (Lines{"2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00",
                     "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00",
                     "2026-11-01T03:00:00-05:00"}));
}

TEST(CronTimeZone, MinuteStepInAFixedHourIsIntervalBasedAsInCronos) {
    EXPECT_EQ(next("*/30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 5),
              (Lines{"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                     "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
                     "2026-10-26T02:00:00+01:00"}));
}

TEST(CronTimeZone, StartingInsideTheRepeatedHourKeepsTheRule) {
    // 01:10Z is 02:10 CET, the second pass: 02:30 CET is a repeat, fired already at 02:30 CEST.
    EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", 1),
              (Lines{"2026-10-26T02:30:00+01:00"}));
    EXPECT_EQ(next("*/30 * * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", 1),
              (Lines{"2026-10-25T02:30:00+01:00"}));
    // 00:40Z is 02:40 CEST, the first pass, after 02:30: the second-pass 02:30 is no fire.
    EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-10-25T00:40:00Z", 1),
              (Lines{"2026-10-26T02:30:00+01:00"}));
    // Interval-based: the second pass is still ahead.
    EXPECT_EQ(next("*/30 * * * *", "Europe/Berlin", "2026-10-25T00:40:00Z", 2),
              (Lines{"2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00"}));
    // A non-interval time just after the repeated hour is not skipped with it.
    EXPECT_EQ(next("0 2 * * *", "America/New_York", "2026-11-01T06:30:00Z", 1),
              (Lines{"2026-11-01T02:00:00-05:00"}));
}

TEST(CronTimeZone, LordHoweShiftsByThirtyMinutes) {
    // Spring: 02:00-02:30 does not exist; 02:15 fires at 02:30 +11.
    EXPECT_EQ(next("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2),
              (Lines{"2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"}));
    // Autumn: 01:30-02:00 happens twice.
    EXPECT_EQ(next("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 2),
              (Lines{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"}));
    EXPECT_EQ(next("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04T14:20:00Z", 5),
              (Lines{"2026-04-05T01:30:00+11:00", "2026-04-05T01:45:00+11:00",
                     "2026-04-05T01:30:00+10:30", "2026-04-05T01:45:00+10:30",
                     "2026-04-05T02:00:00+10:30"}));
}

TEST(CronTimeZone, KolkataHasAFixedHalfHourOffset) {
    EXPECT_EQ(next("0 9 * * *", "Asia/Kolkata", "2026-03-29T00:00:00Z", 2),
              (Lines{"2026-03-29T09:00:00+05:30", "2026-03-30T09:00:00+05:30"}));
    const auto fire = CronExpression::parse("0 9 * * *")
                          ->nextAfter(utc("2026-03-29T00:00:00Z"), zone("Asia/Kolkata"));
    EXPECT_EQ(formatIso8601Utc(*fire), "2026-03-29T03:30:00Z");
}

TEST(CronTimeZone, SummerTimeContinuesAfter2037) {
    // date/tz alone stops at the last explicit transition in the fat TZif files (2037); the
    // footer rule carries on.
    EXPECT_EQ(next("0 12 1 7 *", "America/New_York", "2040-01-01T00:00:00Z", 1),
              (Lines{"2040-07-01T12:00:00-04:00"}));
    EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2045-03-25T12:00:00Z", 2),
              (Lines{"2045-03-26T03:00:00+02:00", "2045-03-27T02:30:00+02:00"}));
    EXPECT_EQ(zone("Europe/Berlin").offsetAt(utc("2091-07-01T00:00:00Z")), hours(2));
    EXPECT_EQ(zone("Europe/Berlin").offsetAt(utc("2091-12-01T00:00:00Z")), hours(1));
    EXPECT_EQ(zone("Australia/Lord_Howe").offsetAt(utc("2050-01-01T00:00:00Z")), hours(11));
    EXPECT_EQ(zone("Australia/Lord_Howe").offsetAt(utc("2050-07-01T00:00:00Z")),
              hours(10) + minutes(30));
}

TEST(CronTimeZone, LatestAtOrBeforeMirrorsTheDstRule) {
    EXPECT_EQ(latest("30 2 * * *", "Europe/Berlin", "2026-03-29T05:00:00Z"),
              "2026-03-29T03:00:00+02:00");
    EXPECT_EQ(latest("30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59Z"),
              "2026-03-28T02:30:00+01:00");
    // 01:45Z is 02:45 CET (second pass): the slot is the first-pass 02:30.
    EXPECT_EQ(latest("30 2 * * *", "Europe/Berlin", "2026-10-25T01:45:00Z"),
              "2026-10-25T02:30:00+02:00");
    EXPECT_EQ(latest("*/30 * * * *", "Europe/Berlin", "2026-10-25T01:45:00Z"),
              "2026-10-25T02:30:00+01:00");
    EXPECT_EQ(latest("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T15:40:00Z"),
              "2026-10-04T02:30:00+11:00");
}

TEST(CronTimeZone, DefaultZoneIsUtcAndNamesAreValidated) {
    EXPECT_TRUE(TimeZone().isUtc());
    EXPECT_EQ(TimeZone().name(), "UTC");
    EXPECT_TRUE(zone("UTC").isUtc());
    EXPECT_TRUE(zone("Etc/UTC").isUtc());
    EXPECT_FALSE(zone("Europe/Paris").isUtc());
    EXPECT_EQ(zone("US/Eastern").offsetAt(utc("2026-01-15T00:00:00Z")), hours(-5));
    std::string error;
    EXPECT_FALSE(TimeZone::locate("Europe/Pariss", &error).has_value());
    EXPECT_EQ(error,
              "unknown time zone 'Europe/Pariss' (expected an IANA name such as Europe/Paris)");
    EXPECT_FALSE(TimeZone::locate("", &error).has_value());
    EXPECT_NE(error.find("empty"), std::string::npos);
    EXPECT_FALSE(TimeZone::locate("../../etc/passwd", &error).has_value());
    EXPECT_FALSE(TimeZone::locate("europe/paris", &error).has_value());
}

TEST(CronTimeZone, FromLocalMapsGapsForwardAndRepeatsToTheFirstPass) {
    const TimeZone berlin = zone("Europe/Berlin");
    auto local = [](int y, unsigned m, unsigned d, int hh, int mm) {
        return date::local_seconds{date::local_days{date::year{y} / m / d}.time_since_epoch() +
                                   hours(hh) + minutes(mm)};
    };
    EXPECT_EQ(formatIso8601Utc(berlin.fromLocal(local(2026, 3, 29, 2, 30))),
              "2026-03-29T01:00:00Z");
    EXPECT_EQ(formatIso8601Utc(berlin.fromLocal(local(2026, 10, 25, 2, 30))),
              "2026-10-25T00:30:00Z");
    EXPECT_EQ(formatIso8601Utc(berlin.fromLocal(local(2026, 10, 25, 3, 0))),
              "2026-10-25T02:00:00Z");
    EXPECT_EQ(formatIso8601Utc(berlin.fromLocal(local(2026, 7, 1, 12, 0))), "2026-07-01T10:00:00Z");
}

}  // namespace
}  // namespace belfry::schedule
