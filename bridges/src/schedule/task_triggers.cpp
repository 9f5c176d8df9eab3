// Schedule -> Task Scheduler triggers (the contract is in task_triggers.h).
//
// A cron translation works in one window [from, validUntil) in which the zone's UTC offset is
// constant, so local wall-clock time and UTC differ by a fixed amount:
//  1. The local times of day are split into arithmetic runs (one trigger time + Repetition each).
//  2. A run starting at local time t0 starts at UTC time-of-day u0 on UTC day U = local day +
//     shift (shift = -1, 0 or +1 when t0 - offset leaves the day); its repetitions may cross a
//     UTC midnight, which Task Scheduler's repetition does not care about.
//  3. The UTC days on which the run starts are a day set; it is covered with Task Scheduler's
//     day patterns ("atoms": every day, a weekday, day d or Last of month m, week k or Last
//     week of weekday w in month m). An atom may be used only if every day it names within the
//     range is in the set, checked day by day; without validUntil the range is 28 consecutive
//     years (2001-2028), which holds every Gregorian year type, and membership of a day
//     depends only on its year type, so that check stands for all years. Atoms valid in every
//     year are preferred to atoms valid only within the window, which spell out dates.
//  4. Occurrences that straddle the window's ends become TimeTriggers with a repetition, so no
//     calendar trigger has to be cut in the middle of a repetition.
//  5. Day sets no atom can name in every year get a window up to the next 1 January, in which
//     each month occurs once, so plain Monthly atoms always suffice.
#include "belfry/schedule/task_triggers.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include <date/date.h>

#include "belfry/duration.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using Int = std::int64_t;
using std::chrono::seconds;

constexpr Int kDay = 86400;
constexpr Int kHour = 3600;
constexpr Int kMinRepetition = 60;         // Task Scheduler's smallest repetition interval
constexpr Int kMaxRepetition = 31 * kDay;  // and its largest
constexpr Int kMaxDaysInterval = 365;
constexpr Int kLastWeek = 5;  // index of "Last" among the weeks of a month

Int floorDiv(Int a, Int b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
Int ceilDiv(Int a, Int b) {
    return -floorDiv(-a, b);
}
Int floorMod(Int a, Int b) {
    return a - floorDiv(a, b) * b;
}
Int secondsOf(Instant t) {
    return t.time_since_epoch().count();
}
Instant instantOf(Int count) {
    return Instant{seconds{count}};
}

struct Civil {
    int year;
    int month;
    int day;
    int length;   // days in the month
    int weekday;  // Sunday = 0
};

Civil civilOf(Int days) {
    const date::sys_days sd{date::days{days}};
    const date::year_month_day ymd{sd};
    const auto last = (ymd.year() / ymd.month() / date::last).day();
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day())),
            static_cast<int>(static_cast<unsigned>(last)),
            static_cast<int>(date::weekday{sd}.c_encoding())};
}

Int daysOf(int year, int month, int day) {
    return date::sys_days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                          date::day{static_cast<unsigned>(day)}}
        .time_since_epoch()
        .count();
}

// Civil dates of consecutive days without a calendar conversion per day.
std::vector<Civil> civilRange(Int first, Int last) {
    std::vector<Civil> days;
    if (last < first) return days;
    days.reserve(static_cast<std::size_t>(last - first + 1));
    Civil c = civilOf(first);
    for (Int d = first; d <= last; ++d) {
        days.push_back(c);
        c.weekday = (c.weekday + 1) % 7;
        if (++c.day > c.length) {
            c.day = 1;
            if (++c.month > 12) {
                c.month = 1;
                ++c.year;
            }
            c.length = civilOf(d + 1).length;
        }
    }
    return days;
}

// The stand-in for "all years": every Gregorian year type occurs in 2001-2028.
const Int kProxyFirst = daysOf(2001, 1, 1);
const Int kProxyLast = daysOf(2028, 12, 31);

int bitCount(std::uint64_t bits) {
    return __builtin_popcountll(bits);
}

// ---------------------------------------------------------------------------------------------
// Times of day

// first, first + step, ... (count values); step is meaningless when count is 1.
struct Progression {
    Int first;
    Int step;
    Int count;
};

// Splits a set of small integers (bits below `size`) into arithmetic progressions, greedily
// taking the longest progression that starts at the smallest remaining value.
std::vector<Progression> greedyProgressions(std::uint64_t bits, int size) {
    std::vector<Progression> out;
    while (bits) {
        const int first = __builtin_ctzll(bits);
        Progression best{first, 1, 1};
        for (int step = 1; first + step < size; ++step) {
            Int count = 1;
            while (first + count * step < size && ((bits >> (first + count * step)) & 1u)) {
                ++count;
            }
            if (count > best.count) best = {first, step, count};
        }
        for (Int i = 0; i < best.count; ++i) bits &= ~(std::uint64_t{1} << (first + i * best.step));
        out.push_back(best);
    }
    return out;
}

// Maximal blocks of consecutive values, as progressions of step 1.
std::vector<Progression> contiguousBlocks(std::uint64_t bits, int size) {
    std::vector<Progression> out;
    for (int v = 0; v < size;) {
        if (((bits >> v) & 1u) == 0) {
            ++v;
            continue;
        }
        int end = v;
        while (end + 1 < size && ((bits >> (end + 1)) & 1u)) ++end;
        out.push_back({v, 1, end - v + 1});
        v = end + 1;
    }
    return out;
}

// A run of local times of day in seconds: start, start + step, ...; all within one day
// (start + (count - 1) * step < kDay) except after rotate(), which needs every day to match.
using Run = Progression;

