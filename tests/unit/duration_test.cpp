#include "belfry/duration.h"

#include <gtest/gtest.h>

namespace belfry {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Duration, ParsesEachUnit) {
    EXPECT_EQ(parseDuration("90s"), seconds(90));
    EXPECT_EQ(parseDuration("15m"), minutes(15));
    EXPECT_EQ(parseDuration("2h"), hours(2));
    EXPECT_EQ(parseDuration("1d"), hours(24));
    EXPECT_EQ(parseDuration("250ms"), Milliseconds(250));
    EXPECT_EQ(parseDuration("0s"), Milliseconds(0));
}

TEST(Duration, ParsesCompoundLargestFirst) {
    EXPECT_EQ(parseDuration("1h30m"), minutes(90));
    EXPECT_EQ(parseDuration("1d2h3m4s5ms"), Milliseconds(93'784'005));
}

TEST(Duration, RejectsWithAMessageThatSaysWhy) {
    for (const char* bad : {"", "15", "m", "15x", "1.5h", "-5s", "30m1h", "1h1h", " 5s", "5s ",
                            "99999999999999999999s", "5 s"}) {
        std::string error;
        EXPECT_FALSE(parseDuration(bad, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(Duration, FormatsBackToTheShortestForm) {
    EXPECT_EQ(formatDuration(seconds(90)), "1m30s");
    EXPECT_EQ(formatDuration(hours(48)), "2d");
    EXPECT_EQ(formatDuration(Milliseconds(0)), "0s");
    EXPECT_EQ(formatDuration(Milliseconds(1500)), "1s500ms");
}

TEST(Duration, FormatAndParseRoundTrip) {
    for (long long ms : {1LL, 999LL, 60'000LL, 3'723'004LL, 86'400'000LL * 400}) {
        EXPECT_EQ(parseDuration(formatDuration(Milliseconds(ms))), Milliseconds(ms));
    }
}

}  // namespace
}  // namespace belfry
