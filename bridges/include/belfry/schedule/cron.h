// Cron expressions with Vixie cron's semantics, evaluated in a time zone.
//
// Syntax: five fields "minute hour day-of-month month day-of-week", or six with a leading
// seconds field; or one of @yearly @annually @monthly @weekly @daily @midnight @hourly. A field is
// a comma list of elements: `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n` (= a through the field's
// maximum, every n). Months and weekdays also take names (JAN-DEC, SUN-SAT, any case);
// day-of-week 0 and 7 are both Sunday. Day-of-month also takes `L` (last day) and `L-n` (n days
// before the last); day-of-week also takes `nL` (last weekday n of the month) and `n#k` (k-th
// weekday n, k = 1-5). Ranges do not wrap around. `W`, `?`, `H`, a year field and other dialects'
// extensions are refused with a message that says why, as is an expression that can never fire
// (`0 0 30 2 *`): parsing checks every month/weekday layout the Gregorian calendar has.
//
// Vixie's day rule, exactly: when both day fields are restricted, a day matches if EITHER
// matches; a day field whose text starts with `*` (including `*/2`) is unrestricted and the two
// are ANDed. So `0 0 1,15 * 5` fires on the 1st, the 15th and every Friday, and `0 0 */2 * 1`
// only on Mondays that are odd days of the month. L, L-n, nL and n#k count as restricted.
//
// Time zones and DST (the rule of Cronos, the engine behind Hangfire): the expression is matched
// against local wall-clock time in the schedule's zone (UTC when the schedule names none).
//  - A local time that a spring-forward gap skips fires once, at the first valid instant after
//    the gap, which is the transition instant itself (02:30 on a day Berlin jumps from 02:00 to
//    03:00 fires at 03:00 CEST). Several skipped times collapse into that one fire.
//  - A local time that a fall-back repeats fires once, in the first pass (the earlier offset),
//    unless the expression is interval-based, in which case it fires in both passes.
//  - Interval-based, as Cronos defines it: the seconds (six-field form only), minute or hour
//    field contains `*`, a range `a-b` or a step (`*/n`, `a/n`, `a-b/n`) in any list element.
//    `0 * * * *`, `*/15 2 * * *` and `0 1-3 * * *` are interval-based; `30 1 * * *` and
//    `0,30 1 * * *` are not.
//
// Search is bounded: nextAfter/latestAtOrBefore look at most 401 years away (one Gregorian cycle
// plus one year, so any expression that can fire at all is found) and never past the years
// 0001-9999; beyond that they answer nullopt. They never scan minute by minute: each field is a
// bitset, and each month's matching days are one precomputed 32-bit mask.
//
// Thread-safety: a CronExpression is immutable after parse(); const methods are safe to call
// concurrently from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "belfry/schedule/instant.h"
#include "belfry/schedule/time_zone.h"

namespace belfry::schedule {

// The parsed fields as bitsets, for translators to systemd OnCalendar= and Task Scheduler
// triggers. Bit i set means value i is selected.
struct CronFields {
    std::uint64_t seconds = 0;          // bits 0-59; {0} for the five-field form
    std::uint64_t minutes = 0;          // bits 0-59
    std::uint32_t hours = 0;            // bits 0-23
    std::uint32_t daysOfMonth = 0;      // bits 1-31: plain days (all 31 for `*`)
    std::uint32_t lastDaysOfMonth = 0;  // bit n (0-30): `L-n`; bit 0 is `L`, the last day
    std::uint16_t months = 0;           // bits 1-12
    std::uint8_t daysOfWeek = 0;        // bits 0-6, Sunday = 0 (a 7 in the text lands on bit 0)
    std::uint8_t lastWeekdays = 0;      // bit w: `wL`, the last weekday w of the month
    std::array<std::uint8_t, 7> nthWeekdays{};  // [w] bit k (1-5): `w#k`, the k-th weekday w

    bool hasSecondsField = false;       // written in the six-field form
    bool dayOfMonthRestricted = false;  // false when the field's text starts with `*`
    bool dayOfWeekRestricted = false;   // false when the field's text starts with `*`
    bool intervalBased = false;         // Cronos' definition, see the top of this header

    friend bool operator==(const CronFields& a, const CronFields& b);
    friend bool operator!=(const CronFields& a, const CronFields& b) { return !(a == b); }
};

class CronExpression {
  public:
    // Parses `text`. On failure returns nullopt and, when `error` is given, a message that quotes
    // the expression and says which field is wrong and why.
    static std::optional<CronExpression> parse(std::string_view text, std::string* error = nullptr);

    const CronFields& fields() const { return fields_; }
    bool isIntervalBased() const { return fields_.intervalBased; }

    // Canonical text: macros expanded, names as numbers, Sunday as 0, `a/n` as `a-max/n`, `*/1`
    // as `*`, single spaces; otherwise element by element as written, so star-ness (Vixie) and
    // interval-ness (Cronos) survive and parse(toString()) has equal fields.
    const std::string& toString() const { return canonical_; }

    // The first fire strictly after `t`, or nullopt when none lies within the search bound.
    std::optional<Instant> nextAfter(Instant t, const TimeZone& zone = TimeZone()) const;

    // The latest fire at or before `t` (the "slot" a late or repeated fire belongs to), or
    // nullopt when none lies within the search bound.
    std::optional<Instant> latestAtOrBefore(Instant t, const TimeZone& zone = TimeZone()) const;

    // Wall-clock matching without any zone: does this local time match, and which matching local
    // time comes first at/after or last at/before `local`.
    bool matches(date::local_seconds local) const;
    std::optional<date::local_seconds> nextLocalAtOrAfter(date::local_seconds local) const;
    std::optional<date::local_seconds> latestLocalAtOrBefore(date::local_seconds local) const;

    // Whether day `day` of `month` in `year` matches the day fields (Vixie's rule), for
    // translators that enumerate days.
    bool dayMatches(int year, int month, int day) const;

    friend bool operator==(const CronExpression& a, const CronExpression& b) {
        return a.fields_ == b.fields_;
    }
    friend bool operator!=(const CronExpression& a, const CronExpression& b) { return !(a == b); }

  private:
    CronExpression() = default;
    std::uint32_t dayMask(int year, int month) const;
    bool nextTimeOfDay(int hour, int minute, int second, int* secondOfDay) const;
    bool previousTimeOfDay(int hour, int minute, int second, int* secondOfDay) const;

    CronFields fields_;
    // Matching days (bits 1-31) for each month layout: [weekday of the 1st * 4 + days - 28].
    std::array<std::uint32_t, 28> dayMasks_{};
    std::string canonical_;
};

}  // namespace belfry::schedule
