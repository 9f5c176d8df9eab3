// The schedule model: the four kinds, validation from the JSON fields, slots, and round trips.
#include <string>

#include <gtest/gtest.h>

#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/schedule.h"

namespace belfry::schedule {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

Instant utc(std::string_view iso) {
    return parseIso8601(iso, nullptr).value_or(Instant{});
}

Schedule valid(const ScheduleFields& fields) {
    std::string error;
    const auto schedule = Schedule::fromFields(fields, &error);
    EXPECT_TRUE(schedule.has_value()) << error;
    return schedule.value_or(Schedule());
}

std::string refusal(const ScheduleFields& fields) {
    std::string error;
    EXPECT_FALSE(Schedule::fromFields(fields, &error).has_value());
    return error;
}

std::string text(const std::optional<Instant>& t) {
    return t ? formatIso8601Utc(*t) : "none";
}

TEST(ScheduleModel, CronWithZoneFiresInThatZone) {
    const Schedule s = valid({"0 3 * * *", "Europe/Paris", {}, {}});
    EXPECT_EQ(s.kind(), Schedule::Kind::Cron);
    ASSERT_NE(s.cron(), nullptr);
    EXPECT_EQ(s.cron()->toString(), "0 3 * * *");
    EXPECT_EQ(s.timeZone().name(), "Europe/Paris");
    EXPECT_TRUE(s.hasExplicitTimeZone());
    EXPECT_EQ(text(s.nextAfter(utc("2026-07-01T00:00:00Z"))), "2026-07-01T01:00:00Z");
    EXPECT_EQ(s.toString(), "cron 0 3 * * * in Europe/Paris");
}

TEST(ScheduleModel, CronWithoutZoneIsUtc) {
    const Schedule s = valid({"0 3 * * *", {}, {}, {}});
    EXPECT_TRUE(s.timeZone().isUtc());
    EXPECT_FALSE(s.hasExplicitTimeZone());
    EXPECT_EQ(text(s.nextAfter(utc("2026-07-01T00:00:00Z"))), "2026-07-01T03:00:00Z");
    EXPECT_EQ(s.toString(), "cron 0 3 * * * in UTC");
}

TEST(ScheduleModel, EveryIsAnchoredToTheUnixEpoch) {
    const Schedule s = valid({{}, {}, "15m", {}});
    EXPECT_EQ(s.kind(), Schedule::Kind::Every);
    EXPECT_EQ(s.period(), minutes(15));
    EXPECT_EQ(text(s.nextAfter(utc("2026-07-01T10:07:13Z"))), "2026-07-01T10:15:00Z");
    EXPECT_EQ(text(s.nextAfter(utc("2026-07-01T10:15:00Z"))), "2026-07-01T10:30:00Z");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-07-01T10:15:00Z"))), "2026-07-01T10:15:00Z");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-07-01T10:14:59Z"))), "2026-07-01T10:00:00Z");
    EXPECT_EQ(text(valid({{}, {}, "1d", {}}).nextAfter(utc("2026-07-01T10:00:00Z"))),
              "2026-07-02T00:00:00Z");
    EXPECT_EQ(text(valid({{}, {}, "7m", {}}).nextAfter(utc("1970-01-01T00:00:00Z"))),
              "1970-01-01T00:07:00Z");
    EXPECT_EQ(text(valid({{}, {}, "90s", {}}).latestAtOrBefore(utc("1969-12-31T23:59:00Z"))),
              "1969-12-31T23:58:30Z");
    EXPECT_EQ(s.toString(), "every 15m");
}

TEST(ScheduleModel, AtFiresOnceAndItsSlotIsItself) {
    const Schedule s = valid({{}, {}, {}, "2026-12-01T04:00:00+01:00"});
    EXPECT_EQ(s.kind(), Schedule::Kind::At);
    EXPECT_EQ(text(s.nextAfter(utc("2026-11-30T00:00:00Z"))), "2026-12-01T03:00:00Z");
    EXPECT_EQ(text(s.nextAfter(utc("2026-12-01T03:00:00Z"))), "none");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-12-01T02:59:59Z"))), "none");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2027-01-01T00:00:00Z"))), "2026-12-01T03:00:00Z");
    EXPECT_EQ(s.toString(), "at 2026-12-01T03:00:00Z");
}

TEST(ScheduleModel, NoScheduleNeverFires) {
    const Schedule s = valid({});
    EXPECT_EQ(s.kind(), Schedule::Kind::None);
    EXPECT_EQ(text(s.nextAfter(utc("2026-01-01T00:00:00Z"))), "none");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-01-01T00:00:00Z"))), "none");
    EXPECT_TRUE(s.nextFires(utc("2026-01-01T00:00:00Z"), 5).empty());
    EXPECT_EQ(s.toString(), "none");
    EXPECT_EQ(s, Schedule());
}

