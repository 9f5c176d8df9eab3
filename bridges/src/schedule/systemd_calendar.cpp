// Schedule -> OnCalendar= lines. The header states the mapping and the DST constructions; this
// file builds systemd calendar specs as sets (years, months, weekdays, days, hours, minutes,
// seconds) and prints them, so a line always means the product of its sets and nothing else.
#include "belfry/schedule/systemd_calendar.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <date/date.h>

#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using std::chrono::seconds;
using Int = std::int64_t;

constexpr Int kSecondsPerDay = 86400;
constexpr Int kSecondsPerWeek = 7 * kSecondsPerDay;
// systemd's calendar covers the years 1970-2199 (MIN_YEAR, MAX_YEAR in calendarspec.c).
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2199;
constexpr int kYearCount = kLastYear - kFirstYear + 1;
// systemd refuses `~k` beyond the 28th last day (no month has fewer days).
constexpr int kMaxFromEnd = 28;
constexpr std::uint32_t kAllDays = 0xFFFFFFFEu;  // bits 1-31
constexpr std::uint16_t kAllMonths = 0x1FFE;     // bits 1-12
constexpr std::uint8_t kAllWeekdays = 0x7F;      // bits 0-6, Sunday = 0 as in CronFields
// An `every` period whose day needs more lines than this is refused rather than written out.
constexpr std::size_t kMaxEveryLines = 32;
// Guards the enumeration of dated fires; a day of every-second fires is 86400.
constexpr std::size_t kMaxPinnedFires = 1000000;

using YearSet = std::bitset<kYearCount>;

// The date part of a calendar spec.
struct DayRule {
    YearSet years = YearSet().set();
    std::uint16_t months = kAllMonths;
    std::uint8_t weekdays = kAllWeekdays;
    bool fromEnd = false;  // `~`: bit k of `days` is the k-th last day of the month
    std::uint32_t days = kAllDays;
};

struct TimeOfDay {
    std::uint32_t hours = 0;
    std::uint64_t minutes = 0;
    std::uint64_t seconds = 0;
};

struct Line {
    DayRule day;
    TimeOfDay time;
};

