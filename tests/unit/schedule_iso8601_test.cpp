// ISO-8601 text and the `belfry next` lines.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/next_fires.h"

namespace belfry::schedule {
namespace {

using Lines = std::vector<std::string>;

TimeZone zone(std::string_view name) {
    return TimeZone::locate(name).value_or(TimeZone());
}

std::string parsedUtc(std::string_view text, std::string_view localZone = "") {
    std::string error;
    const TimeZone z = zone(localZone.empty() ? "UTC" : localZone);
    const auto instant = parseIso8601(text, localZone.empty() ? nullptr : &z, &error);
    return instant ? formatIso8601Utc(*instant) : "error: " + error;
}

TEST(ScheduleIso8601, FormatsWithTheZonesOffset) {
    const Instant t = *parseIso8601("2026-03-29T01:00:00Z", nullptr);
    EXPECT_EQ(formatIso8601(t, zone("Europe/Berlin")), "2026-03-29T03:00:00+02:00");
    EXPECT_EQ(formatIso8601(t, zone("America/New_York")), "2026-03-28T21:00:00-04:00");
    EXPECT_EQ(formatIso8601(t, zone("Asia/Kolkata")), "2026-03-29T06:30:00+05:30");
    EXPECT_EQ(formatIso8601(t, TimeZone()), "2026-03-29T01:00:00+00:00");
    EXPECT_EQ(formatIso8601Utc(t), "2026-03-29T01:00:00Z");
    EXPECT_EQ(formatIso8601Utc(kMinInstant), "0001-01-01T00:00:00Z");
    EXPECT_EQ(formatIso8601Utc(kMaxInstant), "9999-12-31T23:59:59Z");
    // Local mean time before 1893 had an offset with seconds (Berlin: +00:53:28).
    EXPECT_EQ(formatIso8601(*parseIso8601("1850-01-01T00:00:00Z", nullptr), zone("Europe/Berlin")),
              "1850-01-01T00:53:28+00:53:28");
}

TEST(ScheduleIso8601, ParsesZAndOffsets) {
    EXPECT_EQ(parsedUtc("2026-12-01T03:00:00Z"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-12-01t03:00:00z"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-12-01 04:00:00+01:00"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-12-01T04:00+0100"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-12-01T04:00:00+01"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-11-30T21:30:00-05:30"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2026-12-01T03:00:00.999Z"), "2026-12-01T03:00:00Z");
    EXPECT_EQ(parsedUtc("2028-02-29T00:00:00Z"), "2028-02-29T00:00:00Z");
}

TEST(ScheduleIso8601, PlainLocalTimeIsReadInTheGivenZone) {
    EXPECT_EQ(parsedUtc("2026-07-01T12:00", "Europe/Berlin"), "2026-07-01T10:00:00Z");
    EXPECT_EQ(parsedUtc("2026-07-01", "America/New_York"), "2026-07-01T04:00:00Z");
    // Inside the spring gap: the end of the gap. In the repeated hour: the first pass.
    EXPECT_EQ(parsedUtc("2026-03-29T02:30:00", "Europe/Berlin"), "2026-03-29T01:00:00Z");
    EXPECT_EQ(parsedUtc("2026-10-25T02:30:00", "Europe/Berlin"), "2026-10-25T00:30:00Z");
    // An explicit offset wins over the zone.
    EXPECT_EQ(parsedUtc("2026-10-25T02:30:00+01:00", "Europe/Berlin"), "2026-10-25T01:30:00Z");
}

TEST(ScheduleIso8601, RefusesMalformedTextSayingWhy) {
    const std::pair<const char*, const char*> table[] = {
        {"", "expected a four-digit year"},
        {"2026-1-01T00:00:00Z", "expected a two-digit month"},
        {"2026-13-01T00:00:00Z", "month is out of range 01-12"},
        {"2026-02-29T00:00:00Z", "that day does not exist"},
        {"2026-04-31", "that day does not exist"},
        {"0000-01-01T00:00:00Z", "year 0000 is out of range"},
        {"2026-01-01T24:00:00Z", "hour is out of range 00-23"},
        {"2026-01-01T12:60:00Z", "minute is out of range 00-59"},
        {"2026-01-01T12:00:60Z", "second is out of range 00-59"},
        {"2026-01-01T12Z", "expected ':' after the hour"},
        {"2026-01-01T12:00:00.Z", "expected digits after the decimal point"},
        {"2026-01-01T12:00:00+25:00", "the UTC offset is out of range"},
        {"2026-01-01T12:00:00 UTC", "unexpected text at the end"},
        {"2026-01-01T12:00:00", "has no UTC offset, so it names no instant"},
        {"9999-12-31T23:00:00-05:00", "outside the years 0001-9999"},
    };
    for (const auto& [text, message] : table) {
        const std::string result = parsedUtc(text);
        EXPECT_NE(result.find(message), std::string::npos) << text << " -> " << result;
    }
}

TEST(ScheduleIso8601, NextFireLinesPrintOneOffsetTimePerFire) {
    std::string error;
    EXPECT_EQ(nextFireLines("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3, &error),
              (Lines{"2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
                     "2026-03-31T02:30:00+02:00"}));
    // --from without an offset is local time in --tz.
    EXPECT_EQ(nextFireLines("0 3 * * *", "America/New_York", "2026-11-01T00:00", 2, &error),
              (Lines{"2026-11-01T03:00:00-05:00", "2026-11-02T03:00:00-05:00"}));
    // No --tz: UTC. No --from: now.
    const Instant now = *parseIso8601("2026-05-05T05:05:05Z", nullptr);
    EXPECT_EQ(nextFireLines("*/10 * * * *", "", "", 2, &error, now),
              (Lines{"2026-05-05T05:10:00+00:00", "2026-05-05T05:20:00+00:00"}));
    // The search bound ends the list.
    EXPECT_EQ(nextFireLines("0 0 1 1 *", "", "9998-06-01T00:00:00Z", 5, &error),
              (Lines{"9999-01-01T00:00:00+00:00"}));
}

TEST(ScheduleIso8601, NextFireLinesNameTheBadOption) {
    std::string error;
    EXPECT_FALSE(nextFireLines("0 3 * * *", "Nowhere/City", "", 1, &error));
    EXPECT_EQ(error.rfind("--tz: unknown time zone 'Nowhere/City'", 0), 0u) << error;
    EXPECT_FALSE(nextFireLines("0 3 * * *", "", "yesterday", 1, &error));
    EXPECT_EQ(error.rfind("--from: 'yesterday' is not an ISO-8601 time", 0), 0u) << error;
    EXPECT_FALSE(nextFireLines("0 3 * *", "", "", 1, &error));
    EXPECT_EQ(error.rfind("cron '0 3 * *': 4 fields", 0), 0u) << error;
    EXPECT_FALSE(nextFireLines("0 3 * * *", "", "", 0, &error));
    EXPECT_EQ(error, "-n 0 is out of range 1-1000");
    EXPECT_FALSE(nextFireLines("0 3 * * *", "", "", 1001, &error));
}

}  // namespace
}  // namespace belfry::schedule
