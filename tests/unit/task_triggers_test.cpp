// The Task Scheduler translation, verified through the XML: every translation is printed with
// toTriggersXml, read back by the test-side model of Task Scheduler (task_trigger_evaluator.h,
// written from Microsoft's documentation), expanded into fire instants under every reading of
// the undocumented details, and compared with the engine's nextAfter chain:
//  - in [from, validUntil] (closed: the fire at validUntil belongs to this translation too),
//  - or over a horizon when there is no validUntil,
//  - and nothing may fire after validUntil.
// Zoned schedules are followed across DST transitions by re-translating from validUntil, as the
// service does.
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/schedule.h"
#include "belfry/schedule/task_triggers.h"
#include "task_trigger_evaluator.h"

namespace belfry::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = TaskTrigger::Kind;
using testing::allReadings;
using testing::evaluateTriggers;
using testing::TriggerReading;

constexpr seconds kDays{86400};

Instant utc(std::string_view iso) {
    std::string error;
    const auto instant = parseIso8601(iso, nullptr, &error);
    EXPECT_TRUE(instant.has_value()) << error;
    return instant.value_or(Instant{});
}

Schedule schedule(ScheduleFields fields) {
    std::string error;
    auto parsed = Schedule::fromFields(fields, &error);
    EXPECT_TRUE(parsed.has_value()) << error;
    return parsed.value_or(Schedule());
}

Schedule cron(std::string expression, std::string zone = "") {
    ScheduleFields fields;
    fields.cron = std::move(expression);
    if (!zone.empty()) fields.timezone = std::move(zone);
    return schedule(fields);
}

Schedule every(std::string period) {
    ScheduleFields fields;
    fields.every = std::move(period);
    return schedule(fields);
}

// The engine's fires in [begin, end], at most `cap` of them.
std::vector<Instant> engineFires(const Schedule& s, Instant begin, Instant end, std::size_t cap) {
    std::vector<Instant> fires;
    for (auto f = s.nextAfter(begin - seconds{1}); f && *f <= end && fires.size() < cap;
         f = s.nextAfter(*f)) {
        fires.push_back(*f);
    }
    return fires;
}

std::string listOf(const std::vector<Instant>& instants, std::size_t from, std::size_t count) {
    std::string text;
    for (std::size_t i = from; i < instants.size() && i < from + count; ++i) {
        text += " " + formatIso8601Utc(instants[i]);
    }
    return text.empty() ? " (none)" : text;
}

std::string readingName(const TriggerReading& r) {
    return std::string("EndBoundary ") + (r.endBoundaryInclusive ? "inclusive" : "exclusive") +
           (r.endBoundaryStopsRepetition ? ", stops repetitions" : ", repetitions run on");
}

// Compares the fires the XML produces with the engine's in [from, end] (closed), under every
// reading; and checks that nothing fires in (validUntil, validUntil + 3 days].
::testing::AssertionResult firesMatch(const Schedule& s, const TaskTriggers& translation,
                                      Instant from, Instant end, std::size_t cap) {
    const std::string xml = toTriggersXml(translation);
    std::vector<Instant> expected = engineFires(s, from, end, cap);
    if (expected.size() == cap) end = expected.back();
    for (const TriggerReading& reading : allReadings()) {
        std::string error;
        const auto actual = evaluateTriggers(xml, from, end, reading, &error);
        if (!actual) {
            return ::testing::AssertionFailure()
                   << s.toString() << ": the evaluator rejects the XML: " << error << "\n"
                   << xml;
        }
        if (*actual != expected) {
            std::size_t i = 0;
            while (i < actual->size() && i < expected.size() && (*actual)[i] == expected[i]) ++i;
            return ::testing::AssertionFailure()
                   << s.toString() << " from " << formatIso8601Utc(from) << " to "
                   << formatIso8601Utc(end) << " (" << readingName(reading)
                   << "): " << expected.size() << " engine fires, " << actual->size()
                   << " trigger fires; first difference at #" << i
                   << "\n  engine:  " << listOf(expected, i, 4)
                   << "\n  triggers:" << listOf(*actual, i, 4) << "\n"
                   << xml;
        }
        if (translation.validUntil) {
            const auto after =
                evaluateTriggers(xml, *translation.validUntil + seconds{1},
                                 *translation.validUntil + 3 * kDays, reading, &error);
            if (!after || !after->empty()) {
                return ::testing::AssertionFailure()
                       << s.toString() << ": fires after validUntil "
                       << formatIso8601Utc(*translation.validUntil) << ":"
                       << (after ? listOf(*after, 0, 4) : error) << "\n"
                       << xml;
            }
        }
    }
    return ::testing::AssertionSuccess();
}