// The runs for one progression `a` of seconds within the hour combined with one progression
// `h` of hours: one run when either has a single value or `a` fills the hour seamlessly and the
// hours are consecutive, else one run per value of the shorter of the two.
void appendRuns(const Progression& a, const Progression& h, std::vector<Run>* runs) {
    const bool fillsHour = a.count > 1 && a.count * a.step == kHour;
    const Int base = h.first * kHour + a.first;
    if (h.count == 1) {
        runs->push_back({base, a.step, a.count});
    } else if (a.count == 1) {
        runs->push_back({base, h.step * kHour, h.count});
    } else if (h.step == 1 && fillsHour) {
        runs->push_back({base, a.step, a.count * h.count});
    } else if (a.count <= h.count) {
        for (Int i = 0; i < a.count; ++i)
            runs->push_back({base + i * a.step, h.step * kHour, h.count});
    } else {
        for (Int j = 0; j < h.count; ++j)
            runs->push_back({base + j * h.step * kHour, a.step, a.count});
    }
}

// Seconds x minutes x hours as runs whose step is at least a minute: per second value, the
// minutes as progressions (steps in whole minutes), each combined with the hours split either
// into longest progressions or into consecutive blocks, whichever needs fewer runs.
std::vector<Run> timeRuns(const CronFields& f) {
    const auto hoursGreedy = greedyProgressions(f.hours, 24);
    const auto hoursBlocks = contiguousBlocks(f.hours, 24);
    std::vector<Run> runs;
    for (int second = 0; second < 60; ++second) {
        if (((f.seconds >> second) & 1u) == 0) continue;
        for (const Progression& m : greedyProgressions(f.minutes, 60)) {
            const Progression a{m.first * 60 + second, m.step * 60, m.count};
            std::vector<Run> viaGreedy;
            std::vector<Run> viaBlocks;
            for (const Progression& h : hoursGreedy) appendRuns(a, h, &viaGreedy);
            for (const Progression& h : hoursBlocks) appendRuns(a, h, &viaBlocks);
            const auto& best = viaBlocks.size() < viaGreedy.size() ? viaBlocks : viaGreedy;
            runs.insert(runs.end(), best.begin(), best.end());
        }
    }
    std::sort(runs.begin(), runs.end(),
              [](const Run& x, const Run& y) { return x.first < y.first; });
    return runs;
}

// ---------------------------------------------------------------------------------------------
// Days

// A day pattern of one trigger: a TaskTrigger with its kind and day fields set, no times.
using DayPattern = TaskTrigger;

bool patternMatches(const DayPattern& p, const Civil& c) {
    switch (p.kind) {
        case TaskTrigger::Kind::Time:
            return false;
        case TaskTrigger::Kind::Daily:
            return true;
        case TaskTrigger::Kind::Weekly:
            return ((p.daysOfWeek >> c.weekday) & 1u) != 0;
        case TaskTrigger::Kind::Monthly:
            return ((p.months >> c.month) & 1u) != 0 && (((p.daysOfMonth >> c.day) & 1u) != 0 ||
                                                         (p.lastDayOfMonth && c.day == c.length));
        case TaskTrigger::Kind::MonthlyDayOfWeek:
            return ((p.months >> c.month) & 1u) != 0 && ((p.daysOfWeek >> c.weekday) & 1u) != 0 &&
                   ((c.day <= 28 && ((p.weeksOfMonth >> ((c.day - 1) / 7 + 1)) & 1u) != 0) ||
                    (p.lastWeekOfMonth && c.day > c.length - 7));
    }
    return false;
}

struct DayRecord {
    Civil civil;
    bool in;
};

// Which atoms name only days of the set, over the range of records.
struct AtomValidity {
    bool daily = true;
    bool any = false;
    std::array<bool, 13> monthInRange{};
    std::array<bool, 7> weekly{};
    std::array<std::array<bool, 32>, 13> monthDay{};                 // [month][day], [m][0] Last
    std::array<std::array<std::array<bool, 7>, 6>, 13> monthWeek{};  // [month][week 1-5][weekday]

    explicit AtomValidity(const std::vector<DayRecord>& days) {
        weekly.fill(true);
        for (auto& m : monthDay) m.fill(true);
        for (auto& m : monthWeek) {
            for (auto& w : m) w.fill(true);
        }
        for (const DayRecord& r : days) {
            monthInRange[r.civil.month] = true;
            if (r.in) {
                any = true;
                continue;
            }
            const Civil& c = r.civil;
            daily = false;
            weekly[c.weekday] = false;
            monthDay[c.month][c.day] = false;
            if (c.day == c.length) monthDay[c.month][0] = false;
            if (c.day <= 28) monthWeek[c.month][(c.day - 1) / 7 + 1][c.weekday] = false;
            if (c.day > c.length - 7) monthWeek[c.month][kLastWeek][c.weekday] = false;
        }
    }

    // Day-of-month set: bit 0 = Last, bits 1-31 = days.
    bool monthlyValid(std::uint32_t set, int month) const {
        for (int b = 0; b < 32; ++b) {
            if (((set >> b) & 1u) && !monthDay[month][b]) return false;
        }
        return true;
    }
    // Weeks: bits 1-5 (5 = Last); weekdays: bits 0-6.
    bool weeklyInMonthValid(std::uint32_t weeks, std::uint32_t weekdays, int month) const {
        for (int k = 1; k <= kLastWeek; ++k) {
            if (((weeks >> k) & 1u) == 0) continue;
            for (int w = 0; w < 7; ++w) {
                if (((weekdays >> w) & 1u) && !monthWeek[month][k][w]) return false;
            }
        }
        return true;
    }
};