Int floorDiv(Int a, Int b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool isLeap(int year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int daysInMonth(int year, int month) {
    if (month == 2) return isLeap(year) ? 29 : 28;
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

date::year_month_day civilOfDay(Int dayNumber) {
    return date::year_month_day{date::sys_days{date::days{dayNumber}}};
}

int yearOf(const date::year_month_day& ymd) {
    return static_cast<int>(ymd.year());
}
int monthOf(const date::year_month_day& ymd) {
    return static_cast<int>(static_cast<unsigned>(ymd.month()));
}
int dayOf(const date::year_month_day& ymd) {
    return static_cast<int>(static_cast<unsigned>(ymd.day()));
}

int weekdayOf(int year, int month, int day) {
    const date::sys_days days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                              date::day{static_cast<unsigned>(day)}};
    return static_cast<int>(date::weekday{days}.c_encoding());
}

bool inSystemdYears(int year) {
    return year >= kFirstYear && year <= kLastYear;
}

bool ruleMatches(const DayRule& rule, int year, int month, int day) {
    if (!inSystemdYears(year) || !rule.years.test(year - kFirstYear)) return false;
    if (((rule.months >> month) & 1u) == 0) return false;
    if (((rule.weekdays >> weekdayOf(year, month, day)) & 1u) == 0) return false;
    const int bit = rule.fromEnd ? daysInMonth(year, month) + 1 - day : day;
    return ((rule.days >> bit) & 1u) != 0;
}

// ---------------------------------------------------------------------------------------------
// Printing.

std::string padded(int value, int width) {
    std::string text = std::to_string(value);
    if (static_cast<int>(text.size()) < width) text.insert(0, width - text.size(), '0');
    return text;
}

// Where a component may use arithmetic progressions `a..b/n` (`a/n` when a < n, like cron's `*/n`):
// never in `~` components, where systemd turns repetitions around; for the whole set only in dates,
// where short lists read better; anywhere, found greedily, in times and years, where lists grow
// long.
enum class Repeat { Never, Whole, Greedy };

// A systemd component for `values` (sorted, within [low, high]): `*` when it is everything, else
// a comma list of runs `a..b`, single values and the progressions `repeat` allows.
std::string renderValues(const std::vector<int>& values, int low, int high, int width,
                         Repeat repeat) {
    if (static_cast<int>(values.size()) == high - low + 1) return "*";
    auto progression = [&](int first, int last, int step) {
        if (step == 1) return padded(first, width) + ".." + padded(last, width);
        if (first < step && last + step > high) {
            return padded(first, width) + "/" + std::to_string(step);
        }
        return padded(first, width) + ".." + padded(last, width) + "/" + std::to_string(step);
    };
    if (values.size() >= 3) {
        const int step = values[1] - values[0];
        bool whole = true;
        for (std::size_t i = 1; i < values.size() && whole; ++i) {
            whole = values[i] - values[i - 1] == step;
        }
        if (whole && (step == 1 || repeat != Repeat::Never)) {
            return progression(values.front(), values.back(), step);
        }
    }
    const std::set<int> present(values.begin(), values.end());
    std::set<int> taken;
    std::string text;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const int first = values[i];
        if (taken.count(first)) continue;
        int step = 0;
        for (std::size_t j = i + 1; j < values.size(); ++j) {
            if (!taken.count(values[j])) {
                step = values[j] - first;
                break;
            }
        }
        int last = first;
        int count = 1;
        if (step > 0 && (step == 1 || repeat == Repeat::Greedy)) {
            while (present.count(last + step) && !taken.count(last + step)) {
                last += step;
                ++count;
            }
        }
        if (!text.empty()) text += ',';
        if (count >= 3) {
            for (int v = first; v <= last; v += step) taken.insert(v);
            text += progression(first, last, step);
        } else {
            taken.insert(first);
            text += padded(first, width);
        }
    }
    return text;
}

template <typename Bits>
std::vector<int> bitValues(Bits bits, int low, int high) {
    std::vector<int> values;
    for (int v = low; v <= high; ++v) {
        if ((bits >> v) & 1u) values.push_back(v);
    }
    return values;
}

std::string renderWeekdays(std::uint8_t weekdays) {
    // systemd's week starts on Monday; "Mon..Fri" is one range, "Sat,Sun" a list.
    static const char* const kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    std::array<bool, 7> on{};
    for (int i = 0; i < 7; ++i) on[i] = (weekdays >> ((i + 1) % 7)) & 1u;
    std::string text;
    for (int i = 0; i < 7;) {
        if (!on[i]) {
            ++i;
            continue;
        }
        int j = i;
        while (j + 1 < 7 && on[j + 1]) ++j;
        if (!text.empty()) text += ',';
        if (j - i >= 2) {
            text += std::string(kNames[i]) + ".." + kNames[j];
        } else {
            text += kNames[i];
            if (j > i) text += std::string(",") + kNames[j];
        }
        i = j + 1;
    }
    return text;
}

std::string renderLine(const Line& line, const std::string& zone) {
    const DayRule& d = line.day;
    std::string text;
    if (d.weekdays != kAllWeekdays) text += renderWeekdays(d.weekdays) + " ";
    std::vector<int> years;
    for (int y = 0; y < kYearCount; ++y) {
        if (d.years.test(y)) years.push_back(kFirstYear + y);
    }
    text += renderValues(years, kFirstYear, kLastYear, 4, Repeat::Greedy);
    text += "-" + renderValues(bitValues(d.months, 1, 12), 1, 12, 2, Repeat::Whole);
    if (d.fromEnd) {
        // Never `*`: even all 28 counted-from-the-end days are not every day.
        text += "~" + renderValues(bitValues(d.days, 1, kMaxFromEnd), 1, 31, 2, Repeat::Never);
    } else {
        text += "-" + renderValues(bitValues(d.days, 1, 31), 1, 31, 2, Repeat::Whole);
    }
    text += " " + renderValues(bitValues(line.time.hours, 0, 23), 0, 23, 2, Repeat::Greedy);
    text += ":" + renderValues(bitValues(line.time.minutes, 0, 59), 0, 59, 2, Repeat::Greedy);
    text += ":" + renderValues(bitValues(line.time.seconds, 0, 59), 0, 59, 2, Repeat::Greedy);
    text += " " + zone;
    return text;
}

// ---------------------------------------------------------------------------------------------
// Cron day fields -> day rules.

// [7k-6, 7k]: the days on which the k-th weekday of any kind falls.
std::uint32_t weekOfMonth(std::uint8_t occurrences) {
    std::uint32_t days = 0;
    for (int k = 1; k <= 5; ++k) {
        if ((occurrences >> k) & 1u) {
            for (int d = 7 * k - 6; d <= std::min(7 * k, 31); ++d) days |= 1u << d;
        }
    }
    return days;
}

// The day-of-month field as rules, or false when `L-n` lies beyond `~`'s reach.
bool domRules(const CronFields& f, std::vector<DayRule>* out) {
    if (f.daysOfMonth & kAllDays) {
        DayRule rule;
        rule.days = f.daysOfMonth & kAllDays;
        out->push_back(rule);
    }
    if (f.lastDaysOfMonth != 0) {
        if (f.lastDaysOfMonth >> kMaxFromEnd) return false;  // L-28 and beyond
        DayRule rule;
        rule.fromEnd = true;
        rule.days = f.lastDaysOfMonth << 1;  // L-n is the (n+1)-th last day
        out->push_back(rule);
    }
    return true;
}

void dowRules(const CronFields& f, std::vector<DayRule>* out) {
    if (f.daysOfWeek & kAllWeekdays) {
        DayRule rule;
        rule.weekdays = f.daysOfWeek & kAllWeekdays;
        out->push_back(rule);
    }
    if (f.lastWeekdays != 0) {
        DayRule rule;
        rule.weekdays = f.lastWeekdays;
        rule.fromEnd = true;
        rule.days = 0xFEu;  // the last seven days: ~01..07
        out->push_back(rule);
    }
    // Weekdays with the same occurrences share a line: "1#2,3#2" is "Mon,Wed *-*-08..14".
    std::map<std::uint8_t, std::uint8_t> weekdaysByOccurrences;
    for (int w = 0; w < 7; ++w) {
        if (f.nthWeekdays[w]) weekdaysByOccurrences[f.nthWeekdays[w]] |= 1u << w;
    }
    for (const auto& [occurrences, weekdays] : weekdaysByOccurrences) {
        DayRule rule;
        rule.weekdays = weekdays;
        rule.days = weekOfMonth(occurrences);
        out->push_back(rule);
    }
}

// a AND b as one rule; false when systemd cannot say it in one line (absolute days ANDed with
// days counted from the end).
bool intersect(const DayRule& a, const DayRule& b, DayRule* out) {
    *out = a;
    out->weekdays = a.weekdays & b.weekdays;
    if (a.fromEnd == b.fromEnd) {
        out->days = a.days & b.days;
    } else {
        const DayRule& plain = a.fromEnd ? b : a;
        const DayRule& fromEnd = a.fromEnd ? a : b;
        if (plain.days != kAllDays) return false;
        out->fromEnd = true;
        out->days = fromEnd.days;
    }
    return true;
}

// Vixie's rule on the structure of the fields. False when some part needs the layout expansion.
bool structuredDayRules(const CronFields& f, std::vector<DayRule>* out) {
    const bool domAll = (f.daysOfMonth & kAllDays) == kAllDays;
    const bool dowAll = (f.daysOfWeek & kAllWeekdays) == kAllWeekdays;
    std::vector<DayRule> dom;
    std::vector<DayRule> dow;
    if (!domAll && !domRules(f, &dom)) return false;
    if (!dowAll) dowRules(f, &dow);
    if (f.dayOfMonthRestricted && f.dayOfWeekRestricted) {
        if (domAll || dowAll) {
            out->push_back(DayRule());
        } else {
            out->insert(out->end(), dom.begin(), dom.end());
            out->insert(out->end(), dow.begin(), dow.end());
        }
    } else if (domAll && dowAll) {
        out->push_back(DayRule());
    } else if (domAll) {
        *out = dow;
    } else if (dowAll) {
        *out = dom;
    } else {
        for (const DayRule& a : dom) {
            for (const DayRule& b : dow) {
                DayRule both;
                if (!intersect(a, b, &both)) return false;
                out->push_back(both);
            }
        }
    }
    std::vector<DayRule> kept;
    for (DayRule rule : *out) {
        rule.months = f.months;
        if (rule.weekdays != 0 && rule.days != 0) kept.push_back(rule);
    }
    *out = kept;
    return true;
}

// Any day rule, by month layout: for each month and length, the days on which each weekday
// matches. February gets separate leap-year and common-year lines only when they differ.
std::vector<DayRule> dayRulesByLayout(const CronExpression& cron) {
    // A year in which `month` starts on `weekday` and February is (not) long; every combination
    // occurs within any 28 consecutive years.
    auto sampleYear = [](int month, bool leap, int weekday) {
        for (int year = 2001;; ++year) {
            if (isLeap(year) == leap && weekdayOf(year, month, 1) == weekday) return year;
        }
    };
    YearSet leapYears;
    for (int y = kFirstYear; y <= kLastYear; ++y) leapYears.set(y - kFirstYear, isLeap(y));

    std::vector<DayRule> rules;
    auto add = [&](const YearSet& years, int month, const std::array<std::uint32_t, 7>& days) {
        std::map<std::uint32_t, std::uint8_t> weekdaysByDays;
        for (int w = 0; w < 7; ++w) {
            if (days[w]) weekdaysByDays[days[w]] |= 1u << w;
        }
        for (const auto& [dayBits, weekdays] : weekdaysByDays) {
            DayRule rule;
            rule.years = years;
            rule.months = static_cast<std::uint16_t>(1u << month);
            rule.weekdays = weekdays;
            rule.days = dayBits;
            rules.push_back(rule);
        }
    };
    const std::uint16_t months = cron.fields().months;
    for (int month = 1; month <= 12; ++month) {
        if (((months >> month) & 1u) == 0) continue;
        std::array<std::array<std::uint32_t, 7>, 2> byLeap{};
        for (bool leap : {false, true}) {
            const int length = month == 2 ? (leap ? 29 : 28) : daysInMonth(2001, month);
            for (int w = 0; w < 7; ++w) {
                for (int d = 1; d <= length; ++d) {
                    const int firstWeekday = ((w - (d - 1)) % 7 + 7) % 7;
                    if (cron.dayMatches(sampleYear(month, leap, firstWeekday), month, d)) {
                        byLeap[leap][w] |= 1u << d;
                    }
                }
            }
        }
        bool same = true;
        for (int w = 0; w < 7; ++w) same = same && byLeap[0][w] == (byLeap[1][w] & ~(1u << 29));
        if (same) {
            add(YearSet().set(), month, byLeap[1]);
        } else {
            add(leapYears, month, byLeap[1]);
            add(~leapYears, month, byLeap[0]);
        }
    }
    // One line for months that share everything else.
    std::vector<DayRule> merged;
    for (const DayRule& rule : rules) {
        auto same = std::find_if(merged.begin(), merged.end(), [&](const DayRule& m) {
            return m.years == rule.years && m.weekdays == rule.weekdays && m.days == rule.days;
        });
        if (same == merged.end()) {
            merged.push_back(rule);
        } else {
            same->months |= rule.months;
        }
    }
    return merged;
}

// ---------------------------------------------------------------------------------------------
// Times of day and dated lines.

// The fewest (hours x minutes x seconds) products, grouped greedily, whose union is `times`
// (seconds of the day, sorted).
std::vector<TimeOfDay> timesOfDay(const std::vector<int>& times) {
    std::map<int, std::map<int, std::uint64_t>> byHour;  // hour -> minute -> seconds
    for (int t : times) byHour[t / 3600][t / 60 % 60] |= std::uint64_t{1} << (t % 60);
    // Per hour: minutes grouped by their seconds; then hours grouped by that shape.
    std::map<std::vector<std::pair<std::uint64_t, std::uint64_t>>, std::uint32_t> hoursByShape;
    for (const auto& [hour, minutes] : byHour) {
        std::map<std::uint64_t, std::uint64_t> minutesBySeconds;
        for (const auto& [minute, secondBits] : minutes) {
            minutesBySeconds[secondBits] |= std::uint64_t{1} << minute;
        }
        std::vector<std::pair<std::uint64_t, std::uint64_t>> shape(minutesBySeconds.begin(),
                                                                   minutesBySeconds.end());
        hoursByShape[shape] |= 1u << hour;
    }
    std::vector<TimeOfDay> out;
    for (const auto& [shape, hours] : hoursByShape) {
        for (const auto& [secondBits, minuteBits] : shape) {
            out.push_back({hours, minuteBits, secondBits});
        }
    }
    auto first = [](const TimeOfDay& t) {
        return std::make_tuple(__builtin_ctz(t.hours), __builtin_ctzll(t.minutes),
                               __builtin_ctzll(t.seconds));
    };
    std::sort(out.begin(), out.end(),
              [&](const TimeOfDay& a, const TimeOfDay& b) { return first(a) < first(b); });
    return out;
}

DayRule singleDay(int year, int month, int day) {
    DayRule rule;
    rule.years.reset();
    rule.years.set(year - kFirstYear);
    rule.months = static_cast<std::uint16_t>(1u << month);
    rule.days = 1u << day;
    return rule;
}

// Dated UTC lines holding exactly `instants`.
std::vector<Line> datedLines(const std::set<Instant>& instants) {
    std::map<Int, std::vector<int>> byDay;
    for (Instant t : instants) {
        const Int count = t.time_since_epoch().count();
        const Int day = floorDiv(count, kSecondsPerDay);
        byDay[day].push_back(static_cast<int>(count - day * kSecondsPerDay));
    }
    std::vector<Line> lines;
    for (const auto& [day, times] : byDay) {
        const auto ymd = civilOfDay(day);
        for (const TimeOfDay& time : timesOfDay(times)) {
            lines.push_back({singleDay(yearOf(ymd), monthOf(ymd), dayOf(ymd)), time});
        }
    }
    return lines;
}

std::string isoDate(Int dayNumber) {
    const auto ymd = civilOfDay(dayNumber);
    return padded(yearOf(ymd), 4) + "-" + padded(monthOf(ymd), 2) + "-" + padded(dayOf(ymd), 2);
}

std::string wallClock(Int localSeconds) {
    const Int s = localSeconds - floorDiv(localSeconds, kSecondsPerDay) * kSecondsPerDay;
    std::string text =
        padded(static_cast<int>(s / 3600), 2) + ":" + padded(static_cast<int>(s / 60 % 60), 2);
    if (s % 60) text += ":" + padded(static_cast<int>(s % 60), 2);
    return text;
}

// ---------------------------------------------------------------------------------------------
// DST.

struct Transition {
    Instant at;
    seconds before;
    seconds after;

    seconds shift() const { return after > before ? after - before : before - after; }
    bool springsForward() const { return after > before; }
    // The wall-clock span the change skips or repeats, in local seconds: [begin, end).
    Int wallBegin() const { return (at + std::min(before, after)).time_since_epoch().count(); }
    Int wallEnd() const { return (at + std::max(before, after)).time_since_epoch().count(); }
};

bool matchesWithin(const CronExpression& cron, Int begin, Int end) {
    const auto match = cron.nextLocalAtOrAfter(date::local_seconds{seconds{begin}});
    return match && match->time_since_epoch().count() < end;
}

// A gap that starts on a whole hour and lasts at most an hour is entered by systemd's search only
// at its start (the search steps hours, resetting minutes and seconds to zero), and mktime() moves
// that start to the gap's end exactly: nothing after the gap is stepped over, and the end itself
// fires when it matches. Any other gap (Pacific/Chatham's, 02:45 -> 03:45) can be entered in the
// middle, and systemd 252 then fails to compute the line's next elapse at all ("Resource deadlock
// avoided": mktime() moved the time backwards); PID 1 ignores a line that fails, so the line is
// dead until some other line elapses after the gap.
bool isPlainGap(const Transition& t) {
    return floorDiv(t.wallBegin(), 3600) * 3600 == t.wallBegin() && t.shift() <= seconds{3600};
}

// Whether systemd and the engine can disagree around `t` (see the header).
bool touches(const CronExpression& cron, const Transition& t) {
    if (!t.springsForward()) return matchesWithin(cron, t.wallBegin(), t.wallEnd());
    if (!isPlainGap(t)) return true;
    // The engine fires the skipped times at the gap's end; systemd fires there only when the end
    // itself matches.
    return matchesWithin(cron, t.wallBegin(), t.wallEnd()) &&
           !cron.matches(date::local_seconds{seconds{t.wallEnd()}});
}

// The local days (day numbers) whose wall times lie within one shift of the changed span.
std::pair<Int, Int> affectedLocalDays(const Transition& t) {
    const Int shift = t.shift().count();
    return {floorDiv(t.wallBegin() - shift, kSecondsPerDay),
            floorDiv(t.wallEnd() + shift - 1, kSecondsPerDay)};
}

std::string fires(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " fire" : " fires");
}

