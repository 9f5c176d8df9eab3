// The systemd translator, held against the real thing: every translation here is fed to
// `systemd-analyze calendar` (part of the systemd package, so its absence is a failure, not a
// skip), and the instants systemd would elapse at are compared one by one with the engine's
// nextAfter chain.
//
// Two ways of asking systemd:
//  - per line: one invocation prints each line's own chain of elapses from a base; a timer elapses
//    at the union of its lines' elapses, as far as every chain reaches.
//  - as a timer: PID 1 recomputes every line from the last trigger, so the next elapse is the
//    earliest first elapse of all lines after the previous one, one invocation per elapse. This
//    is the faithful model where a line's answer depends on its base (around DST changes).
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/schedule.h"
#include "belfry/schedule/systemd_calendar.h"

namespace belfry::schedule {
namespace {

using Lines = std::vector<std::string>;
using Chain = std::vector<Instant>;

struct CommandResult {
    int status = -1;  // the exit status, or -1 when the command did not run or was killed
    std::string output;
};

// Runs `command` with /bin/sh and returns its exit status and its standard output.
CommandResult runCommand(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

Instant utc(const std::string& iso) {
    std::string error;
    const auto instant = parseIso8601(iso, nullptr, &error);
    EXPECT_TRUE(instant.has_value()) << error;
    return instant.value_or(Instant{});
}

std::string show(Instant t) {
    return formatIso8601Utc(t);
}

std::string show(const Chain& chain) {
    std::string text;
    for (Instant t : chain) text += "\n  " + show(t);
    return text;
}

std::string show(const Lines& lines) {
    std::string text;
    for (const std::string& line : lines) text += "\n  OnCalendar=" + line;
    return text;
}

// Up to `iterations` elapses of each spec after `base`, as systemd-analyze prints them. The
// output is read in UTC (TZ=UTC makes systemd print UTC only). systemd can fail to compute a
// spec's next elapse (see systemd_calendar.h on gaps that start off the hour); such a spec is
// marked in `failed` when it is given, and is a test failure otherwise.
std::vector<Chain> systemdChains(const Lines& specs, Instant base, int iterations,
                                 std::vector<bool>* failed = nullptr) {
    std::string command = "env TZ=UTC systemd-analyze calendar --base-time=@" +
                          std::to_string(base.time_since_epoch().count()) +
                          " --iterations=" + std::to_string(iterations);
    for (const std::string& spec : specs) {
        EXPECT_EQ(spec.find('\''), std::string::npos) << spec;
        command += " '" + spec + "'";
    }
    const CommandResult result = runCommand(command + " 2>&1");
    std::vector<bool> failures(specs.size(), false);
    std::vector<Chain> printed;
    std::istringstream lines(result.output);
    std::string line;
    const std::string failure = "Failed to determine next elapse for '";
    while (std::getline(lines, line)) {
        if (line.rfind(failure, 0) == 0) {
            const std::string spec = line.substr(failure.size(), line.find("': ") - failure.size());
            for (std::size_t i = 0; i < specs.size(); ++i) {
                if (specs[i] == spec) failures[i] = true;
            }
            continue;
        }
        line.erase(0, line.find_first_not_of(' '));
        if (line.rfind("Normalized form:", 0) == 0) {
            printed.emplace_back();
            continue;
        }
        if (line.rfind("Next elapse:", 0) != 0 && line.rfind("Iter. #", 0) != 0) continue;
        const std::string value = line.substr(line.find(": ") + 2);
        if (value == "never") continue;
        // "Fri 2027-01-29 00:00:00 UTC"
        EXPECT_TRUE(value.size() == 27 && value.substr(23) == " UTC") << line;
        if (printed.empty() || value.size() != 27) continue;
        printed.back().push_back(utc(value.substr(4, 19) + "Z"));
    }
    const bool anyFailed = std::find(failures.begin(), failures.end(), true) != failures.end();
    EXPECT_EQ(result.status, anyFailed ? 1 : 0) << command << "\n" << result.output;
    if (failed) {
        *failed = failures;
    } else {
        EXPECT_FALSE(anyFailed) << command << "\n" << result.output;
    }
    // The specs that did not fail print their tables in order.
    std::vector<Chain> chains(specs.size());
    std::size_t next = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (!failures[i] && next < printed.size()) chains[i] = printed[next++];
    }
    EXPECT_EQ(next, printed.size()) << command << "\n" << result.output;
    EXPECT_EQ(printed.size() + std::count(failures.begin(), failures.end(), true), specs.size())
        << command << "\n"
        << result.output;
    return chains;
}

// The engine's fires after `base` up to and including `until`, at most `limit`.
Chain engineFires(const Schedule& schedule, Instant base, std::optional<Instant> until,
                  std::size_t limit) {
    Chain fires;
    Instant t = base;
    while (fires.size() < limit) {
        const auto next = schedule.nextAfter(t);
        if (!next || (until && *next > *until)) break;
        fires.push_back(*next);
        t = *next;
    }
    return fires;
}

// The union of the per-line chains, cut where the first chain that is not complete ends.
Chain mergeChains(const std::vector<Chain>& chains, int iterations,
                  std::optional<Instant>* cutoff) {
    cutoff->reset();
    std::set<Instant> all;
    for (const Chain& chain : chains) {
        all.insert(chain.begin(), chain.end());
        if (static_cast<int>(chain.size()) == iterations && (!*cutoff || chain.back() < **cutoff)) {
            *cutoff = chain.back();
        }
    }
    Chain merged;
    for (Instant t : all) {
        if (!*cutoff || t <= **cutoff) merged.push_back(t);
    }
    return merged;
}

SystemdCalendar translate(const Schedule& schedule, Instant from) {
    std::string error;
    const auto calendar = translateToSystemd(schedule, from, &error);
    EXPECT_TRUE(calendar.has_value()) << schedule.toString() << ": " << error;
    return calendar.value_or(SystemdCalendar{});
}

Schedule cron(const std::string& expression, const std::string& zone = "") {
    ScheduleFields fields;
    fields.cron = expression;
    if (!zone.empty()) fields.timezone = zone;
    std::string error;
    const auto schedule = Schedule::fromFields(fields, &error);
    EXPECT_TRUE(schedule.has_value()) << expression << ": " << error;
    return schedule.value_or(Schedule());
}

Schedule every(const std::string& period) {
    ScheduleFields fields;
    fields.every = period;
    std::string error;
    const auto schedule = Schedule::fromFields(fields, &error);
    EXPECT_TRUE(schedule.has_value()) << period << ": " << error;
    return schedule.value_or(Schedule());
}

Schedule at(const std::string& iso) {
    return Schedule::once(utc(iso));
}

struct Case {
    Schedule schedule;
    Lines lines;
    Instant base;
    std::optional<Instant> until;  // compare only instants before this (validUntil)
};

// Zones whose gaps start off the hour: there systemd's answer for a line depends on its base (it
// may fail in the gap, or step over the first times after it; see systemd_calendar.h), so only
// the timer model is faithful.
bool linesDependOnTheirBase(const Schedule& schedule) {
    return schedule.timeZone().name() == "Pacific/Chatham";
}

Chain before(Chain chain, std::optional<Instant> until) {
    if (until) chain.erase(std::lower_bound(chain.begin(), chain.end(), *until), chain.end());
    return chain;
}

// As a timer: the next elapse is the earliest first elapse of all lines after the previous one.
Chain timerElapses(const Lines& lines, Instant base, int count) {
    Chain elapses;
    for (int i = 0; i < count; ++i) {
        std::optional<Instant> next;
        std::vector<bool> failed;  // PID 1 skips a line whose next elapse it cannot compute
        for (const Chain& chain : systemdChains(lines, base, 1, &failed)) {
            if (!chain.empty() && (!next || chain.front() < *next)) next = chain.front();
        }
        if (!next) break;
        elapses.push_back(*next);
        base = *next;
    }
    return elapses;
}

// Returns the number of instants compared.
std::size_t expectTimerAgreement(const Schedule& schedule, const Lines& lines, Instant base,
                                 int count, std::optional<Instant> until = std::nullopt) {
    const Chain systemd = before(timerElapses(lines, base, count), until);
    const Chain engine = before(engineFires(schedule, base, std::nullopt, count), until);
    EXPECT_EQ(systemd, engine) << schedule.toString() << " from " << show(base) << show(lines)
                               << "\nsystemd:" << show(systemd) << "\nengine:" << show(engine);
    return systemd.size();
}

// Per line: systemd's merged elapses equal the engine's fires over the stretch all chains cover.
// One systemd-analyze run for all cases. Returns the number of instants compared.
std::size_t expectPerLineAgreement(const std::vector<Case>& cases, int iterations) {
    std::size_t compared = 0;
    // One invocation per distinct base, all lines of all cases with that base at once.
    std::map<Instant, std::vector<std::size_t>> byBase;
    for (std::size_t i = 0; i < cases.size(); ++i) byBase[cases[i].base].push_back(i);
    for (const auto& [base, indexes] : byBase) {
        Lines specs;
        for (std::size_t i : indexes)
            specs.insert(specs.end(), cases[i].lines.begin(), cases[i].lines.end());
        std::vector<bool> failed;
        const std::vector<Chain> chains = systemdChains(specs, base, iterations, &failed);
        std::size_t next = 0;
        for (std::size_t i : indexes) {
            const Case& c = cases[i];
            const std::vector<Chain> own(chains.begin() + next,
                                         chains.begin() + next + c.lines.size());
            const bool anyFailed =
                std::find(failed.begin() + next, failed.begin() + next + c.lines.size(), true) !=
                failed.begin() + next + c.lines.size();
            next += c.lines.size();
            std::optional<Instant> cutoff;
            const Chain systemd = before(mergeChains(own, iterations, &cutoff), c.until);
            const Chain engine = before(
                engineFires(c.schedule, base, cutoff, cutoff ? SIZE_MAX : systemd.size() + 1),
                c.until);
            if (linesDependOnTheirBase(c.schedule) && (anyFailed || systemd != engine)) {
                // PID 1 recomputes every line from the last elapse of any line, and ignores a
                // line that fails until then: the timer model decides, over as many elapses.
                const int count = static_cast<int>(std::clamp<std::size_t>(engine.size(), 12, 40));
                compared += expectTimerAgreement(c.schedule, c.lines, base, count, c.until);
                continue;
            }
            EXPECT_FALSE(anyFailed) << c.schedule.toString() << show(c.lines);
            EXPECT_EQ(systemd, engine)
                << c.schedule.toString() << " from " << show(base) << show(c.lines)
                << "\nsystemd:" << show(systemd) << "\nengine:" << show(engine);
            EXPECT_FALSE(systemd.empty()) << c.schedule.toString();
            compared += systemd.size();
        }
    }
    return compared;
}

// ---------------------------------------------------------------------------------------------

TEST(SystemdCalendar, SystemdAnalyzeIsThere) {
    const CommandResult result = runCommand("systemd-analyze --version 2>&1");
    ASSERT_EQ(result.status, 0) << "systemd-analyze is part of the systemd package and must be "
                                   "installed for these tests: "
                                << result.output;
}

TEST(SystemdCalendar, WritesCronFieldsInCalendarSyntax) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    auto lines = [&](const std::string& expression) {
        return translate(cron(expression), from).onCalendar;
    };
    EXPECT_EQ(lines("*/15 * * * *"), (Lines{"*-*-* *:00/15:00 UTC"}));
    EXPECT_EQ(lines("0 9-17 * * 1-5"), (Lines{"Mon..Fri *-*-* 09..17:00:00 UTC"}));
    EXPECT_EQ(lines("0 0 * * sat,sun"), (Lines{"Sat,Sun *-*-* 00:00:00 UTC"}));
    EXPECT_EQ(lines("*/20 30 9 * * *"), (Lines{"*-*-* 09:30:00/20 UTC"}));
    EXPECT_EQ(lines("0 0 1 jan,jul *"), (Lines{"*-01,07-01 00:00:00 UTC"}));
    EXPECT_EQ(lines("@daily"), (Lines{"*-*-* 00:00:00 UTC"}));
    EXPECT_EQ(lines("@hourly"), (Lines{"*-*-* *:00:00 UTC"}));
    EXPECT_EQ(lines("5,10,40-43 */6 * * *"), (Lines{"*-*-* 00/6:05,10,40..43:00 UTC"}));
}

TEST(SystemdCalendar, CronDomDowUsesVixieOrRuleAsSeparateLines) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    EXPECT_EQ(translate(cron("0 0 1,15 * 5"), from).onCalendar,
              (Lines{"*-*-01,15 00:00:00 UTC", "Fri *-*-* 00:00:00 UTC"}));
    // A star-led day field ANDs: odd days that are Mondays.
    EXPECT_EQ(translate(cron("0 0 */2 * 1"), from).onCalendar,
              (Lines{"Mon *-*-01/2 00:00:00 UTC"}));
}