enum class Family { Weekly, Monthly, MonthlyDayOfWeek };

// Monthly triggers for the chosen day-of-month sets per month: months with equal sets share a
// trigger, sets are merged while every month of the merge allows the union, and months of the
// range that need nothing join the first trigger they allow (so `0 0 31 * *` lists all twelve
// months; a month outside a bounded range is left out rather than named for nothing).
std::vector<DayPattern> monthlyPatterns(const std::array<std::uint32_t, 13>& sets,
                                        const AtomValidity& valid) {
    struct Group {
        std::uint32_t set;
        std::uint16_t months;
    };
    std::vector<Group> groups;
    for (int m = 1; m <= 12; ++m) {
        if (!sets[m]) continue;
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const Group& g) { return g.set == sets[m]; });
        if (it == groups.end()) {
            groups.push_back({sets[m], static_cast<std::uint16_t>(1u << m)});
        } else {
            it->months |= static_cast<std::uint16_t>(1u << m);
        }
    }
    auto allows = [&](std::uint32_t set, std::uint16_t months) {
        for (int m = 1; m <= 12; ++m) {
            if (((months >> m) & 1u) && !valid.monthlyValid(set, m)) return false;
        }
        return true;
    };
    for (bool merged = true; merged;) {
        merged = false;
        for (std::size_t i = 0; i < groups.size() && !merged; ++i) {
            for (std::size_t j = i + 1; j < groups.size() && !merged; ++j) {
                const std::uint32_t set = groups[i].set | groups[j].set;
                const auto months = static_cast<std::uint16_t>(groups[i].months | groups[j].months);
                if (allows(set, months)) {
                    groups[i] = {set, months};
                    groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(j));
                    merged = true;
                }
            }
        }
    }
    for (int m = 1; m <= 12; ++m) {
        if (sets[m] || !valid.monthInRange[m]) continue;
        for (Group& g : groups) {
            if (valid.monthlyValid(g.set, m)) {
                g.months |= static_cast<std::uint16_t>(1u << m);
                break;
            }
        }
    }
    std::vector<DayPattern> out;
    for (const Group& g : groups) {
        DayPattern p;
        p.kind = TaskTrigger::Kind::Monthly;
        p.daysOfMonth = g.set & ~1u;
        p.lastDayOfMonth = (g.set & 1u) != 0;
        p.months = g.months;
        out.push_back(p);
    }
    return out;
}

// MonthlyDOW triggers for the chosen (week, weekday) pairs per month. A trigger names weeks x
// weekdays, so each month's pairs are first grouped into such products.
std::vector<DayPattern> monthlyDayOfWeekPatterns(const std::array<std::uint64_t, 13>& pairs,
                                                 const AtomValidity& valid) {
    struct Product {
        std::uint32_t weeks;
        std::uint32_t weekdays;
        std::uint16_t months;
    };
    std::vector<Product> products;
    for (int m = 1; m <= 12; ++m) {
        std::array<std::uint32_t, 7> weeksOf{};
        for (int w = 0; w < 7; ++w) {
            for (int k = 1; k <= kLastWeek; ++k) {
                if ((pairs[m] >> (k * 7 + w)) & 1u) weeksOf[w] |= 1u << k;
            }
        }
        for (int w = 0; w < 7; ++w) {
            if (!weeksOf[w]) continue;
            std::uint32_t weekdays = 0;
            for (int v = w; v < 7; ++v) {
                if (weeksOf[v] == weeksOf[w]) weekdays |= 1u << v;
            }
            const std::uint32_t weeks = weeksOf[w];
            for (int v = w; v < 7; ++v) {
                if ((weekdays >> v) & 1u) weeksOf[v] = 0;
            }
            auto it = std::find_if(products.begin(), products.end(), [&](const Product& p) {
                return p.weeks == weeks && p.weekdays == weekdays;
            });
            if (it == products.end()) {
                products.push_back({weeks, weekdays, static_cast<std::uint16_t>(1u << m)});
            } else {
                it->months |= static_cast<std::uint16_t>(1u << m);
            }
        }
    }
    auto allows = [&](std::uint32_t weeks, std::uint32_t weekdays, std::uint16_t months) {
        for (int m = 1; m <= 12; ++m) {
            if (((months >> m) & 1u) && !valid.weeklyInMonthValid(weeks, weekdays, m)) return false;
        }
        return true;
    };
    for (bool merged = true; merged;) {
        merged = false;
        for (std::size_t i = 0; i < products.size() && !merged; ++i) {
            for (std::size_t j = i + 1; j < products.size() && !merged; ++j) {
                Product& a = products[i];
                const Product& b = products[j];
                Product joined = a;
                if (a.months == b.months && a.weekdays == b.weekdays) {
                    joined.weeks |= b.weeks;
                } else if (a.months == b.months && a.weeks == b.weeks) {
                    joined.weekdays |= b.weekdays;
                } else if (a.weeks == b.weeks && a.weekdays == b.weekdays) {
                    joined.months |= b.months;
                } else {
                    continue;
                }
                if (allows(joined.weeks, joined.weekdays, joined.months)) {
                    a = joined;
                    products.erase(products.begin() + static_cast<std::ptrdiff_t>(j));
                    merged = true;
                }
            }
        }
    }
    for (int m = 1; m <= 12; ++m) {
        if (pairs[m] || !valid.monthInRange[m]) continue;
        for (Product& p : products) {
            if (valid.weeklyInMonthValid(p.weeks, p.weekdays, m)) {
                p.months |= static_cast<std::uint16_t>(1u << m);
                break;
            }
        }
    }
    std::vector<DayPattern> out;
    for (const Product& p : products) {
        DayPattern d;
        d.kind = TaskTrigger::Kind::MonthlyDayOfWeek;
        d.weeksOfMonth = static_cast<std::uint8_t>(p.weeks & 0x1Eu);
        d.lastWeekOfMonth = ((p.weeks >> kLastWeek) & 1u) != 0;
        d.daysOfWeek = static_cast<std::uint8_t>(p.weekdays);
        d.months = p.months;
        out.push_back(d);
    }
    return out;
}

