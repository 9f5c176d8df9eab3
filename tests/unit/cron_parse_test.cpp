// Parsing cron text: field sets, Vixie star-ness, Cronos interval-ness, canonical text, and
// refusals that say why.
#include <chrono>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "belfry/schedule/cron.h"

namespace belfry::schedule {
namespace {

using std::chrono::seconds;

std::uint64_t bits(std::initializer_list<int> values) {
    std::uint64_t out = 0;
    for (int v : values) out |= std::uint64_t{1} << v;
    return out;
}

std::uint64_t range(int low, int high, int step = 1) {
    std::uint64_t out = 0;
    for (int v = low; v <= high; v += step) out |= std::uint64_t{1} << v;
    return out;
}

CronExpression parsed(std::string_view text) {
    std::string error;
    auto cron = CronExpression::parse(text, &error);
    EXPECT_TRUE(cron.has_value()) << text << ": " << error;
    return cron ? *cron : *CronExpression::parse("* * * * *");
}

std::string refusal(std::string_view text) {
    std::string error;
    EXPECT_FALSE(CronExpression::parse(text, &error).has_value()) << text;
    return error;
}

TEST(CronParse, FiveFieldsBecomeBitsets) {
    const CronFields f = parsed("*/15 9-17 * * MON-FRI").fields();
    EXPECT_EQ(f.seconds, bits({0}));
    EXPECT_EQ(f.minutes, bits({0, 15, 30, 45}));
    EXPECT_EQ(f.hours, range(9, 17));
    EXPECT_EQ(f.daysOfMonth, range(1, 31));
    EXPECT_EQ(f.months, range(1, 12));
    EXPECT_EQ(f.daysOfWeek, range(1, 5));
    EXPECT_FALSE(f.hasSecondsField);
    EXPECT_FALSE(f.dayOfMonthRestricted);
    EXPECT_TRUE(f.dayOfWeekRestricted);
}

TEST(CronParse, SixFieldsHaveALeadingSecondsField) {
    const CronFields f = parsed("5,35 */10 3 * * *").fields();
    EXPECT_TRUE(f.hasSecondsField);
    EXPECT_EQ(f.seconds, bits({5, 35}));
    EXPECT_EQ(f.minutes, range(0, 59, 10));
    EXPECT_EQ(f.hours, bits({3}));
}

TEST(CronParse, MacrosExpandToTheirFiveFieldForms) {
    const std::pair<const char*, const char*> table[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}, {"  @DAILY ", "0 0 * * *"},
    };
    for (const auto& [macro, expansion] : table) {
        EXPECT_EQ(parsed(macro).toString(), expansion) << macro;
        EXPECT_EQ(parsed(macro), parsed(expansion)) << macro;
    }
}

TEST(CronParse, MonthAndDayNamesAreCaseInsensitive) {
    EXPECT_EQ(parsed("0 0 * jan-Mar,DEC sun,Sat").fields().months, bits({1, 2, 3, 12}));
    EXPECT_EQ(parsed("0 0 * jan-Mar,DEC sun,Sat").fields().daysOfWeek, bits({0, 6}));
    EXPECT_EQ(parsed("0 0 * * tue#2").fields().nthWeekdays[2], bits({2}));
    EXPECT_EQ(parsed("0 0 * * FriL").fields().lastWeekdays, bits({5}));
}

TEST(CronParse, SevenAndZeroAreBothSunday) {
    EXPECT_EQ(parsed("0 0 * * 7").fields().daysOfWeek, bits({0}));
    EXPECT_EQ(parsed("0 0 * * 5-7").fields().daysOfWeek, bits({0, 5, 6}));
    EXPECT_EQ(parsed("0 0 * * 7").toString(), "0 0 * * 0");
    EXPECT_EQ(parsed("0 0 * * 7L").fields().lastWeekdays, bits({0}));
    EXPECT_EQ(parsed("0 0 * * 7#1").fields().nthWeekdays[0], bits({1}));
}

TEST(CronParse, RangesStepsAndListsCombine) {
    EXPECT_EQ(parsed("1-10/3,20,30-34/2 * * * *").fields().minutes,
              bits({1, 4, 7, 10, 20, 30, 32, 34}));
    EXPECT_EQ(parsed("5/20 * * * *").fields().minutes, bits({5, 25, 45}));  // a/n runs to max
    EXPECT_EQ(parsed("0 */7 * * *").fields().hours, bits({0, 7, 14, 21}));
    EXPECT_EQ(parsed("0 0 */10 * *").fields().daysOfMonth, bits({1, 11, 21, 31}));
    EXPECT_EQ(parsed("0 0 * */5 *").fields().months, bits({1, 6, 11}));
    EXPECT_EQ(parsed("0 0 * * */2").fields().daysOfWeek, bits({0, 2, 4, 6}));
    EXPECT_EQ(parsed("0 0 * * 1-7/2").fields().daysOfWeek, bits({0, 1, 3, 5}));
}

TEST(CronParse, LastDayAndOffsetsInDayOfMonth) {
    const CronFields f = parsed("0 0 1,L,L-3 * *").fields();
    EXPECT_EQ(f.daysOfMonth, bits({1}));
    EXPECT_EQ(f.lastDaysOfMonth, bits({0, 3}));
    EXPECT_TRUE(f.dayOfMonthRestricted);
    EXPECT_EQ(parsed("0 0 L-0 * *").fields().lastDaysOfMonth, bits({0}));
    EXPECT_EQ(parsed("0 0 l * *").toString(), "0 0 L * *");
}

TEST(CronParse, LastAndNthWeekdayInDayOfWeek) {
    const CronFields f = parsed("0 0 * * MON#1,5L,3").fields();
    EXPECT_EQ(f.nthWeekdays[1], bits({1}));
    EXPECT_EQ(f.lastWeekdays, bits({5}));
    EXPECT_EQ(f.daysOfWeek, bits({3}));
    EXPECT_TRUE(f.dayOfWeekRestricted);
}

TEST(CronParse, AFieldStartingWithStarIsUnrestricted) {
    EXPECT_FALSE(parsed("0 0 */2 * 1").fields().dayOfMonthRestricted);
    EXPECT_TRUE(parsed("0 0 1-31 * 1").fields().dayOfMonthRestricted);
    EXPECT_TRUE(parsed("0 0 1-31/2 * 1").fields().dayOfMonthRestricted);
    EXPECT_FALSE(parsed("0 0 1 * */1").fields().dayOfWeekRestricted);
    EXPECT_TRUE(parsed("0 0 1 * 0-6").fields().dayOfWeekRestricted);
    // Vixie looks at the first character only.
    EXPECT_FALSE(parsed("0 0 *,15 * 1").fields().dayOfMonthRestricted);
    EXPECT_TRUE(parsed("0 0 15,* * 1").fields().dayOfMonthRestricted);
}

TEST(CronParse, IntervalBasedFollowsCronosDefinition) {
    const std::pair<const char*, bool> table[] = {
        {"0 * * * *", true},    {"*/15 2 * * *", true},  {"0 1-3 * * *", true},
        {"5/10 1 * * *", true}, {"0 1-1 * * *", true},   {"0 0,12 * * *", false},
        {"30 1 * * *", false},  {"0,30 1 * * *", false}, {"0 0 * * *", false},
        {"@hourly", true},      {"@daily", false},       {"0 0 */2 * *", false},
        {"0 0 1 * 1-5", false}, {"* 0 3 * * *", true},   {"0-5 0 3 * * *", true},
        {"0 0 3 * * *", false}, {"10 0 3 * * *", false}, {"0 0,30 3 * * *", false},
    };
    for (const auto& [text, interval] : table) {
        EXPECT_EQ(parsed(text).isIntervalBased(), interval) << text;
    }
}

TEST(CronParse, CanonicalTextNormalizesAndRoundTrips) {
    const std::pair<const char*, const char*> table[] = {
        {"  0   3 *  * * ", "0 3 * * *"},
        {"*/1 * * * *", "* * * * *"},
        {"0 9 * jan-mar MON-fri", "0 9 * 1-3 1-5"},
        {"5/20 * * * *", "5-59/20 * * * *"},
        {"0 0 L-0,L-2 * *", "0 0 L,L-2 * *"},
        {"0 0 * * sun#2,7L", "0 0 * * 0#2,0L"},
        {"0 0 */2 * 1", "0 0 */2 * 1"},
        {"1-5/1 0 * * *", "1-5 0 * * *"},
        {"0 30 4 * * *", "0 30 4 * * *"},
        {"0\t0\t1\t1\t*", "0 0 1 1 *"},
    };
    for (const auto& [text, canonical] : table) {
        const CronExpression cron = parsed(text);
        EXPECT_EQ(cron.toString(), canonical) << text;
        EXPECT_EQ(parsed(cron.toString()).fields(), cron.fields()) << text;
    }
}

TEST(CronParse, RefusesUnsupportedSyntaxSayingWhy) {
    const std::pair<const char*, const char*> table[] = {
        {"0 0 15W * *", "'W' (nearest weekday) is not supported: systemd and Task Scheduler"},
        {"0 0 LW * *", "'W' (nearest weekday) is not supported"},
        {"0 0 ? * 1", "'?' is not supported"},
        {"0 0 1 * ?", "'?' is not supported"},
        {"H * * * *", "'H' (a hashed value, Jenkins syntax) is not supported"},
        {"0 0 1 1 * 2027 x", "7 fields; a year field is not supported"},
        {"0 0 1 1 * 2027 ", "day-of-week field: 2027 is out of range 0-7"},  // 6 fields
        {"@reboot", "@reboot is not supported"},
        {"@every 5m", "a macro such as @daily stands alone"},
        {"@every", "@every is not supported"},
        {"@sometimes", "unknown macro"},
        {"0 0 * * L", "'L' alone is ambiguous in day-of-week"},
        {"L * * * *", "'L' in 'L' is only allowed"},
        {"0 0 * * 1-5L", "L follows a single weekday"},
        {"0 0 * * 1-2#2", "# follows a single weekday"},
        {"0 0 * * 1#6", "the occurrence after # 6 is out of range 1-5"},
        {"0 0 * * 1#0", "out of range 1-5"},
        {"0 0 L-31 * *", "the offset in L-n 31 is out of range 0-30"},
        {"0 0 L3 * *", "is not L or L-n"},
        {"0 0 * * FRI-MON", "runs backwards; ranges do not wrap around"},
        {"0 22-2 * * *", "runs backwards"},
        {"*/0 * * * *", "the step 0 is out of range 1-59"},
        {"*/60 * * * *", "the step 60 is out of range 1-59"},
        {"60 * * * *", "minute field: 60 is out of range 0-59"},
        {"0 24 * * *", "hour field: 24 is out of range 0-23"},
        {"0 0 0 * *", "day-of-month field: 0 is out of range 1-31"},
        {"0 0 32 * *", "day-of-month field: 32 is out of range 1-31"},
        {"0 0 * 13 *", "month field: 13 is out of range 1-12"},
        {"0 0 * * 8", "day-of-week field: 8 is out of range 0-7"},
        {"0 0 * JANUARY *", "unknown name 'JANUARY' (expected JAN-DEC or a number)"},
        {"0 0 * * MONDAY", "unknown name"},
        {"MON * * * *", "is not a number (names are only allowed in the month and day-of-week"},
        {"1,,2 * * * *", "empty list element (stray comma)"},
        {"1, * * * *", "empty list element"},
        {"-5 * * * *", "a value is missing"},
        {"5- * * * *", "a value is missing"},
        {"5x * * * *", "unexpected 'x' in '5x'"},
        {"1/2/3 * * * *", "unexpected '/' in '2/3'"},
        {"", "the expression is empty"},
        {"   ", "the expression is empty"},
        {"* * * *", "4 fields; expected 5"},
        {"99999999999999999999 * * * *", "is out of range 0-59"},
    };
    for (const auto& [text, message] : table) {
        const std::string error = refusal(text);
        EXPECT_NE(error.find(message), std::string::npos) << text << " -> " << error;
        EXPECT_EQ(error.rfind("cron '", 0), 0u) << error;
    }
}

TEST(CronParse, RefusesExpressionsThatNeverFireAtParseTime) {
    for (const char* never : {"0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6,9,11 *", "0 0 30,31 2 *",
                              "0 0 L-30 2 *", "0 0 */30 2 1#5"}) {
        const std::string error = refusal(never);
        EXPECT_NE(error.find("never fires"), std::string::npos) << never << " -> " << error;
    }
    // These do fire, if rarely: leap days, the OR rule, a fifth Monday on 29 February.
    for (const char* rare : {"0 0 29 2 *", "0 0 31 * *", "0 0 30 2 1", "0 0 */28 2 1#5",
                             "0 0 L-28 2 *", "0 0 31 4 5"}) {
        std::string error;
        EXPECT_TRUE(CronExpression::parse(rare, &error).has_value()) << rare << ": " << error;
    }
}

TEST(CronParse, ErrorsShowControlCharactersEscaped) {
    const std::string error = refusal(std::string("0 0 * * \x01\x7f", 11));
    EXPECT_EQ(error.find('\x01'), std::string::npos);
    EXPECT_NE(error.find("\\x01"), std::string::npos) << error;
}

// Random text over cron's alphabet and arbitrary bytes: the parser must answer every input
// quickly, and whatever it accepts must fire and print canonical text that parses back equal.
TEST(CronParse, RandomStringsNeverCrashOrHang) {
    std::mt19937 random(20260329);
    const std::string alphabet = "0123456789 */,-#LW?@JANMONFRIdecsunl\t";
    const std::string tokens[] = {"*",   "*/", "L",  "L-",  "#",      ",",  "-",
                                  "/",   " ",  "5L", "1#2", "@daily", "@",  "JAN",
                                  "MON", "59", "60", "7",   "0",      "31", "?"};
    int accepted = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        const int length = static_cast<int>(random() % 24);
        for (int j = 0; j < length; ++j) {
            switch (random() % 4) {
                case 0:
                    text += static_cast<char>(random() % 256);
                    break;
                case 1:
                    text += tokens[random() % std::size(tokens)];
                    break;
                default:
                    text += alphabet[random() % alphabet.size()];
            }
        }
        if (i % 2 == 0) {  // also mutate well-formed expressions
            text = "0 3 * * *";
            const int mutations = 1 + static_cast<int>(random() % 3);
            for (int k = 0; k < mutations; ++k) {
                text[random() % text.size()] = alphabet[random() % alphabet.size()];
            }
        }
        std::string error;
        const auto cron = CronExpression::parse(text, &error);
        if (!cron) {
            EXPECT_FALSE(error.empty()) << text;
            continue;
        }
        ++accepted;
        const Instant from{seconds{1767225600 + static_cast<long>(random() % 100000000)}};
        EXPECT_TRUE(cron->nextAfter(from).has_value()) << text;
        EXPECT_TRUE(cron->latestAtOrBefore(from).has_value()) << text;
        EXPECT_EQ(parsed(cron->toString()).fields(), cron->fields()) << text;
    }
    EXPECT_GT(accepted, 500);  // the accepting path is exercised too
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace belfry::schedule
