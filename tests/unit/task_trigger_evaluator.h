// A test-side model of when Windows Task Scheduler 2.0 starts a task, given the <Triggers>
// element of its definition. Written from Microsoft's documentation, independently of the
// translator (task_triggers.cpp): it reads only the XML text, so the XML is what is verified.
//
// Semantics implemented (docs: Task Scheduler schema, ITrigger, IRepetitionPattern, MONTHLYDOW):
//  - StartBoundary/EndBoundary are xs:dateTime; with 'Z' or an offset they are absolute. Without
//    one they are the machine's local time, which a test cannot know, so such XML is rejected.
//  - TimeTrigger: fires once at StartBoundary.
//  - CalendarTrigger: fires at StartBoundary's time of day on each matching day (days counted
//    in the boundary's own offset) at or after StartBoundary: ScheduleByDay every DaysInterval
//    days from the StartBoundary's date; ScheduleByWeek on DaysOfWeek (WeeksInterval other than 1
//    is rejected: the week alignment is not documented); ScheduleByMonth on DaysOfMonth (1-31,
//    Last) of Months, skipping days a month lacks; ScheduleByMonthDayOfWeek on DaysOfWeek in
//    Weeks 1-4 (days 1-7, 8-14, 15-21, 22-28) or Last (the last seven days) of Months.
//  - Repetition: from each start, again every Interval while the time since that start is <=
//    Duration (Vista and later: interval 1 min, duration 4 min starts the task five times), or
//    forever without Duration. Interval must be PT1M-P31D and Duration >= Interval.
//  - Enabled=false triggers never fire; RandomDelay other than zero is rejected (not modelled).
//  - Where the documentation is silent, TriggerReading chooses: whether EndBoundary is
//    inclusive, and whether it also stops the repetitions of a start made before it. Tests run
//    every reading and require the same answer.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "belfry/schedule/instant.h"

namespace belfry::schedule::testing {

struct XmlElement {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string text;  // the element's own character data, whitespace-trimmed
    std::vector<XmlElement> children;

    const XmlElement* child(std::string_view childName) const;
    const std::string* attribute(std::string_view attributeName) const;
};

// A small XML reader for the subset the translator writes: elements, attributes, text, comments,
// an optional <?xml ...?> declaration, and the five predefined entities. No DTDs, no CDATA.
std::optional<XmlElement> parseXml(std::string_view text, std::string* error = nullptr);

struct TriggerReading {
    bool endBoundaryInclusive = true;
    bool endBoundaryStopsRepetition = true;
};

// The four readings of the undocumented details.
std::vector<TriggerReading> allReadings();

// Every instant in [begin, end] at which the triggers start the task, sorted and without
// duplicates (two triggers firing at the same second start it once for our purposes: the fire
// path dedupes per slot). Nullopt and `error` when the XML is not a Triggers element in the task
// namespace or breaks a documented constraint.
std::optional<std::vector<Instant>> evaluateTriggers(std::string_view xml, Instant begin,
                                                     Instant end, const TriggerReading& reading,
                                                     std::string* error = nullptr);

}  // namespace belfry::schedule::testing