// Structural promises of every translation.
::testing::AssertionResult wellFormed(const Schedule& s, const TaskTriggers& translation,
                                      Instant from) {
    if (translation.triggers.size() > kMaxTaskTriggers) {
        return ::testing::AssertionFailure() << s.toString() << ": too many triggers";
    }
    for (const TaskTrigger& t : translation.triggers) {
        const auto fire = s.nextAfter(t.startBoundary - seconds{1});
        if (t.startBoundary < from || !fire || *fire != t.startBoundary) {
            return ::testing::AssertionFailure()
                   << s.toString() << ": StartBoundary " << formatIso8601Utc(t.startBoundary)
                   << " is before from or not a fire";
        }
        if (translation.validUntil && t.startBoundary > *translation.validUntil) {
            return ::testing::AssertionFailure()
                   << s.toString() << ": StartBoundary after validUntil";
        }
    }
    return ::testing::AssertionSuccess();
}

struct Checked {
    ::testing::AssertionResult result = ::testing::AssertionSuccess();
    TaskTriggers translation;
    int windows = 0;
};

// Translates from `from` and verifies up to `horizon` later, re-translating from each validUntil
// that comes sooner (as the service re-registers).
Checked checkChain(const Schedule& s, Instant from, seconds horizon,
                   std::size_t capPerWindow = 20000) {
    Checked out;
    const Instant stop = from + horizon;
    for (Instant cursor = from; cursor < stop;) {
        std::string error;
        const auto translation = translateToTaskScheduler(s, cursor, &error);
        if (!translation) {
            out.result = ::testing::AssertionFailure()
                         << s.toString() << " from " << formatIso8601Utc(cursor)
                         << ": refused: " << error;
            return out;
        }
        if (out.windows == 0) out.translation = *translation;
        ++out.windows;
        out.result = wellFormed(s, *translation, cursor);
        if (!out.result) return out;
        const bool bounded = translation->validUntil && *translation->validUntil < stop;
        const Instant end = bounded ? *translation->validUntil : stop;
        out.result = firesMatch(s, *translation, cursor, end, capPerWindow);
        if (!out.result || !bounded) return out;
        if (*translation->validUntil <= cursor) {
            out.result = ::testing::AssertionFailure() << "validUntil does not advance";
            return out;
        }
        cursor = *translation->validUntil;
    }
    return out;
}

// A compact, readable form of a translation for the hand-written expectations.
std::string shape(const TaskTriggers& translation) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    std::ostringstream out;
    auto months = [&](std::uint16_t bits) {
        if (bits == 0x1FFE) return;
        out << " months=";
        const char* separator = "";
        for (int m = 1; m <= 12; ++m) {
            if ((bits >> m) & 1) {
                out << separator << m;
                separator = ",";
            }
        }
    };
    for (const TaskTrigger& t : translation.triggers) {
        if (out.tellp() > 0) out << " + ";
        const std::string start = formatIso8601Utc(t.startBoundary);
        switch (t.kind) {
            case Kind::Time:
                out << "Time " << start;
                break;
            case Kind::Daily:
                out << "Daily/" << t.daysInterval << " " << start;
                break;
            case Kind::Weekly:
                out << "Weekly";
                for (int d = 0; d < 7; ++d) {
                    if ((t.daysOfWeek >> d) & 1) out << " " << days[d];
                }
                out << " " << start;
                break;
            case Kind::Monthly:
                out << "Monthly";
                for (int d = 1; d <= 31; ++d) {
                    if ((t.daysOfMonth >> d) & 1) out << " " << d;
                }
                if (t.lastDayOfMonth) out << " Last";
                months(t.months);
                out << " " << start;
                break;
            case Kind::MonthlyDayOfWeek:
                out << "MonthlyDOW";
                for (int k = 1; k <= 4; ++k) {
                    if ((t.weeksOfMonth >> k) & 1) out << " " << k;
                }
                if (t.lastWeekOfMonth) out << " Last";
                for (int d = 0; d < 7; ++d) {
                    if ((t.daysOfWeek >> d) & 1) out << " " << days[d];
                }
                months(t.months);
                out << " " << start;
                break;
        }
        if (t.repetition) {
            out << " every " << t.repetition->interval.count() << "s";
            if (t.repetition->duration) out << " for " << t.repetition->duration->count() << "s";
        }
        if (t.endBoundary) out << " until " << formatIso8601Utc(*t.endBoundary);
    }
    return out.str();
}

// ---------------------------------------------------------------------------------------------
// The evaluator itself, against Microsoft's documented examples: if it were wrong, every other
// test would verify against the wrong thing.

std::string triggersXml(const std::string& body) {
    return "<?xml version=\"1.0\"?>\n<Triggers "
           "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">" +
           body + "</Triggers>";
}

std::vector<std::string> fireList(const std::string& body, std::string_view begin,
                                  std::string_view end, TriggerReading reading = {}) {
    std::string error;
    const auto fires = evaluateTriggers(triggersXml(body), utc(begin), utc(end), reading, &error);
    EXPECT_TRUE(fires.has_value()) << error;
    std::vector<std::string> out;
    for (Instant f : fires.value_or(std::vector<Instant>{})) out.push_back(formatIso8601Utc(f));
    return out;
}

