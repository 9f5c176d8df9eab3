// Next and latest fire times in UTC, against hand-checked tables.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/cron.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using Lines = std::vector<std::string>;

Instant utc(std::string_view iso) {
    std::string error;
    const auto instant = parseIso8601(iso, nullptr, &error);
    EXPECT_TRUE(instant.has_value()) << error;
    return instant.value_or(Instant{});
}

CronExpression cron(std::string_view text) {
    std::string error;
    const auto parsed = CronExpression::parse(text, &error);
    EXPECT_TRUE(parsed.has_value()) << error;
    return parsed ? *parsed : *CronExpression::parse("* * * * *");
}

// The next `count` fires after `from`, as UTC text.
Lines next(std::string_view expression, std::string_view from, int count) {
    const CronExpression c = cron(expression);
    Lines lines;
    for (auto fire = c.nextAfter(utc(from)); fire && static_cast<int>(lines.size()) < count;
         fire = c.nextAfter(*fire)) {
        lines.push_back(formatIso8601Utc(*fire));
    }
    return lines;
}

std::string latest(std::string_view expression, std::string_view at) {
    const auto fire = cron(expression).latestAtOrBefore(utc(at));
    return fire ? formatIso8601Utc(*fire) : "none";
}

TEST(CronNext, SimpleExpressionsTable) {
    EXPECT_EQ(next("*/5 * * * *", "2026-01-01T00:00:00Z", 3),
              (Lines{"2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z", "2026-01-01T00:15:00Z"}));
    EXPECT_EQ(next("0 3 * * *", "2026-01-01T02:59:59Z", 2),
              (Lines{"2026-01-01T03:00:00Z", "2026-01-02T03:00:00Z"}));
    EXPECT_EQ(next("0 12 * * MON-FRI", "2026-01-02T12:00:00Z", 2),
              (Lines{"2026-01-05T12:00:00Z", "2026-01-06T12:00:00Z"}));
    EXPECT_EQ(next("59 23 31 12 *", "2026-12-31T23:59:00Z", 1), (Lines{"2027-12-31T23:59:00Z"}));
    EXPECT_EQ(next("0 0 31 * *", "2026-01-01T00:00:00Z", 3),
              (Lines{"2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"}));
    EXPECT_EQ(next("15,45 8-9 * * *", "2026-06-01T08:20:00Z", 4),
              (Lines{"2026-06-01T08:45:00Z", "2026-06-01T09:15:00Z", "2026-06-01T09:45:00Z",
                     "2026-06-02T08:15:00Z"}));
    EXPECT_EQ(next("@yearly", "2026-06-01T00:00:00Z", 1), (Lines{"2027-01-01T00:00:00Z"}));
    EXPECT_EQ(next("@weekly", "2026-01-01T00:00:00Z", 1), (Lines{"2026-01-04T00:00:00Z"}));
}

TEST(CronNext, NextAfterIsStrictlyAfter) {
    EXPECT_EQ(next("0 3 * * *", "2026-01-01T03:00:00Z", 1), (Lines{"2026-01-02T03:00:00Z"}));
    EXPECT_EQ(next("* * * * * *", "2026-01-01T03:00:00Z", 1), (Lines{"2026-01-01T03:00:01Z"}));
}

TEST(CronNext, SecondsFieldFiresWithinTheMinute) {
    EXPECT_EQ(next("*/20 * * * * *", "2026-01-01T12:00:05Z", 3),
              (Lines{"2026-01-01T12:00:20Z", "2026-01-01T12:00:40Z", "2026-01-01T12:01:00Z"}));
    EXPECT_EQ(next("30 0 9 * * *", "2026-01-01T09:00:30Z", 1), (Lines{"2026-01-02T09:00:30Z"}));
}

TEST(CronNext, CronDomDowUsesVixieOrRule) {
    // 2026-01-01 is a Thursday: the 1st, the 15th and every Friday.
    EXPECT_EQ(next("0 0 1,15 * 5", "2026-01-01T00:00:00Z", 8),
              (Lines{"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-15T00:00:00Z",
                     "2026-01-16T00:00:00Z", "2026-01-23T00:00:00Z", "2026-01-30T00:00:00Z",
                     "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z"}));
}

TEST(CronNext, StarStepDayOfMonthIsUnrestrictedSoDaysAreAnded) {
    // Only Mondays that are odd days of the month.
    EXPECT_EQ(next("0 0 */2 * 1", "2026-01-01T00:00:00Z", 5),
              (Lines{"2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z",
                     "2026-02-23T00:00:00Z", "2026-03-09T00:00:00Z"}));
    // A restricted day-of-month list of the same days means OR: odd days or Mondays.
    EXPECT_EQ(next("0 0 1-31/2 * 1", "2026-01-01T00:00:00Z", 4),
              (Lines{"2026-01-03T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z",
                     "2026-01-09T00:00:00Z"}));
}