TEST(SystemdCalendar, LastDaysAndNthWeekdaysUseTildeAndWeekRanges) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    auto lines = [&](const std::string& expression) {
        return translate(cron(expression), from).onCalendar;
    };
    EXPECT_EQ(lines("0 12 L * *"), (Lines{"*-*~01 12:00:00 UTC"}));
    EXPECT_EQ(lines("0 12 L-2 2 *"), (Lines{"*-02~03 12:00:00 UTC"}));
    EXPECT_EQ(lines("0 9 * * 5L"), (Lines{"Fri *-*~01..07 09:00:00 UTC"}));
    EXPECT_EQ(lines("0 9 * * 1#2"), (Lines{"Mon *-*-08..14 09:00:00 UTC"}));
    EXPECT_EQ(lines("0 9 * * 1#1,3#1,5#5"),
              (Lines{"Mon,Wed *-*-01..07 09:00:00 UTC", "Fri *-*-29..31 09:00:00 UTC"}));
    EXPECT_EQ(lines("0 0 L,15 * 1#2"),
              (Lines{"*-*-15 00:00:00 UTC", "*-*~01 00:00:00 UTC", "Mon *-*-08..14 00:00:00 UTC"}));
}

TEST(SystemdCalendar, DaysBeyondTildeAreWrittenPerMonthLength) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    const SystemdCalendar calendar = translate(cron("0 0 L-28 * *"), from);
    EXPECT_EQ(calendar.onCalendar, (Lines{"*-01,03,05,07,08,10,12-03 00:00:00 UTC",
                                          "1972..2096/4,2104..2196/4-02-01 00:00:00 UTC",
                                          "*-04,06,09,11-02 00:00:00 UTC"}));
    EXPECT_FALSE(calendar.notes.empty());
}