TEST(TaskTriggerEvaluator, RepetitionOfOneMinuteForFourMinutesStartsFiveTimes) {
    EXPECT_EQ(fireList("<TimeTrigger><StartBoundary>2026-01-05T08:00:00Z</StartBoundary>"
                       "<Repetition><Interval>PT1M</Interval><Duration>PT4M</Duration>"
                       "</Repetition></TimeTrigger>",
                       "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z"),
              (std::vector<std::string>{"2026-01-05T08:00:00Z", "2026-01-05T08:01:00Z",
                                        "2026-01-05T08:02:00Z", "2026-01-05T08:03:00Z",
                                        "2026-01-05T08:04:00Z"}));
    // The documented 25-minute interval within 60 minutes: at 0, 25 and 50 minutes.
    EXPECT_EQ(fireList("<TimeTrigger><StartBoundary>2026-01-05T08:00:00Z</StartBoundary>"
                       "<Repetition><Interval>PT25M</Interval><Duration>PT1H</Duration>"
                       "</Repetition></TimeTrigger>",
                       "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z"),
              (std::vector<std::string>{"2026-01-05T08:00:00Z", "2026-01-05T08:25:00Z",
                                        "2026-01-05T08:50:00Z"}));
}

TEST(TaskTriggerEvaluator, MonthlyDayThirtyOneSkipsShortMonthsAndLastIsTheLastDay) {
    const std::string months = "<Months><January/><February/><March/><April/></Months>";
    EXPECT_EQ(fireList("<CalendarTrigger><StartBoundary>2026-01-01T08:00:00Z</StartBoundary>"
                       "<ScheduleByMonth><DaysOfMonth><Day>31</Day></DaysOfMonth>" +
                           months + "</ScheduleByMonth></CalendarTrigger>",
                       "2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z"),
              (std::vector<std::string>{"2026-01-31T08:00:00Z", "2026-03-31T08:00:00Z"}));
    EXPECT_EQ(fireList("<CalendarTrigger><StartBoundary>2028-01-01T08:00:00Z</StartBoundary>"
                       "<ScheduleByMonth><DaysOfMonth><Day>Last</Day></DaysOfMonth>" +
                           months + "</ScheduleByMonth></CalendarTrigger>",
                       "2028-01-01T00:00:00Z", "2028-05-01T00:00:00Z"),
              (std::vector<std::string>{"2028-01-31T08:00:00Z", "2028-02-29T08:00:00Z",
                                        "2028-03-31T08:00:00Z", "2028-04-30T08:00:00Z"}));
}