TEST(ScheduleModel, RefusesBadFieldsWithOneClearMessage) {
    EXPECT_EQ(refusal({"0 3 * * *", {}, "15m", {}}),
              "a schedule has one of cron, every or at, not cron and every");
    EXPECT_EQ(refusal({{}, {}, "15m", "2026-12-01T03:00:00Z"}),
              "a schedule has one of cron, every or at, not every and at");
    EXPECT_EQ(refusal({{}, "Europe/Paris", "15m", {}}), "timezone applies only to a cron schedule");
    EXPECT_EQ(refusal({{}, "Europe/Paris", {}, {}}), "timezone applies only to a cron schedule");
    EXPECT_EQ(refusal({"0 3 * * *", "Europe/Pariss", {}, {}}),
              "unknown time zone 'Europe/Pariss' (expected an IANA name such as Europe/Paris)");
    EXPECT_NE(refusal({"0 3 * * *", "", {}, {}}).find("time zone name is empty"),
              std::string::npos);
    EXPECT_EQ(refusal({"0 0 15W * *", {}, {}, {}}),
              "cron '0 0 15W * *': day-of-month field: 'W' (nearest weekday) is not supported: "
              "systemd and Task Scheduler cannot express it (in '15W')");
    EXPECT_EQ(refusal({"0 0 30 2 *", {}, {}, {}}).rfind("cron '0 0 30 2 *': never fires", 0), 0u);
    EXPECT_EQ(refusal({{}, {}, "15", {}}).rfind("every: duration '15'", 0), 0u);
    EXPECT_EQ(refusal({{}, {}, "1500ms", {}}), "every '1500ms' must be a whole number of seconds");
    EXPECT_EQ(refusal({{}, {}, "0s", {}}), "every must be at least 1s");
    EXPECT_EQ(refusal({{}, {}, {}, "2026-12-01T03:00:00"}),
              "at: '2026-12-01T03:00:00' has no UTC offset, so it names no instant; add Z or an "
              "offset such as +01:00");
    EXPECT_EQ(refusal({{}, {}, {}, "tomorrow"}).rfind("at: 'tomorrow' is not an ISO-8601 time", 0),
              0u);
}

TEST(ScheduleModel, ToFieldsRoundTrips) {
    const ScheduleFields cases[] = {
        {"0 9 * jan-mar MON-fri", "America/New_York", {}, {}},
        {"@hourly", {}, {}, {}},
        {{}, {}, "90s", {}},
        {{}, {}, {}, "2026-12-01T04:00:00.250+01:00"},
        {},
    };
    for (const ScheduleFields& fields : cases) {
        const Schedule s = valid(fields);
        EXPECT_EQ(valid(s.toFields()), s) << s.toString();
    }
    EXPECT_EQ(valid(cases[0]).toFields(),
              (ScheduleFields{"0 9 * 1-3 1-5", "America/New_York", {}, {}}));
    EXPECT_EQ(valid(cases[2]).toFields(), (ScheduleFields{{}, {}, "1m30s", {}}));
    EXPECT_EQ(valid(cases[3]).toFields(), (ScheduleFields{{}, {}, {}, "2026-12-01T03:00:00Z"}));
}

TEST(ScheduleModel, LatestAtOrBeforeGivesTheSlotOfALateFire) {
    const Schedule s = valid({"*/15 * * * *", "Europe/Berlin", {}, {}});
    // The OS timer fired a little late; the slot is still the nominal time.
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-05-04T08:15:02Z"))), "2026-05-04T08:15:00Z");
    EXPECT_EQ(text(s.latestAtOrBefore(utc("2026-05-04T08:29:59Z"))), "2026-05-04T08:15:00Z");
}

TEST(ScheduleModel, SystemClockOverloadsDropTheFraction) {
    const Schedule s = valid({"* * * * * *", {}, {}, {}});
    const auto t = std::chrono::system_clock::time_point{} + seconds{1767225600} +
                   std::chrono::milliseconds{999};
    EXPECT_EQ(text(s.nextAfter(t)), "2026-01-01T00:00:01Z");
    EXPECT_EQ(text(s.latestAtOrBefore(t)), "2026-01-01T00:00:00Z");
}

TEST(ScheduleModel, NextFiresListsConsecutiveFires) {
    const Schedule s = valid({"0 0 1,15 * *", {}, {}, {}});
    const auto fires = s.nextFires(utc("2026-01-01T00:00:00Z"), 3);
    ASSERT_EQ(fires.size(), 3u);
    EXPECT_EQ(formatIso8601Utc(fires[0]), "2026-01-15T00:00:00Z");
    EXPECT_EQ(formatIso8601Utc(fires[1]), "2026-02-01T00:00:00Z");
    EXPECT_EQ(formatIso8601Utc(fires[2]), "2026-02-15T00:00:00Z");
    EXPECT_EQ(Schedule::once(utc("2026-01-02T00:00:00Z"))
                  .nextFires(utc("2026-01-01T00:00:00Z"), 3)
                  .size(),
              1u);
}

}  // namespace
}  // namespace belfry::schedule