TEST(SystemdCalendar, EveryWritesEpochMultiplesInUtc) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    auto lines = [&](const std::string& period) {
        return translate(every(period), from).onCalendar;
    };
    EXPECT_EQ(lines("15m"), (Lines{"*-*-* *:00/15:00 UTC"}));
    EXPECT_EQ(lines("2h"), (Lines{"*-*-* 00/2:00:00 UTC"}));
    EXPECT_EQ(lines("1d"), (Lines{"*-*-* 00:00:00 UTC"}));
    EXPECT_EQ(lines("7d"), (Lines{"Thu *-*-* 00:00:00 UTC"}));
    EXPECT_EQ(lines("1s"), (Lines{"*-*-* *:*:* UTC"}));
    EXPECT_EQ(lines("90s"), (Lines{"*-*-* *:00/3:00 UTC", "*-*-* *:01/3:30 UTC"}));
    EXPECT_EQ(lines("90m"), (Lines{"*-*-* 00/3:00:00 UTC", "*-*-* 01/3:30:00 UTC"}));
}

TEST(SystemdCalendar, RefusesWhatSystemdCannotSay) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    std::string error;
    EXPECT_FALSE(translateToSystemd(every("7m"), from, &error));
    EXPECT_EQ(error,
              "every 7m cannot be expressed as systemd calendar events: systemd repeats within a "
              "day, so the period must divide 24h (or be 7d); use a cron schedule or such a "
              "period");
    EXPECT_FALSE(translateToSystemd(every("2d"), from, &error));
    EXPECT_NE(error.find("every 2d"), std::string::npos);
    EXPECT_FALSE(translateToSystemd(at("2300-01-01T00:00:00Z"), from, &error));
    EXPECT_EQ(error, "at 2300-01-01T00:00:00Z is outside systemd's calendar (years 1970-2199)");
    EXPECT_FALSE(translateToSystemd(Schedule(), from, &error));
    EXPECT_NE(error.find("none"), std::string::npos);
    // Names that systemd could take for the machine's own zone abbreviation.
    EXPECT_FALSE(translateToSystemd(cron("0 3 * * *", "CET"), from, &error));
    EXPECT_NE(error.find("'CET'"), std::string::npos) << error;
    EXPECT_NE(error.find("Area/Location"), std::string::npos) << error;
}

