// The cron search: wall-clock matching over the bitsets and day masks built by cron_parser.cpp,
// and the mapping between wall-clock time and instants across DST changes (the rule is stated in
// cron.h).
//
// Wall-clock times are handled as a count of local seconds since 1970-01-01T00:00 (what
// date::local_seconds holds); the civil calendar conversions are date's (Hinnant's algorithms).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "belfry/schedule/cron.h"

namespace belfry::schedule {
namespace {

using std::chrono::seconds;
using Int = std::int64_t;

constexpr Int kSecondsPerDay = 86400;
constexpr int kSearchYears = 401;  // one 400-year Gregorian cycle, plus the partial first year
constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
// Segments (constant-offset spans) visited by one zoned search: two per year for 401 years,
// plus a skip over each repeated hour; generous, and only a guard against a broken zone.
constexpr int kMaxSegmentSteps = 4096;
// No zone's offset changes by a day or more, so a repeated hour lies within a day of its start.
constexpr seconds kMaxShift{kSecondsPerDay};

int lowestBit(std::uint64_t bits) {
    return __builtin_ctzll(bits);
}
int highestBit(std::uint64_t bits) {
    return 63 - __builtin_clzll(bits);
}

// The smallest set bit >= from, or -1.
int nextBit(std::uint64_t bits, int from) {
    if (from > 63) return -1;
    const std::uint64_t rest = bits >> from;
    return rest ? from + lowestBit(rest) : -1;
}

// The largest set bit <= upTo, or -1.
int previousBit(std::uint64_t bits, int upTo) {
    if (upTo < 0) return -1;
    const std::uint64_t rest = upTo >= 63 ? bits : bits & ((std::uint64_t{2} << upTo) - 1);
    return rest ? highestBit(rest) : -1;
}

Int floorDiv(Int a, Int b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

struct Civil {
    int year;
    int month;
    int day;
    int hour;
    int minute;
    int second;
};

Civil toCivil(Int local) {
    const Int days = floorDiv(local, kSecondsPerDay);
    const Int secondOfDay = local - days * kSecondsPerDay;
    const date::year_month_day ymd{date::sys_days{date::days{days}}};
    return {static_cast<int>(ymd.year()),
            static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day())),
            static_cast<int>(secondOfDay / 3600),
            static_cast<int>(secondOfDay / 60 % 60),
            static_cast<int>(secondOfDay % 60)};
}

Int daysFromCivil(int year, int month, int day) {
    return date::sys_days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                          date::day{static_cast<unsigned>(day)}}
        .time_since_epoch()
        .count();
}

int weekdayOfDays(Int days) {
    return static_cast<int>(date::weekday{date::sys_days{date::days{days}}}.c_encoding());
}