std::string offsetText(seconds offset) {
    const Int s = offset.count();
    const Int a = s < 0 ? -s : s;
    std::string text = std::string("UTC") + (s < 0 ? "-" : "+") +
                       padded(static_cast<int>(a / 3600), 2) + ":" +
                       padded(static_cast<int>(a / 60 % 60), 2);
    return text;
}

class CronTranslator {
  public:
    CronTranslator(const Schedule& schedule, Instant from, seconds horizon)
        : cron_(*schedule.cron()), zone_(schedule.timeZone()), from_(from), horizon_(horizon) {}

    bool translate(const std::string& zoneText, SystemdCalendar* out, std::string* error) {
        std::vector<DayRule> rules;
        if (!structuredDayRules(cron_.fields(), &rules)) {
            rules = dayRulesByLayout(cron_);
            out->notes.push_back(
                "the day fields are written per weekday and month length, because systemd "
                "cannot combine them in one line");
        }
        if (!zone_.isUtc() && !compensate(out, error)) return false;

        TimeOfDay time{cron_.fields().hours, cron_.fields().minutes, cron_.fields().seconds};
        std::vector<std::string> lines;
        for (const DayRule& rule : restricted(rules)) {
            lines.push_back(renderLine({rule, time}, zoneText));
        }
        for (const Line& line : datedLines(pinned_)) lines.push_back(renderLine(line, "UTC"));
        for (std::string& line : lines) {
            if (std::find(out->onCalendar.begin(), out->onCalendar.end(), line) ==
                out->onCalendar.end()) {
                out->onCalendar.push_back(std::move(line));
            }
        }
        return true;
    }