TEST(SystemdCalendar, UtcZonesAreWrittenAsUtc) {
    const Instant from = utc("2026-06-01T00:00:00Z");
    EXPECT_EQ(translate(cron("0 3 * * *", "Etc/UTC"), from).onCalendar,
              (Lines{"*-*-* 03:00:00 UTC"}));
    EXPECT_EQ(translate(cron("0 3 * * *", "Europe/Paris"), from).onCalendar,
              (Lines{"*-*-* 03:00:00 Europe/Paris"}));
}

TEST(SystemdCalendar, AtIsOneDatedUtcLine) {
    const SystemdCalendar calendar =
        translate(at("2026-12-01T03:04:05Z"), utc("2026-06-01T00:00:00Z"));
    EXPECT_EQ(calendar.onCalendar, (Lines{"2026-12-01 03:04:05 UTC"}));
    EXPECT_FALSE(calendar.validUntil);
}

// The hand-picked table, compared with systemd instant by instant.
TEST(SystemdCalendar, HandPickedTableMatchesSystemd) {
    const Instant from = utc("2026-11-25T10:17:23Z");
    const std::vector<Schedule> schedules = {
        cron("0 0 1,15 * 5"),
        cron("0 0 L * *"),
        cron("30 6 L-2 * *"),
        cron("0 9 * * 5L"),
        cron("0 9 * * 1#2"),
        cron("0 0 L,15 * 1#2"),
        cron("*/20 30 9 * * *"),
        cron("0 9-17 * * 1-5"),
        cron("*/7 * * * *"),
        cron("0 0 * JAN,JUL MON"),
        cron("@daily"),
        cron("@hourly"),
        cron("@weekly"),
        cron("@monthly"),
        cron("@yearly"),
        cron("0 0 */2 * 1"),
        cron("0 0 L-28 * *"),
        cron("0 0 */2 * 5L"),
        cron("0 12 29 2 *"),
        cron("0 0 L-27 2 *"),
        cron("15 10 L * 7L"),
        cron("0 0 1-7 * 1"),
        cron("0 0 29-31 * 1#5"),
        cron("0 0 */3 * 1#5,0L"),
        cron("1-5/2,50 * * * * *"),
        cron("0 0 9 * 2-4/2 3"),
        cron("0 0 * * */3"),
        every("15m"),
        every("2h"),
        every("1d"),
        every("90s"),
        every("7d"),
        every("45m"),
        every("40s"),
        every("1s"),
        at("2027-02-03T04:05:06Z"),
    };
    std::vector<Case> cases;
    for (const Schedule& schedule : schedules) {
        cases.push_back({schedule, translate(schedule, from).onCalendar, from, std::nullopt});
    }
    EXPECT_GT(expectPerLineAgreement(cases, 30), 500u);
}

TEST(SystemdCalendar, EveryPeriodThatDividesADayMatchesSystemd) {
    const Instant from = utc("2026-11-25T10:17:23Z");
    std::vector<Case> cases;
    int refused = 0;
    for (int period = 1; period <= 86400; ++period) {
        if (86400 % period != 0) continue;
        const Schedule schedule = every(std::to_string(period) + "s");
        const auto calendar = translateToSystemd(schedule, from);
        if (!calendar) {
            ++refused;
            continue;
        }
        cases.push_back({schedule, calendar->onCalendar, from, std::nullopt});
    }
    EXPECT_LT(refused, 20);
    expectPerLineAgreement(cases, 20);
}

// Random expressions from a small grammar, in UTC.
class CronGenerator {
  public:
    explicit CronGenerator(unsigned seed) : random_(seed) {}