bool isLeap(int year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int daysInMonth(int year, int month) {
    if (month == 2) return isLeap(year) ? 29 : 28;
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

Instant instantOf(Int count) {
    return Instant{seconds{count}};
}

}  // namespace

std::uint32_t CronExpression::dayMask(int year, int month) const {
    const Int first = daysFromCivil(year, month, 1);
    return dayMasks_[weekdayOfDays(first) * 4 + (daysInMonth(year, month) - 28)];
}

bool CronExpression::dayMatches(int year, int month, int day) const {
    if (month < 1 || month > 12 || day < 1 || day > 31) return false;
    if (((fields_.months >> month) & 1u) == 0) return false;
    return ((dayMask(year, month) >> day) & 1u) != 0;
}

bool CronExpression::matches(date::local_seconds local) const {
    const Civil c = toCivil(local.time_since_epoch().count());
    return dayMatches(c.year, c.month, c.day) && ((fields_.hours >> c.hour) & 1u) != 0 &&
           ((fields_.minutes >> c.minute) & 1u) != 0 && ((fields_.seconds >> c.second) & 1u) != 0;
}

bool CronExpression::nextTimeOfDay(int hour, int minute, int second, int* secondOfDay) const {
    const CronFields& f = fields_;
    if ((f.hours >> hour) & 1u) {
        if ((f.minutes >> minute) & 1u) {
            const int s = nextBit(f.seconds, second);
            if (s >= 0) {
                *secondOfDay = hour * 3600 + minute * 60 + s;
                return true;
            }
        }
        const int m = nextBit(f.minutes, minute + 1);
        if (m >= 0) {
            *secondOfDay = hour * 3600 + m * 60 + lowestBit(f.seconds);
            return true;
        }
    }
    const int h = nextBit(f.hours, hour + 1);
    if (h < 0) return false;
    *secondOfDay = h * 3600 + lowestBit(f.minutes) * 60 + lowestBit(f.seconds);
    return true;
}

bool CronExpression::previousTimeOfDay(int hour, int minute, int second, int* secondOfDay) const {
    const CronFields& f = fields_;
    if ((f.hours >> hour) & 1u) {
        if ((f.minutes >> minute) & 1u) {
            const int s = previousBit(f.seconds, second);
            if (s >= 0) {
                *secondOfDay = hour * 3600 + minute * 60 + s;
                return true;
            }
        }
        const int m = previousBit(f.minutes, minute - 1);
        if (m >= 0) {
            *secondOfDay = hour * 3600 + m * 60 + highestBit(f.seconds);
            return true;
        }
    }
    const int h = previousBit(f.hours, hour - 1);
    if (h < 0) return false;
    *secondOfDay = h * 3600 + highestBit(f.minutes) * 60 + highestBit(f.seconds);
    return true;
}

std::optional<date::local_seconds> CronExpression::nextLocalAtOrAfter(
    date::local_seconds local) const {
    Civil c = toCivil(local.time_since_epoch().count());
    if (c.year < kMinYear || c.year > kMaxYear) return std::nullopt;
    const int lastYear = std::min(c.year + kSearchYears, kMaxYear);
    const std::uint64_t months = fields_.months;
    // Each pass either returns, or moves to a later day or month with the time of day reset to
    // 00:00:00; after the first day every matching day has a matching time, so the loop runs at
    // most once per month of the bounded range.
    while (true) {
        if (((months >> c.month) & 1u) == 0) {
            int month = nextBit(months, c.month + 1);
            if (month < 0) {
                if (++c.year > lastYear) return std::nullopt;
                month = lowestBit(months);
            }
            c = {c.year, month, 1, 0, 0, 0};
        }
        const Int monthStart = daysFromCivil(c.year, c.month, 1);
        const int length = daysInMonth(c.year, c.month);
        const std::uint64_t days =
            std::uint64_t{dayMasks_[weekdayOfDays(monthStart) * 4 + (length - 28)]} >> c.day;
        if (days == 0) {
            if (++c.month > 12) {
                if (++c.year > lastYear) return std::nullopt;
                c.month = 1;
            }
            c = {c.year, c.month, 1, 0, 0, 0};
            continue;
        }
        const int day = c.day + lowestBit(days);
        if (day != c.day) c = {c.year, c.month, day, 0, 0, 0};
        int secondOfDay = 0;
        if (nextTimeOfDay(c.hour, c.minute, c.second, &secondOfDay)) {
            return date::local_seconds{
                seconds{(monthStart + c.day - 1) * kSecondsPerDay + secondOfDay}};
        }
        c = {c.year, c.month, c.day + 1, 0, 0, 0};
    }
}

std::optional<date::local_seconds> CronExpression::latestLocalAtOrBefore(
    date::local_seconds local) const {
    Civil c = toCivil(local.time_since_epoch().count());
    if (c.year < kMinYear || c.year > kMaxYear) return std::nullopt;
    const int firstYear = std::max(c.year - kSearchYears, kMinYear);
    const std::uint64_t months = fields_.months;
    // The mirror image of nextLocalAtOrAfter, with the time of day reset to 23:59:59.
    while (true) {
        if (((months >> c.month) & 1u) == 0) {
            int month = previousBit(months, c.month - 1);
            if (month < 1) {
                if (--c.year < firstYear) return std::nullopt;
                month = highestBit(months);
            }
            c = {c.year, month, 31, 23, 59, 59};
        }
        const Int monthStart = daysFromCivil(c.year, c.month, 1);
        const int length = daysInMonth(c.year, c.month);
        if (c.day > length) c = {c.year, c.month, length, 23, 59, 59};
        const std::uint64_t days =
            std::uint64_t{dayMasks_[weekdayOfDays(monthStart) * 4 + (length - 28)]} &
            ((std::uint64_t{2} << c.day) - 1);
        if (days == 0) {
            if (--c.month < 1) {
                if (--c.year < firstYear) return std::nullopt;
                c.month = 12;
            }
            c = {c.year, c.month, 31, 23, 59, 59};
            continue;
        }
        const int day = highestBit(days);
        if (day != c.day) c = {c.year, c.month, day, 23, 59, 59};
        int secondOfDay = 0;
        if (previousTimeOfDay(c.hour, c.minute, c.second, &secondOfDay)) {
            return date::local_seconds{
                seconds{(monthStart + c.day - 1) * kSecondsPerDay + secondOfDay}};
        }
        c = {c.year, c.month, c.day - 1, 23, 59, 59};
    }
}

std::optional<Instant> CronExpression::nextAfter(Instant t, const TimeZone& zone) const {
    if (t < kMinInstant || t >= kMaxInstant) return std::nullopt;
    if (zone.isUtc()) {
        const auto local =
            nextLocalAtOrAfter(date::local_seconds{t.time_since_epoch() + seconds{1}});
        if (!local) return std::nullopt;
        return Instant{local->time_since_epoch()};
    }

    // Walk the zone's constant-offset segments forward from t. In each, the first matching wall
    // time that falls inside the segment's local range is the answer, except a repeated time in
    // a fall-back's second pass when the expression is not interval-based. A match that falls
    // in the gap after a segment fires at the gap's end. The wall-clock search result is reused
    // while the search start stays within [searchedFrom, match].
    TimeZone::Segment segment = zone.segmentAt(t);
    Int from = (t + segment.offset).time_since_epoch().count() + 1;
    Int searchedFrom = std::numeric_limits<Int>::max();
    Int match = 0;
    for (int step = 0; step < kMaxSegmentSteps; ++step) {
        if (from < searchedFrom || from > match) {
            const auto found = nextLocalAtOrAfter(date::local_seconds{seconds{from}});
            if (!found) return std::nullopt;
            searchedFrom = from;
            match = found->time_since_epoch().count();
        }
        const Int localEnd = (segment.end + segment.offset).time_since_epoch().count();
        if (match < localEnd) {
            const Instant fire = instantOf(match) - segment.offset;
            if (!fields_.intervalBased && fire < segment.begin + kMaxShift) {
                const TimeZone::Segment previous = zone.segmentAt(segment.begin - seconds{1});
                const Int repeatedEnd =
                    (segment.begin + previous.offset).time_since_epoch().count();
                if (previous.offset > segment.offset && match < repeatedEnd) {
                    from = repeatedEnd;  // fired in the first pass already
                    continue;
                }
            }
            if (fire > kMaxInstant) return std::nullopt;
            return fire;
        }
        const TimeZone::Segment next = zone.segmentAt(segment.end);
        const Int nextLocalBegin = (segment.end + next.offset).time_since_epoch().count();
        if (match < nextLocalBegin) return segment.end;  // in the gap (next.offset is larger)
        from = nextLocalBegin;
        segment = next;
    }
    return std::nullopt;
}

std::optional<Instant> CronExpression::latestAtOrBefore(Instant t, const TimeZone& zone) const {
    if (t <= kMinInstant || t > kMaxInstant) return std::nullopt;
    if (zone.isUtc()) {
        const auto local = latestLocalAtOrBefore(date::local_seconds{t.time_since_epoch()});
        if (!local) return std::nullopt;
        return Instant{local->time_since_epoch()};
    }

    // The mirror image of nextAfter: walk segments backward from t; a match in the gap before a
    // segment fires at the segment's begin; a repeated time counts only in its first pass unless
    // the expression is interval-based.
    TimeZone::Segment segment = zone.segmentAt(t);
    Int to = (t + segment.offset).time_since_epoch().count();
    Int searchedTo = std::numeric_limits<Int>::min();
    Int match = 0;
    for (int step = 0; step < kMaxSegmentSteps; ++step) {
        if (to > searchedTo || to < match) {
            const auto found = latestLocalAtOrBefore(date::local_seconds{seconds{to}});
            if (!found) return std::nullopt;
            searchedTo = to;
            match = found->time_since_epoch().count();
        }
        const bool hasPrevious = segment.begin > kMinInstant;
        const Int localBegin = hasPrevious
                                   ? (segment.begin + segment.offset).time_since_epoch().count()
                                   : std::numeric_limits<Int>::min();
        if (match >= localBegin) {
            const Instant fire = instantOf(match) - segment.offset;
            if (!fields_.intervalBased && hasPrevious && fire < segment.begin + kMaxShift) {
                const TimeZone::Segment previous = zone.segmentAt(segment.begin - seconds{1});
                const Int repeatedEnd =
                    (segment.begin + previous.offset).time_since_epoch().count();
                if (previous.offset > segment.offset && match < repeatedEnd) {
                    to = localBegin - 1;  // the first pass, in the previous segment, fires it
                    continue;
                }
            }
            if (fire < kMinInstant) return std::nullopt;
            return fire;
        }
        const TimeZone::Segment previous = zone.segmentAt(segment.begin - seconds{1});
        const Int previousLocalEnd = (segment.begin + previous.offset).time_since_epoch().count();
        if (match >= previousLocalEnd) return segment.begin;  // in the gap before this segment
        to = previousLocalEnd - 1;
        segment = previous;
    }
    return std::nullopt;
}

}  // namespace belfry::schedule