TEST(TaskTriggerEvaluator, MonthlyDayOfWeekCountsWeeksAsSevenDayBlocks) {
    // The documented example: Monday of the first week (days 1-7), and the last week.
    EXPECT_EQ(fireList("<CalendarTrigger><StartBoundary>2026-01-01T08:00:00Z</StartBoundary>"
                       "<ScheduleByMonthDayOfWeek><Weeks><Week>1</Week><Week>Last</Week></Weeks>"
                       "<DaysOfWeek><Monday/></DaysOfWeek><Months><March/></Months>"
                       "</ScheduleByMonthDayOfWeek></CalendarTrigger>",
                       "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
              (std::vector<std::string>{"2026-03-02T08:00:00Z", "2026-03-30T08:00:00Z"}));
}

TEST(TaskTriggerEvaluator, CalendarTriggersFireFromTheStartBoundaryAtItsTimeOfDay) {
    EXPECT_EQ(fireList("<CalendarTrigger><StartBoundary>2026-01-05T22:30:00Z</StartBoundary>"
                       "<EndBoundary>2026-01-09T00:00:00Z</EndBoundary>"
                       "<ScheduleByDay><DaysInterval>2</DaysInterval></ScheduleByDay>"
                       "</CalendarTrigger>"
                       "<CalendarTrigger><StartBoundary>2026-01-07T10:00:00Z</StartBoundary>"
                       "<ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek><Monday/>"
                       "<Thursday/></DaysOfWeek></ScheduleByWeek></CalendarTrigger>",
                       "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z"),
              (std::vector<std::string>{"2026-01-05T22:30:00Z", "2026-01-07T22:30:00Z",
                                        "2026-01-08T10:00:00Z", "2026-01-12T10:00:00Z"}));
}

TEST(TaskTriggerEvaluator, RejectsLocalTimesAndBrokenConstraints) {
    std::string error;
    auto rejects = [&](const std::string& body) {
        return !evaluateTriggers(triggersXml(body), utc("2026-01-01T00:00:00Z"),
                                 utc("2026-02-01T00:00:00Z"), TriggerReading{}, &error);
    };
    EXPECT_TRUE(
        rejects("<TimeTrigger><StartBoundary>2026-01-05T08:00:00</StartBoundary>"
                "</TimeTrigger>"));
    EXPECT_NE(error.find("local time"), std::string::npos) << error;
    EXPECT_TRUE(
        rejects("<TimeTrigger><StartBoundary>2026-01-05T08:00:00Z</StartBoundary>"
                "<Repetition><Interval>PT30S</Interval></Repetition></TimeTrigger>"));
    EXPECT_TRUE(
        rejects("<TimeTrigger><StartBoundary>2026-01-05T08:00:00Z</StartBoundary>"
                "<Repetition><Interval>PT10M</Interval><Duration>PT5M</Duration>"
                "</Repetition></TimeTrigger>"));
    EXPECT_TRUE(
        rejects("<TimeTrigger><Repetition><Interval>PT10M</Interval></Repetition>"
                "<StartBoundary>2026-01-05T08:00:00Z</StartBoundary></TimeTrigger>"));
    EXPECT_TRUE(
        rejects("<CalendarTrigger><StartBoundary>2026-01-05T08:00:00Z</StartBoundary>"
                "<ScheduleByMonthDayOfWeek><Weeks><Week>5</Week></Weeks><DaysOfWeek>"
                "<Monday/></DaysOfWeek><Months><May/></Months>"
                "</ScheduleByMonthDayOfWeek></CalendarTrigger>"));
}

// If the comparison could not fail, it would prove nothing: damage a correct translation and
// watch it fail.
TEST(TaskTriggerEvaluator, DetectsAWrongTranslation) {
    const Schedule s = cron("0 9-17 * * 1-5");
    const Instant from = utc("2026-03-09T00:00:00Z");
    auto translation = translateToTaskScheduler(s, from);
    ASSERT_TRUE(translation);
    ASSERT_TRUE(firesMatch(s, *translation, from, from + 30 * kDays, 20000));

    auto shifted = *translation;
    shifted.triggers[0].startBoundary += minutes{1};
    EXPECT_FALSE(firesMatch(s, shifted, from, from + 30 * kDays, 20000));

    auto shortRepetition = *translation;
    shortRepetition.triggers[0].repetition->duration = hours{7};
    EXPECT_FALSE(firesMatch(s, shortRepetition, from, from + 30 * kDays, 20000));

    auto weekend = *translation;
    weekend.triggers[0].daysOfWeek |= 1;
    EXPECT_FALSE(firesMatch(s, weekend, from, from + 30 * kDays, 20000));

    // A translation that ends too late is caught by the after-validUntil check.
    auto late = *translation;
    late.validUntil = from + 10 * kDays;
    EXPECT_FALSE(firesMatch(s, late, from, *late.validUntil, 20000));
}

// ---------------------------------------------------------------------------------------------
// Cron in UTC: the hand table

struct HandCase {
    const char* cron;
    const char* shape;
};

TEST(TaskTriggers, HandTableMatchesTheEngineAndReadsNaturally) {
    // 2026-03-09 is a Monday.
    const Instant from = utc("2026-03-09T00:00:00Z");
    const HandCase cases[] = {
        {"@daily", "Daily/1 2026-03-09T00:00:00Z"},
        {"@hourly", "Daily/1 2026-03-09T00:00:00Z every 3600s for 82800s"},
        {"*/15 * * * *", "Daily/1 2026-03-09T00:00:00Z every 900s for 85500s"},
        {"0 9-17 * * 1-5",
         "Weekly Mon Tue Wed Thu Fri 2026-03-09T09:00:00Z every 3600s for 28800s"},
        {"30 2 1,15 * *", "Monthly 1 15 2026-03-15T02:30:00Z"},
        {"0 0 L * *", "Monthly Last 2026-03-31T00:00:00Z"},
        {"0 3 * * 5L", "MonthlyDOW Last Fri 2026-03-27T03:00:00Z"},
        {"0 3 * * 1#2", "MonthlyDOW 2 Mon 2026-03-09T03:00:00Z"},
        {"0 0 1,15 * 5", "Weekly Fri 2026-03-13T00:00:00Z + Monthly 1 15 2026-03-15T00:00:00Z"},
        {"0 0 31 * *", "Monthly 31 2026-03-31T00:00:00Z"},
        {"0 12 * 6-8 1-5",
         "MonthlyDOW 1 2 3 4 Last Mon Tue Wed Thu Fri months=6,7,8 2026-06-01T12:00:00Z"},
        {"0 8,20 * * *", "Daily/1 2026-03-09T08:00:00Z every 43200s for 43200s"},
        {"5,10 9-17 * * *",
         "Daily/1 2026-03-09T09:05:00Z every 3600s for 28800s + Daily/1 2026-03-09T09:10:00Z "
         "every 3600s for 28800s"},
        {"30 0 9 * * *", "Daily/1 2026-03-09T09:00:30Z"},
    };
    for (const HandCase& c : cases) {
        SCOPED_TRACE(c.cron);
        const Schedule s = cron(c.cron);
        const Checked checked = checkChain(s, from, 400 * kDays);
        EXPECT_TRUE(checked.result);
        EXPECT_EQ(shape(checked.translation), c.shape);
        EXPECT_FALSE(checked.translation.validUntil);
    }
}

TEST(TaskTriggers, XmlIsTheTriggersElementOfATaskDefinition) {
    const auto translation =
        translateToTaskScheduler(cron("0 9-17 * * 1-5"), utc("2026-03-09T00:00:00Z"));
    ASSERT_TRUE(translation);
    EXPECT_EQ(toTriggersXml(*translation),
              "<Triggers xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
              "  <CalendarTrigger>\n"
              "    <StartBoundary>2026-03-09T09:00:00Z</StartBoundary>\n"
              "    <Repetition>\n"
              "      <Interval>PT1H</Interval>\n"
              "      <Duration>PT8H</Duration>\n"
              "      <StopAtDurationEnd>false</StopAtDurationEnd>\n"
              "    </Repetition>\n"
              "    <ScheduleByWeek>\n"
              "      <WeeksInterval>1</WeeksInterval>\n"
              "      <DaysOfWeek>\n"
              "        <Monday />\n"
              "        <Tuesday />\n"
              "        <Wednesday />\n"
              "        <Thursday />\n"
              "        <Friday />\n"
              "      </DaysOfWeek>\n"
              "    </ScheduleByWeek>\n"
              "  </CalendarTrigger>\n"
              "</Triggers>\n");
}

TEST(TaskTriggers, StartBoundaryIsTheFirstFireAtOrAfterFrom) {
    // Mid-run: the rest of today's run is a TimeTrigger with the same repetition.
    const Instant from = utc("2026-03-11T12:34:56Z");
    Checked checked = checkChain(cron("0 9-17 * * 1-5"), from, 60 * kDays);
    EXPECT_TRUE(checked.result);
    EXPECT_EQ(shape(checked.translation),
              "Time 2026-03-11T13:00:00Z every 3600s for 14400s + Weekly Mon Tue Wed Thu Fri "
              "2026-03-12T09:00:00Z every 3600s for 28800s");
    // A run that fills the day just starts at the first fire.
    checked = checkChain(cron("*/15 * * * *"), from, 60 * kDays);
    EXPECT_TRUE(checked.result);
    EXPECT_EQ(shape(checked.translation), "Daily/1 2026-03-11T12:45:00Z every 900s for 85500s");
    // `from` on a fire: that fire is the StartBoundary.
    checked = checkChain(cron("*/15 * * * *"), utc("2026-03-11T12:45:00Z"), 10 * kDays);
    EXPECT_EQ(checked.translation.triggers.at(0).startBoundary, utc("2026-03-11T12:45:00Z"));
}

TEST(TaskTriggers, VixieOrRuleBecomesSeparateTriggers) {
    const Checked checked =
        checkChain(cron("0 0 1,15 * 5"), utc("2026-03-09T00:00:00Z"), 400 * kDays);
    EXPECT_TRUE(checked.result);
    ASSERT_EQ(checked.translation.triggers.size(), 2u);
    EXPECT_EQ(checked.translation.triggers[0].kind, Kind::Weekly);
    EXPECT_EQ(checked.translation.triggers[0].daysOfWeek, 1u << 5);
    EXPECT_EQ(checked.translation.triggers[1].kind, Kind::Monthly);
    EXPECT_EQ(checked.translation.triggers[1].daysOfMonth, (1u << 1) | (1u << 15));
    EXPECT_EQ(checked.translation.triggers[1].months, 0x1FFE);
}

TEST(TaskTriggers, PatternsNoFixedTriggerSaysAreSpelledOutUntilNewYear) {
    // Odd-numbered Mondays (an AND of the two day fields), L-2, the fifth Monday.
    for (const char* expression : {"0 0 */2 * 1", "0 6 L-2 * *", "0 3 * * 1#5"}) {
        SCOPED_TRACE(expression);
        const Schedule s = cron(expression);
        const Checked checked = checkChain(s, utc("2026-03-09T00:00:00Z"), 800 * kDays);
        EXPECT_TRUE(checked.result);
        EXPECT_EQ(checked.windows, 3);  // 2026, 2027 and 2028
        ASSERT_TRUE(checked.translation.validUntil);
        EXPECT_EQ(*checked.translation.validUntil, utc("2027-01-01T00:00:00Z"));
        // Spelled out: each month's days by date (Monthly) or by week (MonthlyDOW).
        for (const TaskTrigger& t : checked.translation.triggers) {
            EXPECT_TRUE(t.kind == Kind::Monthly || t.kind == Kind::MonthlyDayOfWeek);
        }
        EXPECT_FALSE(checked.translation.notes.empty());
    }
}

TEST(TaskTriggers, SecondsFieldWithSeveralValuesNeedsATriggerPerValue) {
    Checked checked = checkChain(cron("*/10 * * * * *"), utc("2026-03-09T00:00:00Z"), 3 * kDays);
    EXPECT_TRUE(checked.result);
    EXPECT_EQ(checked.translation.triggers.size(), 6u);
    checked = checkChain(cron("0,30 15 9-17 * * 1-5"), utc("2026-03-09T10:00:00Z"), 30 * kDays);
    EXPECT_TRUE(checked.result);
}

TEST(TaskTriggers, RefusesMoreTriggersThanATaskHolds) {
    std::string error;
    EXPECT_FALSE(
        translateToTaskScheduler(cron("* * * * * *"), utc("2026-03-09T00:00:00Z"), &error));
    EXPECT_NE(error.find("cron '* * * * * *'"), std::string::npos) << error;
    EXPECT_NE(error.find("48"), std::string::npos) << error;
    EXPECT_NE(error.find("once a minute"), std::string::npos) << error;
}

TEST(TaskTriggers, RefusesNowWhatTheNextYearsTranslationsCannotHold) {
    // Sixteen runs (two second values x eight hours) on Fridays and on the third-last day: the
    // ten days left of 2027 fit in 48 triggers, all of 2028 does not.
    const Schedule s = cron("*/30 * 2-23/3 L-3 * 5");
    std::string error;
    EXPECT_FALSE(translateToTaskScheduler(s, utc("2027-12-21T00:00:00Z"), &error));
    EXPECT_NE(error.find("from 2028-01-01T00:00:00Z"), std::string::npos) << error;
}

// ---------------------------------------------------------------------------------------------
// every, at, none

TEST(TaskTriggers, EveryIsEpochAligned) {
    const Instant from = utc("2026-03-09T10:07:00Z");
    struct Case {
        const char* period;
        const char* shape;
    };
    const Case cases[] = {
        {"15m", "Daily/1 2026-03-09T10:15:00Z every 900s for 85500s"},
        {"2h", "Daily/1 2026-03-09T12:00:00Z every 7200s for 79200s"},
        {"1d", "Daily/1 2026-03-10T00:00:00Z"},
        {"2d", "Daily/2 2026-03-10T00:00:00Z"},
        {"45d", "Daily/45 2026-04-22T00:00:00Z"},
        {"7h", "Time 2026-03-09T16:00:00Z every 25200s"},
        {"90s", "Daily/1 2026-03-09T10:07:30Z every 90s for 86310s"},
        {"36h", "Time 2026-03-09T12:00:00Z every 129600s"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.period);
        const Checked checked = checkChain(every(c.period), from, 200 * kDays);
        EXPECT_TRUE(checked.result);
        EXPECT_EQ(shape(checked.translation), c.shape);
        EXPECT_FALSE(checked.translation.validUntil);
    }
    std::string error;
    EXPECT_FALSE(translateToTaskScheduler(every("30s"), from, &error));
    EXPECT_EQ(error,
              "every 30s: Task Scheduler cannot repeat a task more often than once a minute");
    EXPECT_FALSE(translateToTaskScheduler(every("400d"), from, &error));
    EXPECT_NE(error.find("every 400d"), std::string::npos) << error;
    EXPECT_FALSE(translateToTaskScheduler(every("32d1h"), from, &error));
}

TEST(TaskTriggers, AtIsOneTimeTriggerAndAPastInstantNone) {
    ScheduleFields fields;
    fields.at = "2026-12-01T03:00:00Z";
    const Schedule at = schedule(fields);
    const Checked checked = checkChain(at, utc("2026-03-09T00:00:00Z"), 400 * kDays);
    EXPECT_TRUE(checked.result);
    EXPECT_EQ(shape(checked.translation), "Time 2026-12-01T03:00:00Z");

    const auto past = translateToTaskScheduler(at, utc("2027-01-01T00:00:00Z"));
    ASSERT_TRUE(past);
    EXPECT_TRUE(past->triggers.empty());
    EXPECT_FALSE(past->notes.empty());

    const auto none = translateToTaskScheduler(Schedule(), utc("2027-01-01T00:00:00Z"));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->triggers.empty());
    EXPECT_NE(toTriggersXml(*none).find("<Triggers"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Time zones

struct Transition {
    const char* zone;
    const char* at;  // the instant the offset changes (2026)
};

// 2026 transitions, as in cron_timezone_test.cpp.
const Transition kTransitions[] = {
    {"Europe/Berlin", "2026-03-29T01:00:00Z"},
    {"Europe/Berlin", "2026-10-25T01:00:00Z"},
    {"America/New_York", "2026-03-08T07:00:00Z"},
    {"America/New_York", "2026-11-01T06:00:00Z"},
    {"Australia/Lord_Howe", "2026-04-04T15:00:00Z"},
    {"Australia/Lord_Howe", "2026-10-03T15:30:00Z"},
};

// Local times in and around the gaps and repeated hours of those zones, interval-based and
// not, and day patterns whose UTC days shift.
const char* const kZonedCrons[] = {
    "30 2 * * *", "0 2 * * *",      "30 1 * * *",   "0,30 2 * * *",   "*/15 * * * *",
    "0 * * * *",  "15 2,3 * * *",   "0 1-3 * * *",  "0 9-17 * * 1-5", "0 0 L * *",
    "0 0 1 * *",  "0 23 * * 0",     "0 3 * * 5L",   "0 0 * * 1#1",    "45 1 * * *",
    "0 22 L * *", "*/20 1-2 * * *", "0 0 1,15 * 5",
};

TEST(TaskTriggers, NamedZonesAreExactUpToTheirNextOffsetChange) {
    for (const Transition& transition : kTransitions) {
        const Instant at = utc(transition.at);
        for (const char* expression : kZonedCrons) {
            SCOPED_TRACE(std::string(expression) + " in " + transition.zone + " around " +
                         transition.at);
            const Schedule s = cron(expression, transition.zone);
            // The window that ends at the transition...
            const auto before = translateToTaskScheduler(s, at - 3 * kDays);
            ASSERT_TRUE(before);
            ASSERT_TRUE(before->validUntil);
            EXPECT_EQ(*before->validUntil, at);
            EXPECT_TRUE(wellFormed(s, *before, at - 3 * kDays));
            EXPECT_TRUE(firesMatch(s, *before, at - 3 * kDays, at, 20000));
            // ...and the one that starts there, with the gap fire or the repeated hour.
            const Checked after = checkChain(s, at, 5 * kDays);
            EXPECT_TRUE(after.result);
            ASSERT_TRUE(after.translation.validUntil);
            EXPECT_GT(*after.translation.validUntil, at + 100 * kDays);
            // A start inside the repeated hour or right after the transition.
            EXPECT_TRUE(checkChain(s, at + minutes{20}, 3 * kDays).result);
            EXPECT_TRUE(checkChain(s, at - minutes{40}, 3 * kDays).result);
        }
    }
}

TEST(TaskTriggers, SpringForwardGapFireIsATimeTriggerInBothWindows) {
    const Schedule s = cron("30 2 * * *", "Europe/Berlin");
    const Instant transition = utc("2026-03-29T01:00:00Z");
    const auto before = translateToTaskScheduler(s, utc("2026-03-20T00:00:00Z"));
    ASSERT_TRUE(before);
    EXPECT_EQ(before->validUntil, transition);
    EXPECT_EQ(before->triggers.back().kind, Kind::Time);
    EXPECT_EQ(before->triggers.back().startBoundary, transition);
    const auto after = translateToTaskScheduler(s, transition);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->triggers.front().kind, Kind::Time);
    EXPECT_EQ(after->triggers.front().startBoundary, transition);
    EXPECT_EQ(after->validUntil, utc("2026-10-25T01:00:00Z"));
    // 02:30 CEST is 00:30Z, up to and including 25 October, when 02:30 comes first in CEST.
    EXPECT_EQ(
        shape(*after),
        "Time 2026-03-29T01:00:00Z + Daily/1 2026-03-30T00:30:00Z until 2026-10-25T00:30:01Z");
}

TEST(TaskTriggers, ZonedSchedulesFollowedForAYearThroughReRegistration) {
    const char* const zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                 "Asia/Kolkata"};
    for (const char* zone : zones) {
        for (const char* expression : {"30 2 * * *", "0 9-17 * * 1-5", "0 0 L * *", "*/30 * * * *",
                                       "30 2 1,15 * *", "0 3 * * 5L"}) {
            SCOPED_TRACE(std::string(expression) + " in " + zone);
            const Checked checked =
                checkChain(cron(expression, zone), utc("2026-01-10T05:00:00Z"), 400 * kDays);
            EXPECT_TRUE(checked.result);
            EXPECT_GE(checked.windows, std::string(zone) == "Asia/Kolkata" ? 1 : 3);
        }
    }
}

TEST(TaskTriggers, FixedOffsetZoneNeedsNoValidUntil) {
    // Kolkata is UTC+05:30: local 02:30 on the 1st and 15th is 21:00Z on the last day of the
    // previous month and on the 14th.
    const Checked checked =
        checkChain(cron("30 2 1,15 * *", "Asia/Kolkata"), utc("2026-03-09T00:00:00Z"), 800 * kDays);
    EXPECT_TRUE(checked.result);
    EXPECT_FALSE(checked.translation.validUntil);
    EXPECT_EQ(shape(checked.translation), "Monthly 14 Last 2026-03-14T21:00:00Z");
}

// ---------------------------------------------------------------------------------------------
// Generated corpus

// A random cron expression from a small grammar covering every construct the parser accepts.
std::string randomCron(std::mt19937& rng) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto between = [&](int lo, int hi) { return lo + pick(hi - lo + 1); };
    auto timeField = [&](int max, const std::vector<int>& steps) -> std::string {
        const int r = pick(100);
        if (r < 35) return std::to_string(between(0, max));
        if (r < 55) {
            std::vector<int> values;
            const int n = between(2, 3);
            for (int i = 0; i < n; ++i) values.push_back(between(0, max));
            std::sort(values.begin(), values.end());
            values.erase(std::unique(values.begin(), values.end()), values.end());
            std::string text;
            for (int v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
            return text;
        }
        if (r < 72) return "*/" + std::to_string(steps[pick(static_cast<int>(steps.size()))]);
        const int a = between(0, max - 1);
        const int b = between(a + 1, max);
        if (r < 85) return std::to_string(a) + "-" + std::to_string(b);
        if (r < 95)
            return std::to_string(a) + "-" + std::to_string(b) + "/" +
                   std::to_string(between(2, 5));
        return "*";
    };
    std::string text;
    if (pick(100) < 15) {
        text += pick(2) ? std::to_string(between(0, 59)) : "*/" + std::to_string(pick(2) ? 20 : 30);
        text += " ";
    }
    text += timeField(59, {5, 10, 15, 20, 30}) + " ";
    text += timeField(23, {2, 3, 4, 6, 8, 12}) + " ";
    const int dom = pick(100);
    if (dom < 45) {
        text += "*";
    } else if (dom < 60) {
        text += std::to_string(between(1, 28));
    } else if (dom < 70) {
        text += std::to_string(between(1, 14)) + "," + std::to_string(between(15, 31));
    } else if (dom < 75) {
        text += std::to_string(between(1, 10)) + "-" + std::to_string(between(11, 31));
    } else if (dom < 80) {
        text += "*/" + std::to_string(between(2, 7));
    } else if (dom < 90) {
        text += "L";
    } else {
        text += "L-" + std::to_string(between(1, 5));
    }
    text += " ";
    const int month = pick(100);
    if (month < 70) {
        text += "*";
    } else if (month < 80) {
        text += std::to_string(between(1, 12));
    } else if (month < 90) {
        text += std::to_string(between(1, 6)) + "," + std::to_string(between(7, 12));
    } else {
        text += std::to_string(between(1, 6)) + "-" + std::to_string(between(7, 12));
    }
    text += " ";
    const int dow = pick(100);
    if (dow < 50) {
        text += "*";
    } else if (dow < 62) {
        text += std::to_string(between(0, 7));
    } else if (dow < 72) {
        text += "1-5";
    } else if (dow < 80) {
        text += std::to_string(between(0, 3)) + "," + std::to_string(between(4, 6));
    } else if (dow < 88) {
        text += std::to_string(between(0, 6)) + "L";
    } else {
        text += std::to_string(between(0, 6)) + "#" + std::to_string(between(1, 5));
    }
    return text;
}

TEST(TaskTriggers, GeneratedCorpusMatchesTheEngineOrIsRefusedWithAMessage) {
    std::mt19937 rng(20260309);
    const char* const zones[] = {
        "", "", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"};
    const Instant base = utc("2026-01-01T00:00:00Z");
    int translated = 0;
    int refused = 0;
    int bounded = 0;
    std::map<std::size_t, int> triggerCounts;
    std::vector<std::string> refusals;
    for (int i = 0; i < 200; ++i) {
        std::string expression;
        std::optional<Schedule> s;
        const std::string zone = zones[rng() % 6];
        while (!s) {
            expression = randomCron(rng);
            ScheduleFields fields;
            fields.cron = expression;
            if (!zone.empty()) fields.timezone = zone;
            s = Schedule::fromFields(fields);
        }
        const Instant from = base + seconds{static_cast<std::int64_t>(rng() % (700 * 86400))};
        SCOPED_TRACE(s->toString() + " from " + formatIso8601Utc(from));
        std::string error;
        const auto translation = translateToTaskScheduler(*s, from, &error);
        if (!translation) {
            ++refused;
            EXPECT_FALSE(error.empty());
            EXPECT_NE(error.find("cron '"), std::string::npos) << error;
            refusals.push_back(s->toString() + ": " + error);
            continue;
        }
        ++translated;
        ++triggerCounts[translation->triggers.size()];
        if (translation->validUntil) ++bounded;
        EXPECT_TRUE(checkChain(*s, from, 60 * kDays, 5000).result);
    }
    std::cout << "[ corpus   ] translated " << translated << ", refused " << refused
              << ", with validUntil " << bounded << "; triggers per task:";
    for (const auto& [count, n] : triggerCounts) std::cout << " " << count << "x" << n;
    std::cout << "\n";
    for (const std::string& r : refusals) std::cout << "[ refused  ] " << r << "\n";
    // Most shapes translate; only trigger-hungry ones are refused.
    EXPECT_LE(refused, 20);
}

}  // namespace
}  // namespace belfry::schedule
