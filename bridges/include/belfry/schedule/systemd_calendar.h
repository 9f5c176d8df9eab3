// Schedule -> systemd OnCalendar= values (systemd >= 235, for the trailing time zone name), such
// that a timer with these lines elapses at exactly the instants Schedule::nextAfter chains from
// `from` onward, up to `validUntil`. The unit tests hold the output against the real
// `systemd-analyze calendar`.
//
// What maps to what (systemd reads "[weekdays] years-months-days hours:minutes:seconds zone"; each
// component is `*`, a value, a list, a range `a..b` or a repetition `a/n`, `a..b/n`; weekdays are
// ANDed with the date):
//   cron seconds / minutes / hours   the same sets: `*/15` -> `00/15`, `9-17` -> `09..17`
//   cron months, plain days          `*-01,07-*`, `*-*-01,15`
//   cron weekdays                    a prefix: `Mon..Fri *-*-*`
//   L, L-n                           counted from the month's end: `*-*~01`, `*-*~03` (systemd's
//                                    `~k` is the k-th last day, so L-n is `~(n+1)`)
//   nL (last weekday n)              `Fri *-*~01..07`
//   n#k (k-th weekday n)             `Mon *-*-08..14` for k = 2
//   Vixie's OR rule                  one line per day-of-month part and per day-of-week part
//   anything else about days         (L-28..L-30, which `~` cannot reach; `*/2` ANDed with 5L)
//                                    one line per weekday and month length, with a list of leap
//                                    years where February needs it
//   zone                             the IANA name, or `UTC` for UTC and zones that are UTC
//   every P (P divides 24h)          `*-*-* H:M:S UTC` lines for the multiples of P in a UTC day
//                                    (epoch multiples, since the epoch is a UTC midnight); 7d is
//                                    `Thu *-*-* 00:00:00 UTC`; any other period is refused,
//                                    because systemd's repetitions restart every day, and so is
//                                    a divisor needing over 32 lines (64s, 128s, 384s)
//   at                               one dated line in UTC
//
// DST. What systemd 252 does (observed with systemd-analyze; the tests pin it down): it matches
// wall-clock time, walking forward from its base, which for a timer is the last elapse of any of
// its lines (PID 1 recomputes every line from there, and ignores a line whose computation fails).
//  - A gap: the walk enters it at its start (hh:00:00, since it steps hours with minutes and
//    seconds reset) and mktime() moves that to the gap's end, so skipped times are not fired at
//    all (the engine fires them once at the transition) and the end itself fires if it matches.
//    A gap that starts off the hour (Pacific/Chatham, 02:45 -> 03:45) can be entered in the
//    middle: the line then fails ("Resource deadlock avoided", mktime() went backwards) or steps
//    over the first matches after the gap.
//  - A repeated hour: met once, resolved by glibc's mktime() from its cached offset. In a chain
//    from before the change that is usually the first pass, so `*:00` misses the second pass
//    the engine fires for interval-based expressions; but with `~` days it can be the second
//    pass (`*-*~01 02:08,59:00 Europe/Berlin` elapses at 02:08 CEST and 02:59 CET on 2027-10-31),
//    and from a base inside the repeated hour it is the second pass.
// The translation compensates, per change from `from` up to `from + horizon` that the expression
// touches, in one of two ways:
//  - Additive (gaps; fall-backs of interval-based expressions). A zoned line only ever elapses at
//    a matching wall time that exists, and here every such instant is an engine fire, so
//    systemd can only miss. Dated UTC lines pin the fires it may miss: both passes of a repeated
//    hour; the transition instant of a gap that skips matching times while its end does not
//    match; for a gap off the hour, the first fire from the transition on, which also revives a
//    failed line (once a line elapses after the gap, every line's base is past it). Where systemd
//    fires too, the instants coincide and the timer elapses once.
//  - Exclusive (fall-backs of expressions that are not interval-based and match in the repeated
//    hour). systemd may fire the second pass, and it has no exclusion; so the zoned lines are
//    split by date (other years; the year's other months; the month's other days, spelled out)
//    so that they do not apply on the local dates around the change, and dated UTC lines carry
//    the engine's fires of those dates.
// Outside those instants and dates every wall time is unique and systemd and the engine agree; a
// change the expression does not touch (no match in the repeated hour; no match in a plain gap,
// or its end matches too) needs nothing, so zones without DST and expressions away from the
// changes get no dated lines. validUntil is the start of the local day of the first touched
// change beyond the horizon (nullopt when none comes before systemd's last year, 2199):
// re-translate before it. Up to validUntil the timer elapses exactly at the engine's fires from any
// base at or after `from` (a restart or a late reconcile included).
//
// Safety: nothing from the job reaches a value except the zone name, which must also consist of
// [A-Za-z0-9/_+-] and must not look like a zone abbreviation (`CET`, `EST`): systemd reads a
// trailing abbreviation of the machine's own zone as "local time, DST on/off", not as a zone.
//
// Limits: systemd's calendar ends with the year 2199.
//
// Thread-safety: a pure function (apart from reading the tz database through TimeZone); safe to
// call concurrently from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "belfry/schedule/instant.h"
#include "belfry/schedule/schedule.h"

namespace belfry::schedule {

struct SystemdCalendar {
    // Values for OnCalendar=, one line each: the normal lines first, then the dated UTC lines.
    std::vector<std::string> onCalendar;
    // Re-translate (reconcile) before this instant: the dated DST compensation ends there.
    // nullopt: valid as long as systemd's calendar runs.
    std::optional<Instant> validUntil;
    // Remarks for an operator, e.g. "DST: Europe/Berlin springs forward on 2027-03-28 ...".
    std::vector<std::string> notes;
};

// How far ahead DST transitions are compensated by default: a year and a month, so a daily
// reconcile has a year of slack.
inline constexpr std::chrono::hours kSystemdDstHorizon{400 * 24};

// Translates `schedule` for fires after `from`. On failure (nothing to translate, a period systemd
// cannot repeat, an `at` outside 1970-2199, an unsafe zone name) returns nullopt and, when `error`
// is given, one message naming the construct.
std::optional<SystemdCalendar> translateToSystemd(const Schedule& schedule, Instant from,
                                                  std::string* error = nullptr);
std::optional<SystemdCalendar> translateToSystemd(const Schedule& schedule, Instant from,
                                                  std::chrono::seconds horizon,
                                                  std::string* error = nullptr);

}  // namespace belfry::schedule