    std::string expression() {
        std::string text;
        if (chance(25)) text += field(0, 59, "") + " ";
        text += field(0, 59, "") + " " + field(0, 23, "") + " " + dayOfMonth() + " " +
                field(1, 12, "month") + " " + dayOfWeek();
        return text;
    }

  private:
    int uniform(int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(random_);
    }
    bool chance(int percent) { return uniform(1, 100) <= percent; }

    std::string value(int v, const std::string& names) {
        static const char* const kMonths[] = {"",    "JAN", "feb", "Mar", "APR", "may", "JUN",
                                              "jul", "AUG", "sep", "OCT", "nov", "DEC"};
        if (names == "month" && chance(30)) return kMonths[v];
        return std::to_string(v);
    }

    std::string element(int low, int high, const std::string& names) {
        const int a = uniform(low, high);
        const int b = uniform(a, high);
        switch (uniform(0, 5)) {
            case 0:
                return "*/" + std::to_string(uniform(2, std::max(2, (high - low) / 2)));
            case 1:
            case 2:
                return value(a, names);
            case 3:
                return value(a, names) + "-" + value(b, names);
            case 4:
                return value(a, names) + "-" + value(b, names) + "/" +
                       std::to_string(uniform(1, 5));
            default:
                return value(a, names) + "/" + std::to_string(uniform(2, 9));
        }
    }

    std::string field(int low, int high, const std::string& names) {
        if (chance(30)) return "*";
        std::string text = element(low, high, names);
        for (int n = uniform(0, 2); n > 0; --n) text += "," + element(low, high, names);
        return text;
    }

    std::string dayOfMonth() {
        if (chance(45)) return chance(80) ? "*" : "*/" + std::to_string(uniform(2, 10));
        std::string text;
        for (int n = uniform(1, 3); n > 0; --n) {
            if (!text.empty()) text += ",";
            const int kind = uniform(0, 9);
            if (kind == 0) {
                text += "L";
            } else if (kind == 1) {
                text += "L-" + std::to_string(uniform(1, 30));
            } else {
                text += element(1, 31, "");
            }
        }
        return text;
    }

    std::string dayOfWeek() {
        static const char* const kDays[] = {"SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"};
        if (chance(50)) return chance(85) ? "*" : "*/" + std::to_string(uniform(2, 3));
        std::string text;
        for (int n = uniform(1, 2); n > 0; --n) {
            if (!text.empty()) text += ",";
            const int kind = uniform(0, 9);
            const int day = uniform(0, 7);
            if (kind == 0) {
                text += std::to_string(day) + "L";
            } else if (kind == 1) {
                text += std::to_string(day) + "#" + std::to_string(uniform(1, 5));
            } else if (kind == 2) {
                text += kDays[day % 7];
            } else {
                text += element(0, 7, "");
            }
        }
        return text;
    }

    std::mt19937 random_;
};

TEST(SystemdCalendar, RandomCronCorpusMatchesSystemdInUtc) {
    CronGenerator generator(20261125);
    std::mt19937 bases(7);
    const Instant first = utc("2026-01-01T00:00:00Z");
    std::vector<Case> cases;
    while (cases.size() < 150) {
        const std::string text = generator.expression();
        auto expression = CronExpression::parse(text);
        if (!expression) continue;  // e.g. a day that never comes
        const Schedule schedule = Schedule::fromCron(*expression);
        // Bases on a few whole-day offsets, so several expressions share one invocation.
        const Instant base = first + std::chrono::hours(24 * (bases() % 5) * 365);
        std::string error;
        const auto calendar = translateToSystemd(schedule, base, &error);
        ASSERT_TRUE(calendar) << text << ": " << error;
        cases.push_back({schedule, calendar->onCalendar, base, std::nullopt});
    }
    EXPECT_GT(expectPerLineAgreement(cases, 30), 2000u);
}

// ---------------------------------------------------------------------------------------------
// DST. 2027 transitions used here (as the engine reads the tz database):
//   Europe/Berlin        03-28 01:00Z 02:00 -> 03:00      10-31 01:00Z 03:00 -> 02:00
//   Europe/Dublin        03-28 01:00Z 01:00 -> 02:00      10-31 01:00Z 02:00 -> 01:00
//   America/New_York     03-14 07:00Z 02:00 -> 03:00      11-07 06:00Z 02:00 -> 01:00
//   America/Havana       03-14 05:00Z 00:00 -> 01:00      11-07 05:00Z 01:00 -> 00:00
//   America/Santiago     09-05 04:00Z 00:00 -> 01:00      04-04 03:00Z 00:00 -> 23:00 (the 3rd)
//   Australia/Lord_Howe  10-02 15:30Z 02:00 -> 02:30      04-03 15:00Z 02:00 -> 01:30
//   Pacific/Chatham      09-25 14:00Z 02:45 -> 03:45      04-03 14:00Z 03:45 -> 02:45