TEST(CronNext, LeapDayWaitsForTheNextLeapYear) {
    EXPECT_EQ(next("0 0 29 2 *", "2025-01-01T00:00:00Z", 2),
              (Lines{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
    EXPECT_EQ(next("0 0 29 2 *", "2096-03-01T00:00:00Z", 1), (Lines{"2104-02-29T00:00:00Z"}));
}

TEST(CronNext, LastDayOfMonthAndOffsets) {
    EXPECT_EQ(next("0 0 L * *", "2026-01-01T00:00:00Z", 4),
              (Lines{"2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z",
                     "2026-04-30T00:00:00Z"}));
    EXPECT_EQ(next("0 0 L * *", "2028-02-01T00:00:00Z", 1), (Lines{"2028-02-29T00:00:00Z"}));
    EXPECT_EQ(next("0 0 L-1 * *", "2026-01-01T00:00:00Z", 3),
              (Lines{"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-30T00:00:00Z"}));
}

TEST(CronNext, NthAndLastWeekdayOfTheMonth) {
    EXPECT_EQ(next("0 3 * * 1#1", "2026-01-01T00:00:00Z", 4),
              (Lines{"2026-01-05T03:00:00Z", "2026-02-02T03:00:00Z", "2026-03-02T03:00:00Z",
                     "2026-04-06T03:00:00Z"}));
    EXPECT_EQ(next("0 0 * * 5L", "2026-01-01T00:00:00Z", 4),
              (Lines{"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-27T00:00:00Z",
                     "2026-04-24T00:00:00Z"}));
    // Months without a fifth Monday are skipped.
    EXPECT_EQ(next("0 0 * * 1#5", "2026-01-01T00:00:00Z", 3),
              (Lines{"2026-03-30T00:00:00Z", "2026-06-29T00:00:00Z", "2026-08-31T00:00:00Z"}));
    // Both day fields restricted: the 13th, or the second Friday.
    EXPECT_EQ(next("0 0 13 * 5#2", "2026-02-01T00:00:00Z", 3),
              (Lines{"2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-04-10T00:00:00Z"}));
}

TEST(CronNext, RareExpressionsAreFoundDecadesAhead) {
    // A fifth Monday in February is a Monday 29 February: 2044, 2072, then 2112 (2100 is not a
    // leap year).
    EXPECT_EQ(next("0 0 */28 2 1#5", "2017-01-01T00:00:00Z", 3),
              (Lines{"2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z", "2112-02-29T00:00:00Z"}));
}

TEST(CronNext, NoFireBeyondTheYear9999) {
    EXPECT_EQ(next("0 0 1 1 *", "9999-06-01T00:00:00Z", 1), Lines{});
    EXPECT_EQ(next("59 23 31 12 *", "9999-12-31T23:58:00Z", 1), (Lines{"9999-12-31T23:59:00Z"}));
    EXPECT_EQ(latest("0 0 1 1 *", "0001-06-01T00:00:00Z"), "0001-01-01T00:00:00Z");
    EXPECT_EQ(latest("0 0 2 1 *", "0001-01-01T12:00:00Z"), "none");
}

TEST(CronNext, LatestAtOrBeforeIsInclusive) {
    EXPECT_EQ(latest("0 3 * * *", "2026-01-02T03:00:00Z"), "2026-01-02T03:00:00Z");
    EXPECT_EQ(latest("0 3 * * *", "2026-01-02T02:59:59Z"), "2026-01-01T03:00:00Z");
    EXPECT_EQ(latest("*/5 * * * *", "2026-01-02T12:07:30Z"), "2026-01-02T12:05:00Z");
    EXPECT_EQ(latest("0 0 29 2 *", "2031-01-01T00:00:00Z"), "2028-02-29T00:00:00Z");
    EXPECT_EQ(latest("0 0 */2 * 1", "2026-02-01T00:00:00Z"), "2026-01-19T00:00:00Z");
    EXPECT_EQ(latest("0 0 L * *", "2026-03-15T00:00:00Z"), "2026-02-28T00:00:00Z");
    EXPECT_EQ(latest("0 0 * * 5L", "2026-03-26T00:00:00Z"), "2026-02-27T00:00:00Z");
    EXPECT_EQ(latest("10 * * * * *", "2026-01-02T12:00:09Z"), "2026-01-02T11:59:10Z");
}

TEST(CronNext, DayMatchesExposesTheDayRuleForTranslators) {
    const CronExpression c = cron("0 0 1,15 * 5");
    EXPECT_TRUE(c.dayMatches(2026, 1, 1));
    EXPECT_TRUE(c.dayMatches(2026, 1, 2));   // a Friday
    EXPECT_FALSE(c.dayMatches(2026, 1, 3));  // a Saturday
    EXPECT_FALSE(c.dayMatches(2026, 2, 30));
    EXPECT_TRUE(cron("0 0 L * *").dayMatches(2028, 2, 29));
    EXPECT_FALSE(cron("0 0 L * *").dayMatches(2028, 2, 28));
    EXPECT_FALSE(cron("0 0 * 3 *").dayMatches(2028, 2, 28));  // month not selected
}

}  // namespace
}  // namespace belfry::schedule