  private:
    // Pins the engine's fires in [begin, end) after `from_`; returns how many.
    bool pin(Instant begin, Instant end, std::size_t* count, std::string* error) {
        std::size_t n = 0;
        Instant t = std::max(begin - seconds{1}, from_);
        while (true) {
            const auto fire = cron_.nextAfter(t, zone_);
            if (!fire || *fire >= end) break;
            pinned_.insert(*fire);
            ++n;
            if (pinned_.size() > kMaxPinnedFires) {
                if (error) {
                    *error = "cron '" + cron_.toString() + "' fires too often around the DST " +
                             "changes of " + zone_.name() + " to write them as dated lines";
                }
                return false;
            }
            t = *fire;
        }
        *count = n;
        return true;
    }

    Instant dayStart(Int localDay) const {
        return zone_.fromLocal(date::local_seconds{seconds{localDay * kSecondsPerDay}});
    }

    std::string describe(const Transition& t) const {
        const Int day = floorDiv((t.at + t.before).time_since_epoch().count(), kSecondsPerDay);
        const Int oldWall = (t.at + t.before).time_since_epoch().count();
        const Int newWall = (t.at + t.after).time_since_epoch().count();
        return zone_.name() + (t.springsForward() ? " springs forward" : " falls back") + " on " +
               isoDate(day) + " (" + wallClock(oldWall) + " " + offsetText(t.before) + " becomes " +
               wallClock(newWall) + " " + offsetText(t.after) + ")";
    }