// What systemd 252 itself does at a change, which the translator compensates: a time in the gap
// is skipped, a repeated time fires once (even for an hourly timer), usually in the first pass.
TEST(SystemdCalendar, SystemdItselfSkipsGapTimesAndResolvesRepeatedTimesOnce) {
    const std::vector<Chain> chains =
        systemdChains({"*-*-* 02:30:00 Europe/Berlin", "*-*-* *:00:00 Europe/Berlin"},
                      utc("2027-03-27T12:00:00Z"), 2);
    EXPECT_EQ(chains[0], (Chain{utc("2027-03-29T00:30:00Z"), utc("2027-03-30T00:30:00Z")}));
    const std::vector<Chain> fallBack =
        systemdChains({"*-*-* 02:30:00 Europe/Berlin", "*-*-* *:00:00 Europe/Berlin"},
                      utc("2027-10-30T23:10:00Z"), 3);
    EXPECT_EQ(fallBack[0], (Chain{utc("2027-10-31T00:30:00Z"), utc("2027-11-01T01:30:00Z"),
                                  utc("2027-11-02T01:30:00Z")}));
    // 02:00 CEST, then 03:00 CET: 02:00 CET (01:00Z) never comes.
    EXPECT_EQ(fallBack[1], (Chain{utc("2027-10-31T00:00:00Z"), utc("2027-10-31T02:00:00Z"),
                                  utc("2027-10-31T03:00:00Z")}));
    // With days counted from the end, a repeated time can land in the second pass (02:59 CET),
    // which is why such days are carried by dated lines.
    const std::vector<Chain> tilde =
        systemdChains({"*-*~01 02:08,59:00 Europe/Berlin", "*-*-31 02:08,59:00 Europe/Berlin"},
                      utc("2027-10-30T23:00:00Z"), 2);
    EXPECT_EQ(tilde[0], (Chain{utc("2027-10-31T00:08:00Z"), utc("2027-10-31T01:59:00Z")}));
    EXPECT_EQ(tilde[1], (Chain{utc("2027-10-31T00:08:00Z"), utc("2027-10-31T00:59:00Z")}));
    // A gap that starts off the hour: the next elapse cannot be computed at all.
    std::vector<bool> failed;
    systemdChains({"*-*-* 02:50:00 Pacific/Chatham"}, utc("2027-09-25T12:00:00Z"), 1, &failed);
    EXPECT_EQ(failed, std::vector<bool>{true});
}

struct DstCase {
    const char* cron;
    const char* zone;
    const char* from;
    bool dated;  // whether compensation lines are expected
};

// Each case is translated with a ten-day horizon, so its dated lines belong to the change at
// hand, and compared up to its validUntil.
void expectDstAgreement(const std::vector<DstCase>& table, int timerElapsesPerCase) {
    std::vector<Case> cases;
    for (const DstCase& c : table) {
        const Schedule schedule = cron(c.cron, c.zone);
        const Instant from = utc(c.from);
        std::string error;
        const auto calendar =
            translateToSystemd(schedule, from, std::chrono::hours(24 * 10), &error);
        ASSERT_TRUE(calendar) << c.cron << " in " << c.zone << ": " << error;
        const bool hasDated =
            std::any_of(calendar->onCalendar.begin(), calendar->onCalendar.end(),
                        [](const std::string& line) { return line.find(" UTC") != line.npos; });
        EXPECT_EQ(hasDated, c.dated) << c.cron << " in " << c.zone << show(calendar->onCalendar);
        cases.push_back({schedule, calendar->onCalendar, from, calendar->validUntil});
        expectTimerAgreement(schedule, calendar->onCalendar, from, timerElapsesPerCase,
                             calendar->validUntil);
    }
    expectPerLineAgreement(cases, 40);
}

TEST(SystemdCalendar, SpringForwardGapFiresOnceAtTheTransitionLikeTheEngine) {
    expectDstAgreement(
        {
            {"30 2 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", true},
            {"0 * * * *", "Europe/Berlin", "2027-03-27T20:00:00Z", false},
            {"*/15 * * * *", "Europe/Berlin", "2027-03-28T00:10:00Z", false},
            {"15 2,3 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", true},
            {"*/20 * 2 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", true},
            {"0 3 * * *", "Europe/Paris", "2027-03-27T12:00:00Z", false},
            {"30 2 * * *", "America/New_York", "2027-03-13T12:00:00Z", true},
            {"0 2 * * *", "America/New_York", "2027-03-13T12:00:00Z", true},
            {"30 1 * * *", "America/New_York", "2027-03-13T12:00:00Z", false},
            {"0 2 * * *", "Australia/Lord_Howe", "2027-10-02T12:00:00Z", true},
            {"15 2 * * *", "Australia/Lord_Howe", "2027-10-02T12:00:00Z", true},
            {"*/15 * * * *", "Australia/Lord_Howe", "2027-10-02T14:40:00Z", false},
            {"50 2 * * *", "Pacific/Chatham", "2027-09-24T12:00:00Z", true},
            {"*/15 * * * *", "Pacific/Chatham", "2027-09-25T13:10:00Z", true},
            {"0 12 * * *", "Pacific/Chatham", "2027-09-24T12:00:00Z", true},
            {"0 4 * * *", "Pacific/Chatham", "2027-09-24T12:00:00Z", true},
            {"0 0 * * *", "America/Santiago", "2027-09-03T12:00:00Z", true},
            {"0 * * * *", "America/Santiago", "2027-09-05T00:00:00Z", false},
            {"30 1 * * *", "Europe/Dublin", "2027-03-27T12:00:00Z", true},
            {"*/15 * * * *", "Europe/Dublin", "2027-03-28T00:10:00Z", false},
            {"30 0 * * *", "America/Havana", "2027-03-13T12:00:00Z", true},
            {"*/30 * * * *", "America/Havana", "2027-03-14T02:10:00Z", false},
            {"30 2 * * 0", "Europe/Berlin", "2027-03-20T12:00:00Z", true},
            {"30 2 * * 0L", "Europe/Berlin", "2027-03-20T12:00:00Z", true},
            {"0 * L-3 * *", "Europe/Berlin", "2027-03-27T12:00:00Z", false},
        },
        12);
}

