// Schedule -> Windows Task Scheduler 2.0 triggers: a typed model that the COM registration code
// turns into ITrigger objects, and the <Triggers> XML that `belfry translate taskscheduler`
// prints. Pure C++; nothing here talks to Windows.
//
// The contract: translateToTaskScheduler(schedule, from) returns triggers whose fires, read by
// Microsoft's documented semantics, are EXACTLY the engine's fires (Schedule::nextAfter) in the
// closed interval [from, validUntil], and which never fire after validUntil (or, without
// validUntil, exactly the engine's fires from `from` on, forever). Every StartBoundary is at or
// after `from` and is itself a fire of its trigger. The semantics relied on:
//  - A boundary with 'Z' is UTC regardless of the machine's zone; every boundary written here has
//    'Z', so calendar days are UTC days and the machine's zone never matters.
//  - A CalendarTrigger fires at the StartBoundary's time of day on each matching day at or after
//    the StartBoundary: ScheduleByDay every DaysInterval days from the StartBoundary's date;
//    ScheduleByWeek on DaysOfWeek (WeeksInterval is always 1 here); ScheduleByMonth on
//    DaysOfMonth 1-31 / Last of Months (a day a month lacks is skipped);
//    ScheduleByMonthDayOfWeek on DaysOfWeek in Weeks 1-4 (days 1-7, 8-14, 15-21, 22-28, as
//    MONTHLYDOW documents them) / Last (the last seven days) of Months.
//  - Repetition: from each fire, again every Interval (1 minute to 31 days) while the elapsed
//    time is <= Duration (documented: interval 1 min, duration 4 min starts the task five
//    times), or indefinitely without Duration.
//  - Where Microsoft leaves a detail open the translation is built not to depend on it: whether
//    EndBoundary is inclusive, and whether it also cuts a repetition in progress. Every
//    EndBoundary lies one second after the last fire of its run's last whole day in the window
//    and a minute or more before that run's next start, so no repetition runs past it.
//
// Mapping of a cron expression (fields from CronFields):
//  - Times of day: the set seconds x minutes x hours is split into arithmetic runs, each one
//    trigger time with Repetition{Interval = step, Duration = span}: `*/15 * * * *` is one run
//    (96 fires a day), `0 9-17 * * *` one run, `5,10 9-17 * * *` two. A seconds field with
//    several values gives one run per second value (Task Scheduler cannot repeat faster than a
//    minute): `*/10 * * * * *` is six triggers.
//  - Days: Daily (every day), Weekly (DaysOfWeek), Monthly (days and L -> Last), MonthlyDOW (nL
//    -> Last week, n#k -> week k for k <= 4), chosen to need the fewest triggers; Vixie's OR
//    rule becomes separate triggers for the day-of-month and the day-of-week part (`0 0 1,15 *
//    5` -> Monthly 1,15 + Weekly Friday). Triggers = runs x day patterns, plus a TimeTrigger
//    (with the run's repetition) for a day's run that `from` or validUntil cuts: from 12:34,
//    `0 9-17 * * 1-5` is a TimeTrigger at 13:00 repeating until 17:00 and a Weekly trigger from
//    the next weekday.
//  - What no fixed pattern says (L-n, n#5, an AND such as `0 0 */2 * 1` = odd-numbered Mondays,
//    a zone's offset pushing L or nL across a UTC midnight) is spelled out for a bounded window
//    (the zone's validUntil, and never past the next 1 January 00:00Z): each month's days as
//    dates (Monthly) or weeks (MonthlyDOW), and validUntil says so. Within a year every month
//    occurs once, so this always works; only the trigger count can refuse it.
//  - Refused, with a message: more than kMaxTaskTriggers triggers (Task Scheduler's limit per
//    task), e.g. `* * * * * *` (60 per-second runs) -- in this translation or in any of those
//    the service will need within a year of `from` (another DST period or a full calendar year
//    may need more than the rest of this one), so a schedule accepted today keeps translating
//    for at least a year.
//
// Time zones: Task Scheduler knows only the machine's local time and absolute times, and the
// machine's zone is not ours to assume. A cron schedule in a named zone is therefore translated
// for the UTC offset the zone has at `from`, into 'Z' boundaries, and validUntil is the zone's
// next offset change: within that span the offset is constant, so the UTC translation is exact.
// The DST rule's fires at the edges are part of it: a fire at validUntil itself (the gap fire of
// a spring-forward, or an ordinary one) is a TimeTrigger in this translation, and a translation
// starting at a transition adds the gap fire at `from` as a TimeTrigger and leaves out the times
// a fall-back repeats (unless the expression is interval-based). UTC (or a zone that is UTC
// under another name, or a fixed-offset zone such as Asia/Kolkata) needs no validUntil.
// `every` and `at` are absolute and never need one.
//
// Re-registration: before validUntil, register translateToTaskScheduler(schedule, validUntil)
// as well. Its StartBoundaries are >= validUntil and all of this translation's triggers end by
// validUntil, so both sets can be registered side by side (up to the 48-trigger limit) or the
// new set can replace the old one at validUntil. A fire at validUntil is in both sets; the fire
// path's per-slot uniqueness makes the second one a no-op.
//
// `every P` (epoch-aligned, schedule.h): P must be >= 1 minute. P dividing a day -> one Daily
// trigger with Repetition{P, 1 day - P}; a whole number of days up to 365 -> ScheduleByDay
// DaysInterval on an epoch-aligned day; otherwise up to 31 days -> one TimeTrigger repeating
// every P indefinitely; anything else is refused. `at` -> one TimeTrigger. A schedule that never
// fires again (none, or `at` before `from`) translates to no triggers, with a note.
//
// Thread-safety: pure functions of their arguments (apart from the tz database reads done by
// TimeZone); safe to call concurrently from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "belfry/schedule/instant.h"
#include "belfry/schedule/schedule.h"