    bool compensate(SystemdCalendar* out, std::string* error) {
        const Instant coveredUntil = from_ + horizon_;
        const Instant calendarEnd{
            date::sys_days{date::year{kLastYear + 1} / 1 / 1}.time_since_epoch()};
        TimeZone::Segment segment = zone_.segmentAt(from_ - seconds{2 * kSecondsPerDay});
        // Two changes a year until systemd's last year, with room to spare.
        for (int step = 0; step < 4 * kYearCount && segment.end <= calendarEnd; ++step) {
            const TimeZone::Segment next = zone_.segmentAt(segment.end);
            const Transition t{segment.end, segment.offset, next.offset};
            segment = next;
            if (t.before == t.after || !touches(cron_, t)) continue;
            // A change counts as covered when its disturbance starts within the horizon, so
            // validUntil always lies beyond from + horizon.
            const Instant disturbed = dayStart(affectedLocalDays(t).first);
            if (disturbed > coveredUntil) {
                out->validUntil = disturbed;
                out->notes.push_back("valid until " + formatIso8601(*out->validUntil, zone_) +
                                     ": re-translate before " + describe(t));
                return true;
            }
            std::size_t count = 0;
            if (t.springsForward() || cron_.isIntervalBased()) {
                // A fall-back: both passes of the repeated hour. A plain gap: its end, where the
                // engine fires the skipped times. Another gap: the first fire from its end on,
                // which revives a line that failed in the gap (any fire before it, systemd finds).
                Instant begin = t.at - t.shift();
                Instant end = t.at + t.shift();
                if (t.springsForward()) {
                    begin = t.at;
                    const auto first = isPlainGap(t) ? std::optional<Instant>(t.at)
                                                     : cron_.nextAfter(t.at - seconds{1}, zone_);
                    end = first ? *first + seconds{1} : t.at;
                }
                if (!pin(begin, end, &count, error)) return false;
                if (count == 0) continue;  // all before `from`
                out->notes.push_back("DST: " + describe(t) + ": " + fires(count) +
                                     " pinned by dated UTC lines");
            } else {
                const auto [first, last] = affectedLocalDays(t);
                if (!pin(dayStart(first), dayStart(last + 1), &count, error)) return false;
                if (dayStart(last + 1) <= from_) continue;
                std::string days = isoDate(first);
                for (Int d = first + 1; d <= last; ++d) days += ", " + isoDate(d);
                for (Int d = first; d <= last; ++d) excludedDays_.insert(d);
                out->notes.push_back("DST: " + describe(t) + ": the zoned lines skip " + days +
                                     " (local); dated UTC lines carry its " + fires(count));
            }
        }
        return true;
    }