TEST(SystemdCalendar, FallBackFiresOnceOrTwiceLikeTheEngine) {
    expectDstAgreement(
        {
            {"30 2 * * *", "Europe/Berlin", "2027-10-29T12:00:00Z", true},
            {"0,30 2 * * *", "Europe/Berlin", "2027-10-29T12:00:00Z", true},
            {"0 * * * *", "Europe/Berlin", "2027-10-30T20:00:00Z", true},
            {"*/15 * * * *", "Europe/Berlin", "2027-10-30T23:10:00Z", true},
            {"*/20 * 2 * * *", "Europe/Berlin", "2027-10-30T12:00:00Z", true},
            {"0 2 L * *", "Europe/Berlin", "2027-10-25T12:00:00Z", true},
            {"30 2 * * 0L", "Europe/Berlin", "2027-10-25T12:00:00Z", true},
            {"30 1 * * *", "America/New_York", "2027-11-05T12:00:00Z", true},
            {"0 2 * * *", "America/New_York", "2027-11-05T12:00:00Z", false},
            {"0 1-3 * * *", "America/New_York", "2027-11-06T12:00:00Z", true},
            {"45 1 * * *", "Australia/Lord_Howe", "2027-04-02T12:00:00Z", true},
            {"0 2 * * *", "Australia/Lord_Howe", "2027-04-02T12:00:00Z", false},
            {"*/15 * * * *", "Australia/Lord_Howe", "2027-04-03T14:10:00Z", true},
            {"0 3 * * *", "Pacific/Chatham", "2027-04-02T12:00:00Z", true},
            {"*/20 * * * *", "Pacific/Chatham", "2027-04-03T12:50:00Z", true},
            {"30 23 * * *", "America/Santiago", "2027-04-02T12:00:00Z", true},
            {"0 * * * *", "America/Santiago", "2027-04-04T00:30:00Z", true},
            {"30 1 * * *", "Europe/Dublin", "2027-10-29T12:00:00Z", true},
            {"*/30 * * * *", "Europe/Dublin", "2027-10-30T23:40:00Z", true},
            {"30 0 * * *", "America/Havana", "2027-11-05T12:00:00Z", true},
            {"0 9 * * *", "Asia/Kolkata", "2027-03-27T12:00:00Z", false},
            {"*/15 * * * *", "Asia/Kolkata", "2027-10-30T23:10:00Z", false},
        },
        12);
}

// Random expressions that fire around the hours where clocks change, from shortly before a change.
TEST(SystemdCalendar, RandomCronCorpusMatchesSystemdAcrossDstChanges) {
    struct Change {
        const char* zone;
        const char* at;
    };
    const Change changes[] = {
        {"Europe/Berlin", "2027-03-28T01:00:00Z"},
        {"Europe/Berlin", "2027-10-31T01:00:00Z"},
        {"America/New_York", "2027-03-14T07:00:00Z"},
        {"America/New_York", "2027-11-07T06:00:00Z"},
        {"Australia/Lord_Howe", "2027-10-02T15:30:00Z"},
        {"Australia/Lord_Howe", "2027-04-03T15:00:00Z"},
        {"Pacific/Chatham", "2027-09-25T14:00:00Z"},
        {"Pacific/Chatham", "2027-04-03T14:00:00Z"},
        {"America/Santiago", "2027-09-05T04:00:00Z"},
        {"America/Santiago", "2027-04-04T03:00:00Z"},
        {"America/Havana", "2027-03-14T05:00:00Z"},
        {"America/Havana", "2027-11-07T05:00:00Z"},
    };
    std::mt19937 random(1125);
    auto pick = [&](int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(random);
    };
    auto minutes = [&]() -> std::string {
        switch (pick(0, 4)) {
            case 0:
                return "*/" + std::to_string(pick(2, 6) * 5);
            case 1:
                return std::to_string(pick(0, 29)) + "-" + std::to_string(pick(30, 59)) + "/" +
                       std::to_string(pick(10, 20));
            case 2:
                return std::to_string(pick(0, 29)) + "," + std::to_string(pick(30, 59));
            default:
                return std::to_string(pick(0, 59));
        }
    };
    auto hours = [&]() -> std::string {
        switch (pick(0, 4)) {
            case 0:
                return "*";
            case 1:
                return std::to_string(pick(0, 3)) + "-" + std::to_string(pick(3, 5));
            case 2:
                return std::to_string(pick(0, 3)) + "," + std::to_string(pick(22, 23));
            default:
                return std::to_string(pick(0, 4));
        }
    };
    std::vector<Case> cases;
    for (int i = 0; i < 72; ++i) {
        const Change& change = changes[i % (sizeof changes / sizeof changes[0])];
        std::string text = (pick(0, 5) == 0 ? "0," + std::to_string(pick(1, 59)) + " " : "") +
                           minutes() + " " + hours() + " " + (pick(0, 4) == 0 ? "L,1-7" : "*") +
                           " * " + (pick(0, 4) == 0 ? "0" : "*");
        const Schedule schedule = cron(text, change.zone);
        const Instant base = utc(change.at) - std::chrono::minutes(pick(10, 30 * 60));
        std::string error;
        const auto calendar =
            translateToSystemd(schedule, base, std::chrono::hours(24 * 10), &error);
        ASSERT_TRUE(calendar) << text << ": " << error;
        cases.push_back({schedule, calendar->onCalendar, base, calendar->validUntil});
    }
    EXPECT_GT(expectPerLineAgreement(cases, 30), 1000u);
}

