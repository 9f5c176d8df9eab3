// Property tests: random expressions from a small grammar, answered twice, by the engine and by
// a brute-force evaluator written here. The evaluator reads the generated structure, never the
// parser's bitsets, and walks time step by step: day by day, then minute by minute (second by
// second inside matching minutes for six-field expressions). For zones it applies the DST rule
// from its definition, instant by instant, with date/tz's own gap/overlap classification.
#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "belfry/schedule/cron.h"
#include "belfry/schedule/iso8601.h"

namespace belfry::schedule {
namespace {

using Int = std::int64_t;
using std::chrono::seconds;

constexpr Int kDay = 86400;

enum FieldIndex { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };
constexpr int kMin[] = {0, 0, 0, 1, 1, 0};
constexpr int kMax[] = {59, 59, 23, 31, 12, 7};
const char* const kMonthNames[] = {"",    "JAN", "feb", "Mar", "APR", "may", "JUN",
                                   "jul", "AUG", "sep", "OCT", "nov", "DEC"};
const char* const kDayNames[] = {"SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"};

struct Element {
    enum Kind { Star, StarStep, Value, Range, RangeStep, ValueStep, Last, LastWeekday, Nth };
    Kind kind;
    int a = 0;
    int b = 0;
    int step = 1;
};

struct Spec {
    bool hasSeconds = false;
    std::vector<Element> fields[6];
    std::string text;
};

bool inSteps(int low, int high, int step, int v) {
    return v >= low && v <= high && (v - low) % step == 0;
}

// Does `v` (for day-of-week: 0-6) match the element? `day`/`length`/`weekday` give the day
// context that L and # need.
bool elementMatches(int field, const Element& e, int v, int day, int length, int weekday) {
    auto plain = [&](int value) {
        switch (e.kind) {
            case Element::Star:
                return true;
            case Element::StarStep:
                return inSteps(kMin[field], kMax[field], e.step, value);
            case Element::Value:
                return value == e.a;
            case Element::Range:
                return value >= e.a && value <= e.b;
            case Element::RangeStep:
                return inSteps(e.a, e.b, e.step, value);
            case Element::ValueStep:
                return inSteps(e.a, kMax[field], e.step, value);
            case Element::Last:
                return day == length - e.a;
            case Element::LastWeekday:
                return weekday == e.a % 7 && day + 7 > length;
            case Element::Nth:
                return weekday == e.a % 7 && (day - 1) / 7 + 1 == e.b;
        }
        return false;
    };
    // Day-of-week 7 is Sunday too.
    return plain(v) || (field == kDayOfWeek && v == 0 && e.kind != Element::Star && plain(7));
}

bool fieldMatches(const Spec& spec, int field, int v, int day = 0, int length = 0,
                  int weekday = 0) {
    for (const Element& e : spec.fields[field]) {
        if (elementMatches(field, e, v, day, length, weekday)) return true;
    }
    return false;
}

bool startsWithStar(const Spec& spec, int field) {
    const Element::Kind kind = spec.fields[field].front().kind;
    return kind == Element::Star || kind == Element::StarStep;
}

// Cronos: a star, a range or a step in the seconds, minute or hour field.
bool intervalBased(const Spec& spec) {
    for (int field : {kSecond, kMinute, kHour}) {
        if (field == kSecond && !spec.hasSeconds) continue;
        for (const Element& e : spec.fields[field]) {
            if (e.kind != Element::Value) return true;
        }
    }
    return false;
}

bool dayMatches(const Spec& spec, const date::year_month_day& ymd) {
    const int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    if (!fieldMatches(spec, kMonth, month)) return false;
    const int day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    const int length =
        static_cast<int>(static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day()));
    const int weekday = static_cast<int>(date::weekday{date::sys_days{ymd}}.c_encoding());
    const bool byDom = fieldMatches(spec, kDayOfMonth, day, day, length, weekday);
    const bool byDow = fieldMatches(spec, kDayOfWeek, weekday, day, length, weekday);
    if (startsWithStar(spec, kDayOfMonth) || startsWithStar(spec, kDayOfWeek)) {
        return byDom && byDow;
    }
    return byDom || byDow;
}

bool minuteMatches(const Spec& spec, Int secondOfDay) {
    return fieldMatches(spec, kHour, static_cast<int>(secondOfDay / 3600)) &&
           fieldMatches(spec, kMinute, static_cast<int>(secondOfDay / 60 % 60));
}

bool secondMatches(const Spec& spec, Int secondOfDay) {
    const int second = static_cast<int>(secondOfDay % 60);
    return spec.hasSeconds ? fieldMatches(spec, kSecond, second) : second == 0;
}

Int floorDiv(Int a, Int b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

date::year_month_day civilDay(Int day) {
    return date::year_month_day{date::sys_days{date::days{day}}};
}

bool matchesLocal(const Spec& spec, Int local) {
    const Int day = floorDiv(local, kDay);
    const Int secondOfDay = local - day * kDay;
    return dayMatches(spec, civilDay(day)) && minuteMatches(spec, secondOfDay) &&
           secondMatches(spec, secondOfDay);
}

// The first matching wall-clock second in [from, limit), stepping day, minute, second.
std::optional<Int> bruteNext(const Spec& spec, Int from, Int limit) {
    Int t = from;
    while (t < limit) {
        const Int day = floorDiv(t, kDay);
        if (!dayMatches(spec, civilDay(day))) {
            t = (day + 1) * kDay;
            continue;
        }
        for (; t < (day + 1) * kDay && t < limit;) {
            const Int secondOfDay = t - day * kDay;
            if (!minuteMatches(spec, secondOfDay)) {
                t = floorDiv(t, 60) * 60 + 60;
                continue;
            }
            if (secondMatches(spec, secondOfDay)) return t;
            ++t;
        }
    }
    return std::nullopt;
}

// The last matching wall-clock second in (limit, from].
std::optional<Int> brutePrevious(const Spec& spec, Int from, Int limit) {
    Int t = from;
    while (t > limit) {
        const Int day = floorDiv(t, kDay);
        if (!dayMatches(spec, civilDay(day))) {
            t = day * kDay - 1;
            continue;
        }
        for (; t >= day * kDay && t > limit;) {
            const Int secondOfDay = t - day * kDay;
            if (!minuteMatches(spec, secondOfDay)) {
                t = floorDiv(t, 60) * 60 - 1;
                continue;
            }
            if (secondMatches(spec, secondOfDay)) return t;
            --t;
        }
    }
    return std::nullopt;
}

// Is the minute-aligned instant `u` a fire in `zone`, by the rule's definition?
bool isZonedFire(const Spec& spec, bool interval, const date::time_zone& zone, Int u) {
    const date::sys_info info = zone.get_info(date::sys_seconds{seconds{u}});
    const Int local = u + info.offset.count();
    if (matchesLocal(spec, local)) {
        const date::local_info li = zone.get_info(date::local_seconds{seconds{local}});
        const bool secondPass =
            li.result == date::local_info::ambiguous && info.offset == li.second.offset;
        if (!secondPass || interval) return true;
    }
    // A transition instant after which wall time jumps forward fires for the skipped times.
    if (date::sys_seconds{seconds{u}} == info.begin) {
        const date::sys_info before = zone.get_info(date::sys_seconds{seconds{u - 1}});
        for (Int skipped = u + before.offset.count(); skipped < local; skipped += 60) {
            if (matchesLocal(spec, skipped)) return true;
        }
    }
    return false;
}

class Generator {
  public:
    explicit Generator(unsigned seed) : random_(seed) {}

    // `dense` keeps fires frequent and near the small hours when DST changes happen (for short
    // brute-force windows around transitions).
    Spec make(bool allowSeconds, bool dense) {
        Spec spec;
        spec.hasSeconds = allowSeconds && chance(40);
        for (int field = spec.hasSeconds ? kSecond : kMinute; field <= kDayOfWeek; ++field) {
            const bool dayish = field >= kDayOfMonth;
            const int count = chance(65) ? 1 : 2 + pick(0, 1);
            for (int i = 0; i < count; ++i) {
                spec.fields[field].push_back(dense && field == kHour
                                                 ? smallHours(i == 0)
                                                 : element(field, i == 0, dense && dayish));
            }
            if (!spec.text.empty()) spec.text += ' ';
            for (std::size_t i = 0; i < spec.fields[field].size(); ++i) {
                if (i > 0) spec.text += ',';
                spec.text += render(field, spec.fields[field][i]);
            }
        }
        return spec;
    }

    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
    bool chance(int percent) { return pick(1, 100) <= percent; }
    std::mt19937_64& engine() { return random_; }

  private:
    // Hours around 00:00-04:00, where the zones under test change offset.
    Element smallHours(bool first) {
        const int roll = pick(1, 100);
        if (first && roll <= 20) return {Element::Star};
        if (first && roll <= 30) return {Element::StarStep, 0, 0, pick(1, 3)};
        const int a = pick(0, 4);
        if (roll <= 75) return {Element::Value, a};
        if (roll <= 90) return {Element::Range, a, pick(a, 5)};
        return {Element::RangeStep, a, pick(a, 6), pick(1, 2)};
    }

    Element element(int field, bool first, bool mostlyStar) {
        const int min = kMin[field];
        const int max = kMax[field];
        if (mostlyStar && first && chance(80)) return {Element::Star};
        const int roll = pick(1, 100);
        if (first && roll <= 25) return {Element::Star};
        if (first && roll <= 35) return {Element::StarStep, 0, 0, pick(1, std::min(max, 12))};
        if (field == kDayOfMonth && roll >= 93) return {Element::Last, pick(0, 3)};
        if (field == kDayOfWeek && roll >= 93) {
            return chance(50) ? Element{Element::LastWeekday, pick(0, 7)}
                              : Element{Element::Nth, pick(0, 7), pick(1, 5)};
        }
        const int a = pick(min, max);
        const int b = pick(a, std::min(max, a + pick(0, 12)));
        if (roll <= 65) return {Element::Value, a};
        if (roll <= 78) return {Element::Range, a, b};
        if (roll <= 86) return {Element::RangeStep, a, b, pick(1, 5)};
        return {Element::ValueStep, a, 0, pick(1, std::min(max, 15))};
    }

    std::string value(int field, int v) {
        if (field == kMonth && chance(30)) return kMonthNames[v];
        // 7 has no name of its own: SUN is 0, so "5-SUN" would run backwards.
        if (field == kDayOfWeek && v < 7 && chance(30)) return kDayNames[v];
        return std::to_string(v);
    }

    std::string render(int field, const Element& e) {
        switch (e.kind) {
            case Element::Star:
                return "*";
            case Element::StarStep:
                return "*/" + std::to_string(e.step);
            case Element::Value:
                return value(field, e.a);
            case Element::Range:
                return value(field, e.a) + "-" + value(field, e.b);
            case Element::RangeStep:
                return value(field, e.a) + "-" + value(field, e.b) + "/" + std::to_string(e.step);
            case Element::ValueStep:
                return value(field, e.a) + "/" + std::to_string(e.step);
            case Element::Last:
                return e.a == 0 ? "L" : "L-" + std::to_string(e.a);
            case Element::LastWeekday:
                return value(field, e.a) + "L";
            case Element::Nth:
                return value(field, e.a) + "#" + std::to_string(e.b);
        }
        return "*";
    }

    std::mt19937_64 random_;
};

std::string show(Int t) {
    return formatIso8601Utc(Instant{seconds{t}});
}

// UTC: engine vs brute force in both directions, 5- and 6-field.
TEST(CronProperty, MatchesBruteForceInUtc) {
    Generator gen(0xbe1f);
    constexpr Int kWindow = 4 * 366 * kDay;
    const Int earliest = date::sys_days{date::year{1990} / 1 / 1}.time_since_epoch().count() * kDay;
    const Int latestStart =
        date::sys_days{date::year{2060} / 1 / 1}.time_since_epoch().count() * kDay;
    int compared = 0;
    int neverFires = 0;
    for (int i = 0; i < 3000; ++i) {
        const Spec spec = gen.make(/*allowSeconds=*/i % 3 == 0, /*dense=*/false);
        std::string error;
        const auto cron = CronExpression::parse(spec.text, &error);
        if (!cron) {
            // The only refusal the grammar can produce: an expression that never fires.
            ASSERT_NE(error.find("never fires"), std::string::npos) << spec.text << ": " << error;
            ++neverFires;
            continue;
        }
        EXPECT_EQ(cron->isIntervalBased(), intervalBased(spec)) << spec.text;
        const Int t = std::uniform_int_distribution<Int>(earliest, latestStart)(gen.engine());

        const auto expectedNext = bruteNext(spec, t + 1, t + kWindow);
        const auto actualNext = cron->nextAfter(Instant{seconds{t}});
        ASSERT_TRUE(actualNext.has_value()) << spec.text;
        if (expectedNext) {
            EXPECT_EQ(show(actualNext->time_since_epoch().count()), show(*expectedNext))
                << spec.text << " after " << show(t);
        } else {
            EXPECT_GE(actualNext->time_since_epoch().count(), t + kWindow) << spec.text;
        }

        const auto expectedPrevious = brutePrevious(spec, t, t - kWindow);
        const auto actualPrevious = cron->latestAtOrBefore(Instant{seconds{t}});
        ASSERT_TRUE(actualPrevious.has_value()) << spec.text;
        if (expectedPrevious) {
            EXPECT_EQ(show(actualPrevious->time_since_epoch().count()), show(*expectedPrevious))
                << spec.text << " at or before " << show(t);
        } else {
            EXPECT_LE(actualPrevious->time_since_epoch().count(), t - kWindow) << spec.text;
        }
        ++compared;
    }
    EXPECT_GT(compared, 2400);
    RecordProperty("never_fires", neverFires);
}

// Zones: starts near real DST transitions; the brute force checks every minute of a window.
TEST(CronProperty, MatchesBruteForceAroundDstTransitions) {
    Generator gen(0x0d57);
    constexpr Int kWindow = 3 * kDay;
    const date::sys_seconds from{date::sys_days{date::year{2020} / 1 / 1}};
    const date::sys_seconds until{date::sys_days{date::year{2037} / 1 / 1}};
    int compared = 0;
    for (const char* name :
         {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"}) {
        const date::time_zone& raw = *date::locate_zone(name);
        const TimeZone zone = *TimeZone::locate(name);
        std::vector<Int> transitions;
        for (date::sys_seconds t = from; t < until;) {
            const date::sys_info info = raw.get_info(t);
            if (info.begin > from) transitions.push_back(info.begin.time_since_epoch().count());
            t = std::min(info.end, until);
        }
        if (transitions.empty())
            transitions.push_back(from.time_since_epoch().count() + 1000 * kDay);

        for (int i = 0; i < 150; ++i) {
            const Spec spec = gen.make(/*allowSeconds=*/false, /*dense=*/true);
            const auto cron = CronExpression::parse(spec.text);
            if (!cron) continue;
            const bool interval = intervalBased(spec);
            const Int transition =
                transitions[gen.pick(0, static_cast<int>(transitions.size()) - 1)];
            const Int t = transition + gen.pick(-26 * 60, 26 * 60) * 60 + gen.pick(0, 59);

            // Walk several consecutive fires each way, so the walk crosses the transition.
            Int forward = t;
            for (int step = 0; step < 6; ++step) {
                std::optional<Int> expected;
                for (Int u = floorDiv(forward, 60) * 60 + 60; u <= t + kWindow; u += 60) {
                    if (isZonedFire(spec, interval, raw, u)) {
                        expected = u;
                        break;
                    }
                }
                const auto actual = cron->nextAfter(Instant{seconds{forward}}, zone);
                ASSERT_TRUE(actual.has_value()) << spec.text;
                if (!expected) {
                    EXPECT_GT(actual->time_since_epoch().count(), t + kWindow) << spec.text;
                    break;
                }
                ASSERT_EQ(formatIso8601(*actual, zone),
                          formatIso8601(Instant{seconds{*expected}}, zone))
                    << name << " " << spec.text << " after "
                    << formatIso8601(Instant{seconds{forward}}, zone);
                forward = *expected;
            }

            Int backward = t;
            for (int step = 0; step < 6; ++step) {
                std::optional<Int> expected;
                for (Int u = floorDiv(backward, 60) * 60; u >= t - kWindow; u -= 60) {
                    if (isZonedFire(spec, interval, raw, u)) {
                        expected = u;
                        break;
                    }
                }
                const auto actual = cron->latestAtOrBefore(Instant{seconds{backward}}, zone);
                ASSERT_TRUE(actual.has_value()) << spec.text;
                if (!expected) {
                    EXPECT_LT(actual->time_since_epoch().count(), t - kWindow) << spec.text;
                    break;
                }
                ASSERT_EQ(formatIso8601(*actual, zone),
                          formatIso8601(Instant{seconds{*expected}}, zone))
                    << name << " " << spec.text << " at or before "
                    << formatIso8601(Instant{seconds{backward}}, zone);
                backward = *expected - 1;
            }
            ++compared;
        }
    }
    EXPECT_GT(compared, 450);
}

// Walking forward fire by fire and backward fire by fire visits the same instants.
TEST(CronProperty, NextAndLatestAreInverses) {
    Generator gen(0x1e57);
    for (const char* name : {"UTC", "Europe/Berlin", "Australia/Lord_Howe"}) {
        const TimeZone zone = *TimeZone::locate(name);
        for (int i = 0; i < 60; ++i) {
            const Spec spec = gen.make(/*allowSeconds=*/true, /*dense=*/true);
            const auto cron = CronExpression::parse(spec.text);
            if (!cron) continue;
            Instant t =
                *parseIso8601("2026-03-27T00:00:00Z", nullptr) + seconds{gen.pick(0, 220) * kDay};
            for (int k = 0; k < 20; ++k) {
                const auto fire = cron->nextAfter(t, zone);
                ASSERT_TRUE(fire.has_value());
                ASSERT_GT(*fire, t);
                EXPECT_EQ(cron->latestAtOrBefore(*fire, zone), fire) << name << " " << spec.text;
                const auto before = cron->latestAtOrBefore(*fire - seconds{1}, zone);
                ASSERT_TRUE(before.has_value());
                EXPECT_LE(*before, t) << name << " " << spec.text;
                t = *fire;
            }
        }
    }
}

}  // namespace
}  // namespace belfry::schedule