    // The rules without the excluded local days: the rest of the affected years, the rest of
    // the affected months, and the remaining days of those months spelled out.
    std::vector<DayRule> restricted(const std::vector<DayRule>& rules) const {
        if (excludedDays_.empty()) return rules;
        std::map<int, std::map<int, std::uint32_t>> excluded;  // year -> month -> days
        YearSet affectedYears;
        for (Int dayNumber : excludedDays_) {
            const auto ymd = civilOfDay(dayNumber);
            if (!inSystemdYears(yearOf(ymd))) continue;
            excluded[yearOf(ymd)][monthOf(ymd)] |= 1u << dayOf(ymd);
            affectedYears.set(yearOf(ymd) - kFirstYear);
        }
        std::vector<DayRule> out;
        std::map<std::pair<int, int>, std::uint32_t> remainingDays;
        for (const DayRule& rule : rules) {
            DayRule otherYears = rule;
            otherYears.years &= ~affectedYears;
            if (otherYears.years.any()) out.push_back(otherYears);
            for (const auto& [year, months] : excluded) {
                if (!rule.years.test(year - kFirstYear)) continue;
                DayRule otherMonths = rule;
                otherMonths.years.reset();
                otherMonths.years.set(year - kFirstYear);
                for (const auto& [month, days] : months) {
                    otherMonths.months &= static_cast<std::uint16_t>(~(1u << month));
                    std::uint32_t& remaining = remainingDays[{year, month}];
                    for (int d = 1; d <= daysInMonth(year, month); ++d) {
                        if (!((days >> d) & 1u) && ruleMatches(rule, year, month, d)) {
                            remaining |= 1u << d;
                        }
                    }
                }
                if (otherMonths.months) out.push_back(otherMonths);
            }
        }
        for (const auto& [yearMonth, days] : remainingDays) {
            if (days == 0) continue;
            DayRule rule = singleDay(yearMonth.first, yearMonth.second, 1);
            rule.days = days;
            out.push_back(rule);
        }
        return out;
    }

