// CronExpression::parse: text to bitsets, canonical text and the per-layout day masks. The
// search over those lives in cron_search.cpp.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "belfry/job_name.h"
#include "belfry/schedule/cron.h"

namespace belfry::schedule {
namespace {

enum class Field { Second, Minute, Hour, DayOfMonth, Month, DayOfWeek };

struct FieldInfo {
    const char* name;
    int min;
    int max;
};

constexpr std::array<FieldInfo, 6> kFields{{
    {"second", 0, 59},
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12},
    {"day-of-week", 0, 7},  // Vixie accepts 7 for Sunday, and ranges such as 5-7
}};

constexpr std::array<std::string_view, 12> kMonthNames{
    {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
constexpr std::array<std::string_view, 7> kDayNames{
    {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};

constexpr std::string_view kNoW =
    "'W' (nearest weekday) is not supported: systemd and Task Scheduler cannot express it";

struct Macro {
    std::string_view name;
    std::string_view expansion;
};

constexpr std::array<Macro, 7> kMacros{{
    {"yearly", "0 0 1 1 *"},
    {"annually", "0 0 1 1 *"},
    {"monthly", "0 0 1 * *"},
    {"weekly", "0 0 * * 0"},
    {"daily", "0 0 * * *"},
    {"midnight", "0 0 * * *"},
    {"hourly", "0 * * * *"},
}};

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(
            text.substr(start, end == std::string_view::npos ? text.npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

struct ParsedField {
    std::uint64_t bits = 0;
    std::uint32_t lastDays = 0;
    std::uint8_t lastWeekdays = 0;
    std::array<std::uint8_t, 7> nth{};
    bool star = false;
    bool interval = false;
    std::string canonical;
};

// Parses one field. Errors name the field and the offending element.
class FieldParser {
  public:
    FieldParser(Field field, std::string* error)
        : field_(field), info_(kFields[static_cast<int>(field)]), error_(error) {}

    bool parse(std::string_view text, ParsedField* out) {
        out->star = text.front() == '*';  // Vixie looks at the first character of the field only
        for (std::string_view element : split(text, ',')) {
            if (element.empty())
                return fail("empty list element (stray comma) in '" + show(text) + "'");
            if (!out->canonical.empty()) out->canonical += ',';
            if (!parseElement(element, out)) return false;
        }
        return true;
    }

  private:
    bool fail(const std::string& message) {
        if (error_) *error_ = std::string(info_.name) + " field: " + message;
        return false;
    }

    static std::string show(std::string_view text) { return printableForMessage(text, 40); }

    bool parseElement(std::string_view element, ParsedField* out) {
        const std::string up = upper(element);
        if (up.find('?') != std::string::npos) {
            return fail("'?' is not supported: it is Quartz syntax, not Vixie cron; write '*'");
        }
        if (up == "H" || up.rfind("H/", 0) == 0 || up.rfind("H(", 0) == 0) {
            return fail("'H' (a hashed value, Jenkins syntax) is not supported; write the value");
        }
        if (field_ == Field::DayOfMonth) {
            if (up.back() == 'W') return fail(std::string(kNoW) + " (in '" + show(element) + "')");
            if (up.front() == 'L') return parseLastDay(element, up, out);
        }
        if (field_ == Field::DayOfWeek) {
            if (up.find('#') != std::string::npos) return parseNth(element, up, out);
            if (up.back() == 'L') return parseLastWeekday(element, up, out);
        }
        if (up.find('L') != std::string::npos && field_ != Field::Month) {
            return fail("'L' in '" + show(element) +
                        "' is only allowed as L or L-n in day-of-month and as nL in day-of-week");
        }
        return parseRange(element, out);
    }

    // L, L-n: the last day of the month, or n days before it.
    bool parseLastDay(std::string_view element, const std::string& up, ParsedField* out) {
        int offset = 0;
        if (up.size() > 1) {
            if (up[1] != '-' || up.size() == 2) {
                return fail("'" + show(element) + "' is not L or L-n (n days before the last day)");
            }
            if (!parseNumber(std::string_view(up).substr(2), 0, 30, "the offset in L-n", &offset)) {
                return false;
            }
        }
        out->lastDays |= 1u << offset;
        out->canonical += offset == 0 ? "L" : "L-" + std::to_string(offset);
        return true;
    }

    // wL: the last weekday w of the month.
    bool parseLastWeekday(std::string_view element, const std::string& up, ParsedField* out) {
        const std::string_view day = std::string_view(up).substr(0, up.size() - 1);
        if (day.empty()) {
            return fail("'L' alone is ambiguous in day-of-week; write e.g. 5L for the last Friday");
        }
        if (day.find_first_of("-/*,") != std::string_view::npos) {
            return fail("'" + show(element) + "': L follows a single weekday, e.g. 5L");
        }
        int weekday = 0;
        if (!parseValue(day, &weekday)) return false;
        weekday %= 7;
        out->lastWeekdays |= static_cast<std::uint8_t>(1u << weekday);
        out->canonical += std::to_string(weekday) + "L";
        return true;
    }

    // w#k: the k-th weekday w of the month.
    bool parseNth(std::string_view element, const std::string& up, ParsedField* out) {
        const std::size_t hash = up.find('#');
        const std::string_view day = std::string_view(up).substr(0, hash);
        const std::string_view nth = std::string_view(up).substr(hash + 1);
        if (day.empty() || day.find_first_of("-/*") != std::string_view::npos) {
            return fail("'" + show(element) + "': # follows a single weekday, e.g. 1#2");
        }
        int weekday = 0;
        int k = 0;
        if (!parseValue(day, &weekday)) return false;
        if (!parseNumber(nth, 1, 5, "the occurrence after #", &k)) return false;
        weekday %= 7;
        out->nth[weekday] |= static_cast<std::uint8_t>(1u << k);
        out->canonical += std::to_string(weekday) + "#" + std::to_string(k);
        return true;
    }

    // *, */n, a, a-b, a-b/n, a/n.
    bool parseRange(std::string_view element, ParsedField* out) {
        const std::size_t slash = element.find('/');
        const std::string_view base = element.substr(0, slash);
        int step = 1;
        if (slash != std::string_view::npos) {
            if (!parseNumber(element.substr(slash + 1), 1, info_.max, "the step", &step)) {
                return false;
            }
        }
        int low = info_.min;
        int high = info_.max;
        std::string canonical;
        if (base == "*") {
            canonical = step > 1 ? "*/" + std::to_string(step) : "*";
        } else if (const std::size_t dash = base.find('-'); dash != std::string_view::npos) {
            if (!parseValue(base.substr(0, dash), &low) ||
                !parseValue(base.substr(dash + 1), &high)) {
                return false;
            }
            if (low > high) {
                return fail("range '" + show(base) +
                            "' runs backwards; ranges do not wrap around (" +
                            "write two ranges, e.g. 5-6,0-1)");
            }
            canonical = std::to_string(low) + "-" + std::to_string(high);
            if (step > 1) canonical += "/" + std::to_string(step);
        } else {
            if (!parseValue(base, &low)) return false;
            if (slash == std::string_view::npos) {
                high = low;
                // A lone 7 is Sunday; write it as 0 so equal schedules print alike.
                const int shown = field_ == Field::DayOfWeek ? low % 7 : low;
                canonical = std::to_string(shown);
            } else {
                canonical = std::to_string(low) + "-" + std::to_string(high);
                if (step > 1) canonical += "/" + std::to_string(step);
            }
        }
        for (int value = low; value <= high; value += step) {
            const int bit = field_ == Field::DayOfWeek ? value % 7 : value;
            out->bits |= std::uint64_t{1} << bit;
        }
        const bool timeField =
            field_ == Field::Second || field_ == Field::Minute || field_ == Field::Hour;
        // Cronos: a star, a range or a step in a time field makes the expression interval-based.
        if (timeField && (base == "*" || base.find('-') != std::string_view::npos ||
                          slash != std::string_view::npos)) {
            out->interval = true;
        }
        out->canonical += canonical;
        return true;
    }

    // A number in the field's range, or a month/weekday name where the field takes names.
    bool parseValue(std::string_view text, int* value) {
        if (text.empty()) return fail("a value is missing (e.g. in 'a-' or '-b')");
        if (std::isalpha(static_cast<unsigned char>(text.front()))) {
            const std::string name = upper(text);
            if (field_ == Field::Month || field_ == Field::DayOfWeek) {
                const bool month = field_ == Field::Month;
                const auto* names = month ? kMonthNames.data() : kDayNames.data();
                const std::size_t count = month ? kMonthNames.size() : kDayNames.size();
                for (std::size_t i = 0; i < count; ++i) {
                    if (names[i] == name) {
                        *value = static_cast<int>(i) + (month ? 1 : 0);
                        return true;
                    }
                }
                return fail("unknown name '" + show(text) + "' (expected " +
                            (month ? "JAN-DEC" : "SUN-SAT") + " or a number)");
            }
            return fail("'" + show(text) + "' is not a number (names are only allowed in the " +
                        "month and day-of-week fields)");
        }
        return parseNumber(text, info_.min, info_.max, "", value);
    }

    bool parseNumber(std::string_view text, int min, int max, const std::string& what, int* value) {
        const std::string label = what.empty() ? std::string() : what + " ";
        if (text.empty()) return fail(label + "is missing");
        int number = 0;
        for (char c : text) {
            if (!isDigit(c)) {
                return fail("unexpected '" + show(std::string_view(&c, 1)) + "' in '" + show(text) +
                            "'");
            }
            number = std::min(number * 10 + (c - '0'), 100000);
        }
        if (number < min || number > max) {
            return fail(label + show(text) + " is out of range " + std::to_string(min) + "-" +
                        std::to_string(max));
        }
        *value = number;
        return true;
    }

    Field field_;
    FieldInfo info_;
    std::string* error_;
};

// Bits 1, 8, 15, 22 and 29: the days that share a weekday with the 1st.
constexpr std::uint32_t kEverySeventhDay =
    (1u << 1) | (1u << 8) | (1u << 15) | (1u << 22) | (1u << 29);

int daysInMonthOfLayout(int month, bool leap) {
    if (month == 2) return leap ? 29 : 28;
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

}  // namespace

bool operator==(const CronFields& a, const CronFields& b) {
    return a.seconds == b.seconds && a.minutes == b.minutes && a.hours == b.hours &&
           a.daysOfMonth == b.daysOfMonth && a.lastDaysOfMonth == b.lastDaysOfMonth &&
           a.months == b.months && a.daysOfWeek == b.daysOfWeek &&
           a.lastWeekdays == b.lastWeekdays && a.nthWeekdays == b.nthWeekdays &&
           a.hasSecondsField == b.hasSecondsField &&
           a.dayOfMonthRestricted == b.dayOfMonthRestricted &&
           a.dayOfWeekRestricted == b.dayOfWeekRestricted && a.intervalBased == b.intervalBased;
}

std::optional<CronExpression> CronExpression::parse(std::string_view text, std::string* error) {
    auto fail = [&](const std::string& message) -> std::optional<CronExpression> {
        if (error) *error = "cron '" + printableForMessage(text) + "': " + message;
        return std::nullopt;
    };

    std::vector<std::string_view> tokens;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == ' ' || text[i] == '\t') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
        tokens.push_back(text.substr(i, end - i));
        i = end;
    }
    if (tokens.empty()) return fail("the expression is empty");

    if (tokens.front().front() == '@') {
        if (tokens.size() > 1) return fail("a macro such as @daily stands alone");
        const std::string name = upper(tokens.front().substr(1));
        for (const Macro& macro : kMacros) {
            if (upper(macro.name) == name) {
                std::string inner;
                auto expanded = parse(macro.expansion, &inner);
                if (!expanded) return fail(inner);  // unreachable: the expansions are valid
                return expanded;
            }
        }
        if (name == "REBOOT") return fail("@reboot is not supported: it is not a time schedule");
        if (name == "EVERY") {
            return fail("@every is not supported; use the schedule form {\"every\": \"15m\"}");
        }
        return fail("unknown macro (expected @yearly, @annually, @monthly, @weekly, @daily, " +
                    std::string("@midnight or @hourly)"));
    }

    if (tokens.size() == 7) {
        return fail("7 fields; a year field is not supported (expected 5: minute hour " +
                    std::string("day-of-month month day-of-week, or 6 with leading seconds)"));
    }
    if (tokens.size() != 5 && tokens.size() != 6) {
        return fail(std::to_string(tokens.size()) + " field" + (tokens.size() == 1 ? "" : "s") +
                    "; expected 5 (minute hour day-of-month month day-of-week) or 6 with a " +
                    "leading seconds field");
    }

    const bool hasSeconds = tokens.size() == 6;
    std::array<ParsedField, 6> parsed;
    const std::size_t first = hasSeconds ? 0 : 1;
    for (std::size_t field = first; field < parsed.size(); ++field) {
        std::string message;
        FieldParser parser(static_cast<Field>(field), &message);
        if (!parser.parse(tokens[field - first], &parsed[field])) return fail(message);
    }
    if (!hasSeconds) parsed[0].bits = 1;  // second 0

    CronExpression cron;
    CronFields& f = cron.fields_;
    f.seconds = parsed[0].bits;
    f.minutes = parsed[1].bits;
    f.hours = static_cast<std::uint32_t>(parsed[2].bits);
    f.daysOfMonth = static_cast<std::uint32_t>(parsed[3].bits);
    f.lastDaysOfMonth = parsed[3].lastDays;
    f.months = static_cast<std::uint16_t>(parsed[4].bits);
    f.daysOfWeek = static_cast<std::uint8_t>(parsed[5].bits);
    f.lastWeekdays = parsed[5].lastWeekdays;
    f.nthWeekdays = parsed[5].nth;
    f.hasSecondsField = hasSeconds;
    f.dayOfMonthRestricted = !parsed[3].star;
    f.dayOfWeekRestricted = !parsed[5].star;
    f.intervalBased = parsed[0].interval || parsed[1].interval || parsed[2].interval;

    // Every month layout is a weekday for the 1st and a length of 28-31 days; the Gregorian
    // 400-year cycle has every combination, so these 28 masks decide all day matching.
    const bool vixieOr = f.dayOfMonthRestricted && f.dayOfWeekRestricted;
    const bool hasLastOrNth =
        f.lastWeekdays != 0 ||
        std::any_of(f.nthWeekdays.begin(), f.nthWeekdays.end(), [](std::uint8_t k) { return k; });
    std::array<std::uint32_t, 4> byDomOfLength{};
    for (int length = 28; length <= 31; ++length) {
        std::uint32_t byDom = f.daysOfMonth & (((std::uint32_t{1} << length) - 1) << 1);
        for (std::uint32_t last = f.lastDaysOfMonth; last != 0; last &= last - 1) {
            const int offset = __builtin_ctz(last);
            if (offset < length) byDom |= 1u << (length - offset);
        }
        byDomOfLength[length - 28] = byDom;
    }
    for (int firstWeekday = 0; firstWeekday < 7; ++firstWeekday) {
        // Days 1-7 on a selected weekday, repeated every seven days.
        std::uint32_t week = 0;
        for (int day = 1; day <= 7; ++day) {
            if ((f.daysOfWeek >> ((firstWeekday + day - 1) % 7)) & 1u) week |= 1u << day;
        }
        const std::uint32_t plain = week | week << 7 | week << 14 | week << 21 | week << 28;
        for (int length = 28; length <= 31; ++length) {
            const std::uint32_t valid = ((std::uint32_t{1} << length) - 1) << 1;  // 1..length
            std::uint32_t byDow = plain & valid;
            for (int weekday = 0; hasLastOrNth && weekday < 7; ++weekday) {
                // The days falling on `weekday`: 1 + shift, 8 + shift, ... up to 29 + shift.
                const int shift = (weekday - firstWeekday + 7) % 7;
                const std::uint32_t days = (kEverySeventhDay << shift) & valid;
                if ((f.lastWeekdays >> weekday) & 1u) byDow |= 1u << (31 - __builtin_clz(days));
                for (std::uint32_t nth = f.nthWeekdays[weekday]; nth != 0; nth &= nth - 1) {
                    const int day = 1 + shift + 7 * (__builtin_ctz(nth) - 1);
                    if (day <= length) byDow |= 1u << day;
                }
            }
            const std::uint32_t byDom = byDomOfLength[length - 28];
            cron.dayMasks_[firstWeekday * 4 + (length - 28)] =
                vixieOr ? (byDom | byDow) : (byDom & byDow);
        }
    }

    bool fires = false;
    for (int month = 1; month <= 12 && !fires; ++month) {
        if (((f.months >> month) & 1u) == 0) continue;
        for (bool leap : {false, true}) {
            const int length = daysInMonthOfLayout(month, leap);
            for (int firstWeekday = 0; firstWeekday < 7; ++firstWeekday) {
                if (cron.dayMasks_[firstWeekday * 4 + (length - 28)] != 0) fires = true;
            }
        }
    }
    if (!fires) {
        return fail("never fires: no day of the months it selects ('" + parsed[4].canonical +
                    "') matches day-of-month '" + parsed[3].canonical + "' " +
                    (vixieOr ? "or" : "and") + " day-of-week '" + parsed[5].canonical + "'");
    }

    for (std::size_t field = first; field < parsed.size(); ++field) {
        if (!cron.canonical_.empty()) cron.canonical_ += ' ';
        cron.canonical_ += parsed[field].canonical;
    }
    return cron;
}

}  // namespace belfry::schedule