namespace belfry::schedule {

// Task Scheduler's limit on triggers per task.
inline constexpr std::size_t kMaxTaskTriggers = 48;

struct TaskRepetition {
    std::chrono::seconds interval{0};              // 1 minute to 31 days
    std::optional<std::chrono::seconds> duration;  // >= interval; nullopt repeats indefinitely
    bool stopAtDurationEnd = false;

    friend bool operator==(const TaskRepetition& a, const TaskRepetition& b) {
        return a.interval == b.interval && a.duration == b.duration &&
               a.stopAtDurationEnd == b.stopAtDurationEnd;
    }
};

// One trigger. Bit layouts follow CronFields (bit i = value i); the COM interfaces number from
// bit 0 instead, so IMonthlyTrigger::DaysOfMonth is daysOfMonth >> 1, MonthsOfYear is months >>
// 1 and IMonthlyDOWTrigger::WeeksOfMonth is weeksOfMonth >> 1; DaysOfWeek (bit 0 = Sunday)
// matches as is.
struct TaskTrigger {
    enum class Kind {
        Time,             // TimeTrigger: once at startBoundary (plus its repetition)
        Daily,            // CalendarTrigger/ScheduleByDay
        Weekly,           // CalendarTrigger/ScheduleByWeek
        Monthly,          // CalendarTrigger/ScheduleByMonth
        MonthlyDayOfWeek  // CalendarTrigger/ScheduleByMonthDayOfWeek
    };

    Kind kind = Kind::Time;
    Instant startBoundary{};  // UTC, written with 'Z'
    std::optional<Instant> endBoundary;
    std::optional<TaskRepetition> repetition;

    int daysInterval = 1;           // Daily: 1-365
    int weeksInterval = 1;          // Weekly: always 1
    std::uint8_t daysOfWeek = 0;    // Weekly, MonthlyDayOfWeek: bits 0-6, Sunday = 0
    std::uint32_t daysOfMonth = 0;  // Monthly: bits 1-31
    bool lastDayOfMonth = false;    // Monthly: "Last"
    std::uint8_t weeksOfMonth = 0;  // MonthlyDayOfWeek: bits 1-4
    bool lastWeekOfMonth = false;   // MonthlyDayOfWeek: "Last"
    std::uint16_t months = 0;       // Monthly, MonthlyDayOfWeek: bits 1-12

    friend bool operator==(const TaskTrigger& a, const TaskTrigger& b);
    friend bool operator!=(const TaskTrigger& a, const TaskTrigger& b) { return !(a == b); }
};

struct TaskTriggers {
    std::vector<TaskTrigger> triggers;  // at most kMaxTaskTriggers, ordered by startBoundary
    // Register the translation from this instant before it is reached (see the top of this
    // header); nullopt when this one holds forever.
    std::optional<Instant> validUntil;
    // Human-readable remarks for the operator (offset in use, why validUntil, ...).
    std::vector<std::string> notes;
};

// Translates `schedule` for the instants from `from` on (see the contract above). On failure
// returns nullopt and, when `error` is given, one message that names the schedule and says why
// Task Scheduler cannot express it.
std::optional<TaskTriggers> translateToTaskScheduler(const Schedule& schedule, Instant from,
                                                     std::string* error = nullptr);

// The <Triggers> element of a Task Scheduler 2.0 task definition, in the task namespace
// (http://schemas.microsoft.com/windows/2004/02/mit/task), children in schema order, the notes
// and validUntil as XML comments. Ends with a newline.
std::string toTriggersXml(const TaskTriggers& triggers);

}  // namespace belfry::schedule