    const CronExpression& cron_;
    const TimeZone& zone_;
    Instant from_;
    seconds horizon_;
    std::set<Instant> pinned_;
    std::set<Int> excludedDays_;  // local day numbers
};

bool zoneNameForSystemd(const Schedule& schedule, std::string* text, std::string* error) {
    const TimeZone& zone = schedule.timeZone();
    if (zone.isUtc()) {
        *text = "UTC";
        return true;
    }
    const std::string& name = zone.name();
    const bool safe = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '_' || c == '+' || c == '-';
    });
    if (!safe) {
        if (error) {
            *error = "time zone '" + printableForMessage(name) +
                     "' cannot be written into OnCalendar=: only letters, digits and / _ + - "
                     "are allowed";
        }
        return false;
    }
    if (name.find('/') == std::string::npos) {
        if (error) {
            *error = "time zone '" + name +
                     "' has no Area/Location form; systemd reads a bare name that equals the "
                     "machine's own zone abbreviation (CET, EST, ...) as local time, so use e.g. "
                     "Europe/Paris or America/New_York";
        }
        return false;
    }
    *text = name;
    return true;
}

bool translateEvery(seconds period, SystemdCalendar* out, std::string* error) {
    const Int p = period.count();
    const std::string shown = formatDuration(std::chrono::duration_cast<Milliseconds>(period));
    if (p == kSecondsPerWeek) {
        // The epoch, 1970-01-01, was a Thursday.
        out->onCalendar.push_back("Thu *-*-* 00:00:00 UTC");
        return true;
    }
    if (p <= 0 || kSecondsPerDay % p != 0) {
        if (error) {
            *error = "every " + shown +
                     " cannot be expressed as systemd calendar events: systemd repeats within a "
                     "day, so the period must divide 24h (or be 7d); use a cron schedule or such "
                     "a period";
        }
        return false;
    }
    std::vector<int> times;
    for (Int t = 0; t < kSecondsPerDay; t += p) times.push_back(static_cast<int>(t));
    const std::vector<TimeOfDay> patterns = timesOfDay(times);
    if (patterns.size() > kMaxEveryLines) {
        if (error) {
            *error = "every " + shown + " would need " + std::to_string(patterns.size()) +
                     " OnCalendar= lines; use a period that divides an hour or a minute evenly";
        }
        return false;
    }
    for (const TimeOfDay& time : patterns) {
        out->onCalendar.push_back(renderLine({DayRule(), time}, "UTC"));
    }
    return true;
}