TEST(SystemdCalendar, UnaffectedExpressionsAndZonesNeedNoCompensation) {
    const Instant from = utc("2026-11-25T00:00:00Z");
    for (const auto& [expression, zone] :
         std::vector<std::pair<std::string, std::string>>{{"0 12 * * *", "Europe/Berlin"},
                                                          {"*/15 * * * *", "Asia/Kolkata"},
                                                          {"0 3 * * *", "Europe/Paris"},
                                                          {"0 2 * * *", "UTC"}}) {
        const SystemdCalendar calendar = translate(cron(expression, zone), from);
        EXPECT_EQ(calendar.onCalendar.size(), 1u) << expression << show(calendar.onCalendar);
        EXPECT_FALSE(calendar.validUntil) << expression << " in " << zone;
        EXPECT_TRUE(calendar.notes.empty()) << expression << " in " << zone;
    }
}

// Translated once, long before the changes: exact from any base up to validUntil, per line and
// as a timer, and validUntil names the first change beyond the horizon.
TEST(SystemdCalendar, CompensationCoversTheHorizonAndSaysWhenItEnds) {
    const Instant from = utc("2026-11-25T00:00:00Z");
    const Schedule berlin = cron("30 2 * * *", "Europe/Berlin");
    const SystemdCalendar calendar = translate(berlin, from);
    ASSERT_TRUE(calendar.validUntil);
    // Berlin springs forward on 2028-03-26: the day it begins at local midnight.
    EXPECT_EQ(formatIso8601(*calendar.validUntil, *TimeZone::locate("Europe/Berlin")),
              "2028-03-26T00:00:00+01:00");
    ASSERT_EQ(calendar.notes.size(), 3u) << ::testing::PrintToString(calendar.notes);
    EXPECT_NE(calendar.notes[0].find("Europe/Berlin springs forward on 2027-03-28"),
              std::string::npos)
        << calendar.notes[0];
    EXPECT_NE(calendar.notes[1].find("falls back on 2027-10-31"), std::string::npos)
        << calendar.notes[1];
    const Schedule newYork = cron("30 1 * * *", "America/New_York");
    const SystemdCalendar newYorkCalendar = translate(newYork, from);
    const Schedule hourly = cron("0 * * * *", "Europe/Berlin");
    const SystemdCalendar hourlyCalendar = translate(hourly, from);

    std::vector<Case> cases;
    for (const char* base : {"2026-11-25T00:00:00Z", "2027-03-27T12:00:00Z", "2027-10-30T12:00:00Z",
                             "2027-10-31T00:40:00Z", "2027-10-31T01:10:00Z", "2027-11-06T12:00:00Z",
                             "2027-11-07T05:45:00Z", "2027-11-07T06:10:00Z"}) {
        cases.push_back({berlin, calendar.onCalendar, utc(base), calendar.validUntil});
        cases.push_back(
            {newYork, newYorkCalendar.onCalendar, utc(base), newYorkCalendar.validUntil});
        cases.push_back({hourly, hourlyCalendar.onCalendar, utc(base), hourlyCalendar.validUntil});
        expectTimerAgreement(berlin, calendar.onCalendar, utc(base), 3, calendar.validUntil);
        expectTimerAgreement(newYork, newYorkCalendar.onCalendar, utc(base), 3,
                             newYorkCalendar.validUntil);
    }
    expectPerLineAgreement(cases, 30);
}

TEST(SystemdCalendar, ShortHorizonEndsAtTheFirstUncoveredChange) {
    const Schedule schedule = cron("30 2 * * *", "Europe/Berlin");
    std::string error;
    const auto calendar = translateToSystemd(schedule, utc("2027-03-20T00:00:00Z"),
                                             std::chrono::hours(24 * 30), &error);
    ASSERT_TRUE(calendar) << error;
    ASSERT_TRUE(calendar->validUntil);
    EXPECT_EQ(formatIso8601Utc(*calendar->validUntil), "2027-10-30T22:00:00Z");
    expectTimerAgreement(schedule, calendar->onCalendar, utc("2027-03-27T12:00:00Z"), 3,
                         calendar->validUntil);
}

}  // namespace
}  // namespace belfry::schedule