// One step of a cover: a family of atoms, and the validity that admits them.
struct CoverStep {
    Family family;
    const AtomValidity* valid;
};

// One way to cover the days: step by step, each family taking the atoms its validity admits
// that name a day still uncovered (Monthly preferring a plain day or Last, MonthlyDOW a
// numbered week or Last, as the flags say). `range` is the validity of the days themselves,
// which decides how the atoms may be grouped into triggers. Nullopt when a day is left over.
std::optional<std::vector<DayPattern>> coverWith(const std::vector<DayRecord>& days,
                                                 const std::vector<CoverStep>& steps,
                                                 const AtomValidity& range, bool lastDayFirst,
                                                 bool lastWeekFirst) {
    std::vector<char> open(days.size());
    for (std::size_t i = 0; i < days.size(); ++i) open[i] = days[i].in;
    std::uint32_t weekdays = 0;
    std::array<std::uint32_t, 13> monthSets{};
    std::array<std::uint64_t, 13> weekPairs{};
    for (const CoverStep& step : steps) {
        const AtomValidity& valid = *step.valid;
        for (std::size_t i = 0; i < days.size(); ++i) {
            if (!open[i]) continue;
            const Civil& c = days[i].civil;
            switch (step.family) {
                case Family::Weekly:
                    if (valid.weekly[c.weekday]) weekdays |= 1u << c.weekday;
                    break;
                case Family::Monthly: {
                    const bool plain = valid.monthDay[c.month][c.day];
                    const bool last = c.day == c.length && valid.monthDay[c.month][0];
                    if (last && (lastDayFirst || !plain)) {
                        monthSets[c.month] |= 1u;
                    } else if (plain) {
                        monthSets[c.month] |= 1u << c.day;
                    }
                    break;
                }
                case Family::MonthlyDayOfWeek: {
                    const int week = c.day <= 28 ? (c.day - 1) / 7 + 1 : 0;
                    const bool numbered = week > 0 && valid.monthWeek[c.month][week][c.weekday];
                    const bool last =
                        c.day > c.length - 7 && valid.monthWeek[c.month][kLastWeek][c.weekday];
                    if (last && (lastWeekFirst || !numbered)) {
                        weekPairs[c.month] |= std::uint64_t{1} << (kLastWeek * 7 + c.weekday);
                    } else if (numbered) {
                        weekPairs[c.month] |= std::uint64_t{1} << (week * 7 + c.weekday);
                    }
                    break;
                }
            }
        }
        // Whatever the chosen atoms name is covered, not only the day that chose them.
        for (std::size_t i = 0; i < days.size(); ++i) {
            if (!open[i]) continue;
            const Civil& c = days[i].civil;
            const std::uint64_t pairs = weekPairs[c.month];
            const bool covered =
                ((weekdays >> c.weekday) & 1u) || ((monthSets[c.month] >> c.day) & 1u) ||
                ((monthSets[c.month] & 1u) && c.day == c.length) ||
                (c.day <= 28 && ((pairs >> (((c.day - 1) / 7 + 1) * 7 + c.weekday)) & 1u)) ||
                (c.day > c.length - 7 && ((pairs >> (kLastWeek * 7 + c.weekday)) & 1u));
            if (covered) open[i] = 0;
        }
    }
    if (std::find(open.begin(), open.end(), 1) != open.end()) return std::nullopt;
    std::vector<DayPattern> out;
    if (weekdays) {
        DayPattern p;
        p.kind = TaskTrigger::Kind::Weekly;
        p.daysOfWeek = static_cast<std::uint8_t>(weekdays);
        out.push_back(p);
    }
    for (const auto& p : monthlyPatterns(monthSets, range)) out.push_back(p);
    for (const auto& p : monthlyDayOfWeekPatterns(weekPairs, range)) out.push_back(p);
    return out;
}

// The fewest day patterns whose union is exactly the days of `days` that are in the set, or
// nullopt when Task Scheduler's patterns cannot name them. `always` is the validity over all
// years, for a bounded range: atoms valid in every year are tried first, as they read as the
// expression does ("the 15th", "the first Saturday"), before atoms valid only in the range
// (which spell out dates); on equal counts the first found wins.
std::optional<std::vector<DayPattern>> coverDays(const std::vector<DayRecord>& days,
                                                 const AtomValidity* always) {
    const AtomValidity range(days);
    if (!range.any) return std::vector<DayPattern>{};
    if (range.daily) {
        DayPattern p;
        p.kind = TaskTrigger::Kind::Daily;
        return std::vector<DayPattern>{p};
    }
    std::optional<std::vector<DayPattern>> best;
    auto consider = [&](const std::vector<CoverStep>& steps) {
        for (bool lastDayFirst : {false, true}) {
            for (bool lastWeekFirst : {false, true}) {
                auto cover = coverWith(days, steps, range, lastDayFirst, lastWeekFirst);
                if (cover && (!best || cover->size() < best->size())) best = std::move(cover);
            }
        }
    };
    for (const AtomValidity* first : {always, &range}) {
        if (!first) continue;
        std::array<Family, 3> order{Family::Weekly, Family::Monthly, Family::MonthlyDayOfWeek};
        do {
            std::vector<CoverStep> steps;
            for (Family f : order) steps.push_back({f, first});
            if (first != &range) {
                for (Family f : order) steps.push_back({f, &range});
            }
            consider(steps);
        } while (std::next_permutation(order.begin(), order.end()));
    }
    return best;
}