bool translateAt(Instant at, Instant from, SystemdCalendar* out, std::string* error) {
    const Int count = at.time_since_epoch().count();
    const Int day = floorDiv(count, kSecondsPerDay);
    const auto ymd = civilOfDay(day);
    if (!inSystemdYears(yearOf(ymd))) {
        if (error) {
            *error =
                "at " + formatIso8601Utc(at) + " is outside systemd's calendar (years 1970-2199)";
        }
        return false;
    }
    const int s = static_cast<int>(count - day * kSecondsPerDay);
    const TimeOfDay time{1u << (s / 3600), std::uint64_t{1} << (s / 60 % 60),
                         std::uint64_t{1} << (s % 60)};
    out->onCalendar.push_back(
        renderLine({singleDay(yearOf(ymd), monthOf(ymd), dayOf(ymd)), time}, "UTC"));
    if (at <= from) out->notes.push_back("at " + formatIso8601Utc(at) + " has already passed");
    return true;
}

}  // namespace

std::optional<SystemdCalendar> translateToSystemd(const Schedule& schedule, Instant from,
                                                  std::string* error) {
    return translateToSystemd(schedule, from, kSystemdDstHorizon, error);
}

std::optional<SystemdCalendar> translateToSystemd(const Schedule& schedule, Instant from,
                                                  seconds horizon, std::string* error) {
    SystemdCalendar out;
    switch (schedule.kind()) {
        case Schedule::Kind::None:
            if (error)
                *error = "a schedule of kind none never fires by itself: nothing to translate";
            return std::nullopt;
        case Schedule::Kind::Every:
            if (!translateEvery(schedule.period(), &out, error)) return std::nullopt;
            return out;
        case Schedule::Kind::At:
            if (!translateAt(schedule.at(), from, &out, error)) return std::nullopt;
            return out;
        case Schedule::Kind::Cron: {
            std::string zone;
            if (!zoneNameForSystemd(schedule, &zone, error)) return std::nullopt;
            CronTranslator translator(schedule, from, horizon);
            if (!translator.translate(zone, &out, error)) return std::nullopt;
            return out;
        }
    }
    return std::nullopt;
}

}  // namespace belfry::schedule