// The UTC days [first, last] with their membership: UTC day U holds a run's start when local day
// U - shift matches the expression.
std::vector<DayRecord> dayRecords(const CronExpression& cron, Int shift, Int first, Int last) {
    const std::vector<Civil> local = civilRange(first - shift, last - shift);
    const std::vector<Civil> utc = civilRange(first, last);
    std::vector<DayRecord> days;
    days.reserve(utc.size());
    for (std::size_t i = 0; i < utc.size(); ++i) {
        days.push_back({utc[i], cron.dayMatches(local[i].year, local[i].month, local[i].day)});
    }
    return days;
}

// The first day in [first, last] the pattern names, looked up a year at a time.
std::optional<Int> firstMatchingDay(const DayPattern& pattern, Int first, Int last) {
    for (Int chunk = first; chunk <= last; chunk += 366) {
        Int day = chunk;
        for (const Civil& c : civilRange(chunk, std::min(last, chunk + 365))) {
            if (patternMatches(pattern, c)) return day;
            ++day;
        }
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Cron

std::string formatOffset(seconds offset) {
    const Int total = offset.count();
    const Int magnitude = total < 0 ? -total : total;
    char text[16];
    std::snprintf(text, sizeof text, "UTC%c%02d:%02d", total < 0 ? '-' : '+',
                  static_cast<int>(magnitude / 3600), static_cast<int>(magnitude / 60 % 60));
    return text;
}

std::string describe(const Schedule& schedule) {
    std::string text = "cron '" + schedule.cron()->toString() + "'";
    if (schedule.hasExplicitTimeZone()) text += " in " + schedule.timeZone().name();
    return text;
}

TaskTrigger timeTrigger(Int start, Int step, Int count) {
    TaskTrigger t;
    t.kind = TaskTrigger::Kind::Time;
    t.startBoundary = instantOf(start);
    if (count > 1) t.repetition = TaskRepetition{seconds{step}, seconds{(count - 1) * step}, false};
    return t;
}

struct CronWindow {
    Int from;                // the translation's `from`
    Int patternStart;        // calendar patterns apply from here (after a repeated hour)
    std::optional<Int> end;  // validUntil
    seconds offset;
};

enum class CronFailure { None, Inexpressible, TooManyTriggers };

struct CronResult {
    CronFailure failure = CronFailure::None;
    std::vector<TaskTrigger> triggers;
    std::size_t runs = 0;
};

CronResult translateCronWindow(const Schedule& schedule, const CronWindow& window) {
    const CronExpression& cron = *schedule.cron();
    const Int offset = window.offset.count();
    CronResult result;

    // The fires the constant-offset pattern does not produce: at the window's start a gap fire
    // or fires before patternStart (none for the DST rule as it stands, but cheap to honour),
    // and the fire at validUntil itself.
    std::set<Int> singles;
    auto isFire = [&](Int t) {
        const auto next = schedule.nextAfter(instantOf(t - 1));
        return next && secondsOf(*next) == t;
    };
    for (auto fire = schedule.nextAfter(instantOf(window.from - 1));
         fire && secondsOf(*fire) < window.patternStart; fire = schedule.nextAfter(*fire)) {
        singles.insert(secondsOf(*fire));
        if (singles.size() > kMaxTaskTriggers) break;
    }
    if (isFire(window.from) && !cron.matches(date::local_seconds{seconds{window.from + offset}})) {
        singles.insert(window.from);
    }
    if (window.end && isFire(*window.end)) singles.insert(*window.end);
    for (Int t : singles) result.triggers.push_back(timeTrigger(t, 0, 1));

    std::vector<Run> runs = timeRuns(cron.fields());
    result.runs = runs.size();

    // Every day matching lets a run that fills the day start anywhere on its grid: start it at
    // the first fire at or after patternStart, so `*/15 * * * *` is one trigger from `from`.
    bool everyDay = true;
    for (const Civil& c : civilRange(kProxyFirst, kProxyLast)) {
        if (!cron.dayMatches(c.year, c.month, c.day)) {
            everyDay = false;
            break;
        }
    }
    if (everyDay) {
        const Int localTimeOfDay = floorMod(window.patternStart + offset, kDay);
        for (Run& run : runs) {
            if (run.count * run.step != kDay) continue;
            run.first = floorMod(
                run.first + ceilDiv(localTimeOfDay - run.first, run.step) * run.step, kDay);
        }
    }

    // Day covers depend on the shift and the range of days; runs usually share them.
    std::map<std::tuple<Int, Int, Int>, std::optional<std::vector<DayPattern>>> covers;
    std::map<Int, AtomValidity> alwaysValid;  // per shift, over all years
    auto localDayMatches = [&](Int utcDay, Int shift) {
        const Civil c = civilOf(utcDay - shift);
        return cron.dayMatches(c.year, c.month, c.day);
    };

    const bool bounded = window.end.has_value();
    const Int windowEnd = window.end.value_or(0);
    for (const Run& run : runs) {
        const Int shift = floorDiv(run.first - offset, kDay);
        const Int startOfDay = run.first - offset - shift * kDay;  // UTC time of day
        const Int span = (run.count - 1) * run.step;
        // Whole occurrences: those starting at or after patternStart and, in a bounded window,
        // ending before validUntil.
        const Int firstDay = ceilDiv(window.patternStart - startOfDay, kDay);
        const Int lastDay = bounded ? floorDiv(windowEnd - 1 - span - startOfDay, kDay)
                                    : firstDay + (kProxyLast - kProxyFirst);

        if (lastDay >= firstDay) {
            Int rangeFirst = firstDay;
            Int rangeLast = lastDay;
            if (!bounded || rangeLast - rangeFirst > kProxyLast - kProxyFirst) {
                rangeFirst = kProxyFirst;
                rangeLast = kProxyLast;
            }
            const auto key = std::make_tuple(shift, rangeFirst, rangeLast);
            auto it = covers.find(key);
            if (it == covers.end()) {
                const bool proxy = rangeFirst == kProxyFirst && rangeLast == kProxyLast;
                const AtomValidity* always = nullptr;
                if (!proxy) {
                    auto a = alwaysValid.find(shift);
                    if (a == alwaysValid.end()) {
                        a = alwaysValid
                                .emplace(shift, AtomValidity(dayRecords(cron, shift, kProxyFirst,
                                                                        kProxyLast)))
                                .first;
                    }
                    always = &a->second;
                }
                it = covers
                         .emplace(key,
                                  coverDays(dayRecords(cron, shift, rangeFirst, rangeLast), always))
                         .first;
            }
            if (!it->second) {
                result.failure = CronFailure::Inexpressible;
                return result;
            }
            for (const DayPattern& pattern : *it->second) {
                // The trigger starts on its first day in range, so its StartBoundary is a fire.
                const auto start = firstMatchingDay(pattern, firstDay, lastDay);
                if (!start) continue;
                TaskTrigger t = pattern;
                t.startBoundary = instantOf(*start * kDay + startOfDay);
                // Just after the last fire of the last whole occurrence: before validUntil, a
                // minute or more before the next occurrence, and on no fire.
                if (bounded) t.endBoundary = instantOf(lastDay * kDay + startOfDay + span + 1);
                if (run.count > 1) {
                    t.repetition = TaskRepetition{seconds{run.step}, seconds{span}, false};
                }
                result.triggers.push_back(t);
            }
        }

        // Occurrences that straddle patternStart or validUntil: their fires inside the window.
        std::set<Int> partialDays{firstDay - 1};
        if (bounded) partialDays.insert(lastDay + 1);
        for (Int day : partialDays) {
            if (day >= firstDay && day <= lastDay) continue;
            if (!localDayMatches(day, shift)) continue;
            const Int start = day * kDay + startOfDay;
            std::optional<Int> first;
            Int count = 0;
            for (Int j = 0; j < run.count; ++j) {
                const Int t = start + j * run.step;
                if (t < window.patternStart || (bounded && t >= windowEnd)) continue;
                if (!first) first = t;
                ++count;
            }
            if (first) result.triggers.push_back(timeTrigger(*first, run.step, count));
        }
        if (result.triggers.size() > kMaxTaskTriggers) {
            result.failure = CronFailure::TooManyTriggers;
            return result;
        }
    }
    return result;
}

// One window's translation, starting at `fromInstant`.
std::optional<TaskTriggers> translateCronWindowFrom(const Schedule& schedule, Instant fromInstant,
                                                    std::string* error) {
    const TimeZone& zone = schedule.timeZone();
    const Int from = secondsOf(fromInstant);
    const TimeZone::Segment segment = zone.segmentAt(fromInstant);
    CronWindow window{from, from, std::nullopt, segment.offset};
    if (!zone.isUtc() && segment.end <= kMaxInstant) window.end = secondsOf(segment.end);
    // After a fall-back, the repeated wall-clock times fired in the first pass already, unless
    // the expression is interval-based (cron.h); the pattern starts after them.
    if (!zone.isUtc() && !schedule.cron()->isIntervalBased() && segment.begin > kMinInstant) {
        const seconds previous = zone.offsetAt(segment.begin - seconds{1});
        if (previous > segment.offset) {
            window.patternStart =
                std::max(from, secondsOf(segment.begin) + (previous - segment.offset).count());
        }
    }

    TaskTriggers out;
    CronResult result = translateCronWindow(schedule, window);
    bool yearly = false;
    if (result.failure == CronFailure::Inexpressible) {
        const int year = civilOf(floorDiv(from, kDay)).year;
        const Int newYear = daysOf(year + 1, 1, 1) * kDay;
        window.end = window.end ? std::min(*window.end, newYear) : newYear;
        yearly = true;
        result = translateCronWindow(schedule, window);
    }
    if (result.failure == CronFailure::Inexpressible) {
        // Cannot happen: within a year each month is named once, and any set of days of one
        // month is a Monthly trigger. Kept as a guard against a broken invariant.
        if (error)
            *error = describe(schedule) + ": Task Scheduler's day patterns cannot express it";
        return std::nullopt;
    }
    if (result.failure == CronFailure::TooManyTriggers ||
        result.triggers.size() > kMaxTaskTriggers) {
        if (error) {
            std::string message = describe(schedule) + ": needs more than " +
                                  std::to_string(kMaxTaskTriggers) +
                                  " Task Scheduler triggers (a task holds at most " +
                                  std::to_string(kMaxTaskTriggers) + ") for the instants from " +
                                  formatIso8601Utc(fromInstant) + "; its times of day form " +
                                  std::to_string(result.runs) + " separate runs";
            if (bitCount(schedule.cron()->fields().seconds) > 1) {
                message +=
                    ", one per second value, since Task Scheduler repeats at most once a "
                    "minute";
            }
            *error = message;
        }
        return std::nullopt;
    }
    out.triggers = std::move(result.triggers);
    if (window.end) out.validUntil = instantOf(*window.end);

    if (!zone.isUtc()) {
        std::string note = zone.name() + " is at " + formatOffset(segment.offset);
        if (segment.end <= kMaxInstant) {
            note += " until " + formatIso8601Utc(segment.end) +
                    " (its next offset change); the triggers are in UTC for that offset";
        } else {
            note += " for good; the triggers are in UTC for that offset";
        }
        out.notes.push_back(note);
    }
    if (yearly) {
        out.notes.push_back(
            "no fixed Task Scheduler day pattern names these days in every year, so they are "
            "spelled out up to " +
            formatIso8601Utc(*out.validUntil));
    }
    if (out.validUntil) {
        out.notes.push_back("register the translation from " + formatIso8601Utc(*out.validUntil) +
                            " before then");
    }
    return out;
}

// A translation whose validUntil comes within a year is checked against the translations that
// follow it in that year, so that a schedule accepted today does not fail at its next
// re-registration (a later DST period, or a full year of spelled-out days, may need more
// triggers than the rest of this one).
std::optional<TaskTriggers> translateCron(const Schedule& schedule, Instant from,
                                          std::string* error) {
    auto out = translateCronWindowFrom(schedule, from, error);
    if (!out) return out;
    const Instant horizon = from + seconds{366 * kDay};
    for (std::optional<Instant> next = out->validUntil; next && *next < horizon;) {
        const auto later = translateCronWindowFrom(schedule, *next, error);
        if (!later) return std::nullopt;
        if (later->validUntil && *later->validUntil <= *next) break;  // cannot happen; no loop
        next = later->validUntil;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// every, at

std::optional<TaskTriggers> translateEvery(const Schedule& schedule, Instant fromInstant,
                                           std::string* error) {
    const Int period = schedule.period().count();
    const std::string name =
        "every " + formatDuration(std::chrono::duration_cast<Milliseconds>(schedule.period()));
    auto fail = [&](const std::string& why) -> std::optional<TaskTriggers> {
        if (error) *error = name + ": " + why;
        return std::nullopt;
    };
    if (period < kMinRepetition) {
        return fail("Task Scheduler cannot repeat a task more often than once a minute");
    }
    const Int first = ceilDiv(secondsOf(fromInstant), period) * period;
    if (instantOf(first) > kMaxInstant) return TaskTriggers{};
    TaskTrigger t;
    t.startBoundary = instantOf(first);
    TaskTriggers out;
    if (kDay % period == 0) {
        t.kind = TaskTrigger::Kind::Daily;
        if (period < kDay)
            t.repetition = TaskRepetition{seconds{period}, seconds{kDay - period}, false};
    } else if (period % kDay == 0 && period / kDay <= kMaxDaysInterval) {
        t.kind = TaskTrigger::Kind::Daily;
        t.daysInterval = static_cast<int>(period / kDay);
    } else if (period <= kMaxRepetition) {
        t.kind = TaskTrigger::Kind::Time;
        t.repetition = TaskRepetition{seconds{period}, std::nullopt, false};
        out.notes.push_back(name +
                            " does not divide a day: one TimeTrigger repeating indefinitely");
    } else {
        return fail(
            "Task Scheduler repeats at most every 31 days, and counts whole days only up to 365");
    }
    out.triggers.push_back(t);
    return out;
}

}  // namespace

bool operator==(const TaskTrigger& a, const TaskTrigger& b) {
    return a.kind == b.kind && a.startBoundary == b.startBoundary &&
           a.endBoundary == b.endBoundary && a.repetition == b.repetition &&
           a.daysInterval == b.daysInterval && a.weeksInterval == b.weeksInterval &&
           a.daysOfWeek == b.daysOfWeek && a.daysOfMonth == b.daysOfMonth &&
           a.lastDayOfMonth == b.lastDayOfMonth && a.weeksOfMonth == b.weeksOfMonth &&
           a.lastWeekOfMonth == b.lastWeekOfMonth && a.months == b.months;
}

std::optional<TaskTriggers> translateToTaskScheduler(const Schedule& schedule, Instant from,
                                                     std::string* error) {
    if (from < kMinInstant || from > kMaxInstant) {
        if (error) *error = "translation start " + formatIso8601Utc(from) + " is out of range";
        return std::nullopt;
    }
    std::optional<TaskTriggers> out;
    switch (schedule.kind()) {
        case Schedule::Kind::None:
            out = TaskTriggers{};
            out->notes.push_back("no schedule: the task runs only when asked");
            break;
        case Schedule::Kind::At:
            out = TaskTriggers{};
            if (schedule.at() >= from) {
                TaskTrigger t;
                t.startBoundary = schedule.at();
                out->triggers.push_back(t);
            } else {
                out->notes.push_back(schedule.toString() + " is before " + formatIso8601Utc(from) +
                                     ": nothing left to trigger");
            }
            break;
        case Schedule::Kind::Every:
            out = translateEvery(schedule, from, error);
            break;
        case Schedule::Kind::Cron:
            out = translateCron(schedule, from, error);
            break;
    }
    if (out) {
        std::stable_sort(out->triggers.begin(), out->triggers.end(),
                         [](const TaskTrigger& a, const TaskTrigger& b) {
                             return a.startBoundary < b.startBoundary;
                         });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// XML

namespace {

std::string xmlDuration(seconds duration) {
    Int s = duration.count();
    const Int days = s / kDay;
    s %= kDay;
    std::string text = "P";
    if (days) text += std::to_string(days) + "D";
    if (s || !days) {
        text += "T";
        if (s / 3600) text += std::to_string(s / 3600) + "H";
        if (s / 60 % 60) text += std::to_string(s / 60 % 60) + "M";
        if (s % 60 || s == 0) text += std::to_string(s % 60) + "S";
    }
    return text;
}

// XML comments may not contain "--".
std::string commentText(std::string text) {
    for (std::size_t i = text.find("--"); i != std::string::npos; i = text.find("--", i)) {
        text.replace(i, 2, "- -");
    }
    return text;
}

const char* const kWeekdayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
const char* const kMonthNames[] = {"",        "January",  "February", "March",  "April",
                                   "May",     "June",     "July",     "August", "September",
                                   "October", "November", "December"};

void emptyElements(std::string* xml, const std::string& indent, const char* container,
                   std::uint32_t bits, const char* const* names, int first, int last) {
    *xml += indent + "<" + container + ">\n";
    for (int i = first; i <= last; ++i) {
        if ((bits >> i) & 1u) *xml += indent + "  <" + names[i] + " />\n";
    }
    *xml += indent + "</" + container + ">\n";
}

}  // namespace

std::string toTriggersXml(const TaskTriggers& triggers) {
    std::string xml =
        "<Triggers xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n";
    if (triggers.validUntil) {
        xml += "  <!-- valid until " + formatIso8601Utc(*triggers.validUntil) + " -->\n";
    }
    for (const std::string& note : triggers.notes) {
        xml += "  <!-- " + commentText(note) + " -->\n";
    }
    for (const TaskTrigger& t : triggers.triggers) {
        const bool calendar = t.kind != TaskTrigger::Kind::Time;
        const std::string element = calendar ? "CalendarTrigger" : "TimeTrigger";
        xml += "  <" + element + ">\n";
        xml += "    <StartBoundary>" + formatIso8601Utc(t.startBoundary) + "</StartBoundary>\n";
        if (t.endBoundary) {
            xml += "    <EndBoundary>" + formatIso8601Utc(*t.endBoundary) + "</EndBoundary>\n";
        }
        if (t.repetition) {
            xml += "    <Repetition>\n";
            xml += "      <Interval>" + xmlDuration(t.repetition->interval) + "</Interval>\n";
            if (t.repetition->duration) {
                xml += "      <Duration>" + xmlDuration(*t.repetition->duration) + "</Duration>\n";
            }
            xml += std::string("      <StopAtDurationEnd>") +
                   (t.repetition->stopAtDurationEnd ? "true" : "false") + "</StopAtDurationEnd>\n";
            xml += "    </Repetition>\n";
        }
        switch (t.kind) {
            case TaskTrigger::Kind::Time:
                break;
            case TaskTrigger::Kind::Daily:
                xml += "    <ScheduleByDay>\n      <DaysInterval>" +
                       std::to_string(t.daysInterval) + "</DaysInterval>\n    </ScheduleByDay>\n";
                break;
            case TaskTrigger::Kind::Weekly:
                xml += "    <ScheduleByWeek>\n      <WeeksInterval>" +
                       std::to_string(t.weeksInterval) + "</WeeksInterval>\n";
                emptyElements(&xml, "      ", "DaysOfWeek", t.daysOfWeek, kWeekdayNames, 0, 6);
                xml += "    </ScheduleByWeek>\n";
                break;
            case TaskTrigger::Kind::Monthly:
                xml += "    <ScheduleByMonth>\n      <DaysOfMonth>\n";
                for (int d = 1; d <= 31; ++d) {
                    if ((t.daysOfMonth >> d) & 1u) {
                        xml += "        <Day>" + std::to_string(d) + "</Day>\n";
                    }
                }
                if (t.lastDayOfMonth) xml += "        <Day>Last</Day>\n";
                xml += "      </DaysOfMonth>\n";
                emptyElements(&xml, "      ", "Months", t.months, kMonthNames, 1, 12);
                xml += "    </ScheduleByMonth>\n";
                break;
            case TaskTrigger::Kind::MonthlyDayOfWeek:
                xml += "    <ScheduleByMonthDayOfWeek>\n      <Weeks>\n";
                for (int k = 1; k <= 4; ++k) {
                    if ((t.weeksOfMonth >> k) & 1u) {
                        xml += "        <Week>" + std::to_string(k) + "</Week>\n";
                    }
                }
                if (t.lastWeekOfMonth) xml += "        <Week>Last</Week>\n";
                xml += "      </Weeks>\n";
                emptyElements(&xml, "      ", "DaysOfWeek", t.daysOfWeek, kWeekdayNames, 0, 6);
                emptyElements(&xml, "      ", "Months", t.months, kMonthNames, 1, 12);
                xml += "    </ScheduleByMonthDayOfWeek>\n";
                break;
        }
        xml += "  </" + element + ">\n";
    }
    xml += "</Triggers>\n";
    return xml;
}

}  // namespace belfry::schedule
