// The test-side Task Scheduler model; the semantics are listed in the header. Deliberately plain:
// day by day, start by start, nothing shared with the translator.
#include "task_trigger_evaluator.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include <date/date.h>

namespace belfry::schedule::testing {
namespace {

using Int = std::int64_t;
using std::chrono::seconds;

constexpr Int kDay = 86400;
constexpr const char* kTaskNamespace = "http://schemas.microsoft.com/windows/2004/02/mit/task";
constexpr std::size_t kMaxTriggers = 48;

// ---------------------------------------------------------------------------------------------
// XML reading

class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) {}

    std::optional<XmlElement> document(std::string* error) {
        skipMisc();
        if (startsWith("<?xml")) {
            const auto end = text_.find("?>", pos_);
            if (end == std::string_view::npos) return fail(error, "unterminated declaration");
            pos_ = end + 2;
        }
        skipMisc();
        auto root = element(error);
        if (!root) return std::nullopt;
        skipMisc();
        if (pos_ != text_.size()) return fail(error, "content after the root element");
        return root;
    }

  private:
    std::optional<XmlElement> fail(std::string* error, const std::string& what) {
        if (error) *error = "XML: " + what + " at offset " + std::to_string(pos_);
        return std::nullopt;
    }
    bool startsWith(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
    void skipSpace() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
            ++pos_;
        }
    }
    // Whitespace and comments.
    void skipMisc() {
        for (;;) {
            skipSpace();
            if (!startsWith("<!--")) return;
            const auto end = text_.find("-->", pos_ + 4);
            pos_ = end == std::string_view::npos ? text_.size() : end + 3;
        }
    }
    std::string name() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == ':' ||
                text_[pos_] == '_' || text_[pos_] == '-' || text_[pos_] == '.')) {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }
    static std::optional<std::string> decode(std::string_view raw) {
        std::string out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '&') {
                out += raw[i];
                continue;
            }
            const auto semi = raw.find(';', i);
            if (semi == std::string_view::npos) return std::nullopt;
            const std::string_view entity = raw.substr(i + 1, semi - i - 1);
            if (entity == "lt") {
                out += '<';
            } else if (entity == "gt") {
                out += '>';
            } else if (entity == "amp") {
                out += '&';
            } else if (entity == "quot") {
                out += '"';
            } else if (entity == "apos") {
                out += '\'';
            } else {
                return std::nullopt;
            }
            i = semi;
        }
        return out;
    }
    static std::string trim(const std::string& s) {
        const auto b = s.find_first_not_of(" \t\r\n");
        if (b == std::string::npos) return "";
        const auto e = s.find_last_not_of(" \t\r\n");
        return s.substr(b, e - b + 1);
    }

    std::optional<XmlElement> element(std::string* error) {
        if (!startsWith("<")) return fail(error, "expected '<'");
        ++pos_;
        XmlElement e;
        e.name = name();
        if (e.name.empty()) return fail(error, "expected an element name");
        for (;;) {
            skipSpace();
            if (startsWith("/>")) {
                pos_ += 2;
                return e;
            }
            if (startsWith(">")) {
                ++pos_;
                break;
            }
            std::string attribute = name();
            if (attribute.empty()) return fail(error, "bad attribute in <" + e.name + ">");
            skipSpace();
            if (!startsWith("=")) return fail(error, "expected '=' after " + attribute);
            ++pos_;
            skipSpace();
            if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
                return fail(error, "expected a quoted attribute value");
            }
            const char quote = text_[pos_++];
            const auto end = text_.find(quote, pos_);
            if (end == std::string_view::npos) return fail(error, "unterminated attribute");
            auto value = decode(text_.substr(pos_, end - pos_));
            if (!value) return fail(error, "bad entity in an attribute");
            e.attributes.emplace_back(std::move(attribute), std::move(*value));
            pos_ = end + 1;
        }
        std::string text;
        for (;;) {
            if (pos_ >= text_.size()) return fail(error, "unterminated <" + e.name + ">");
            if (startsWith("<!--")) {
                skipMisc();
                continue;
            }
            if (startsWith("</")) {
                pos_ += 2;
                if (name() != e.name) return fail(error, "mismatched end tag in <" + e.name + ">");
                skipSpace();
                if (!startsWith(">")) return fail(error, "expected '>'");
                ++pos_;
                auto decoded = decode(text);
                if (!decoded) return fail(error, "bad entity in <" + e.name + ">");
                e.text = trim(*decoded);
                return e;
            }
            if (startsWith("<")) {
                auto child = element(error);
                if (!child) return std::nullopt;
                e.children.push_back(std::move(*child));
                continue;
            }
            text += text_[pos_++];
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Values

Int floorDiv(Int a, Int b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

int number(std::string_view s) {
    int n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
}

// xs:dateTime with 'Z' or +-HH:MM; the instant and the offset it was written with.
struct Boundary {
    Int instant;
    Int offset;
};

std::optional<Boundary> parseDateTime(const std::string& s, std::string* why) {
    // YYYY-MM-DDTHH:MM:SS then Z or +HH:MM / -HH:MM
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || !allDigits(s.substr(0, 4)) || !allDigits(s.substr(5, 2)) ||
        !allDigits(s.substr(8, 2)) || !allDigits(s.substr(11, 2)) || !allDigits(s.substr(14, 2)) ||
        !allDigits(s.substr(17, 2))) {
        *why = "'" + s + "' is not an xs:dateTime";
        return std::nullopt;
    }
    const std::string zone = s.substr(19);
    Int offset = 0;
    if (zone == "Z") {
        offset = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
               allDigits(zone.substr(1, 2)) && allDigits(zone.substr(4, 2))) {
        offset = (number(zone.substr(1, 2)) * 3600 + number(zone.substr(4, 2)) * 60) *
                 (zone[0] == '-' ? -1 : 1);
    } else if (zone.empty()) {
        *why = "'" + s + "' has no offset: it would be the machine's local time";
        return std::nullopt;
    } else {
        *why = "'" + s + "' has a bad offset";
        return std::nullopt;
    }
    const date::year_month_day ymd{date::year{number(s.substr(0, 4))},
                                   date::month{static_cast<unsigned>(number(s.substr(5, 2)))},
                                   date::day{static_cast<unsigned>(number(s.substr(8, 2)))}};
    if (!ymd.ok()) {
        *why = "'" + s + "' is not a calendar date";
        return std::nullopt;
    }
    const int hour = number(s.substr(11, 2));
    const int minute = number(s.substr(14, 2));
    const int second = number(s.substr(17, 2));
    if (hour > 23 || minute > 59 || second > 59) {
        *why = "'" + s + "' is not a time of day";
        return std::nullopt;
    }
    const Int local =
        date::sys_days{ymd}.time_since_epoch().count() * kDay + hour * 3600 + minute * 60 + second;
    return Boundary{local - offset, offset};
}

// xs:duration restricted to days, hours, minutes, seconds (years and months have no fixed
// length and are never needed here).
std::optional<Int> parseDuration(const std::string& s, std::string* why) {
    auto bad = [&]() -> std::optional<Int> {
        *why = "'" + s + "' is not a duration in days, hours, minutes and seconds";
        return std::nullopt;
    };
    if (s.size() < 3 || s[0] != 'P') return bad();
    Int total = 0;
    bool timePart = false;
    bool any = false;
    std::string digits;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits += c;
            continue;
        }
        if (c == 'T' && digits.empty() && !timePart) {
            timePart = true;
            continue;
        }
        if (digits.empty()) return bad();
        const Int n = std::stoll(digits);
        digits.clear();
        if (!timePart && c == 'D') {
            total += n * kDay;
        } else if (timePart && c == 'H') {
            total += n * 3600;
        } else if (timePart && c == 'M') {
            total += n * 60;
        } else if (timePart && c == 'S') {
            total += n;
        } else {
            return bad();
        }
        any = true;
    }
    if (!digits.empty() || !any) return bad();
    return total;
}

const char* const kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};
const char* const kMonths[] = {"",        "January",  "February", "March",  "April",
                               "May",     "June",     "July",     "August", "September",
                               "October", "November", "December"};

std::optional<unsigned> nameBits(const XmlElement* list, const char* const* names, int first,
                                 int last, std::string* why) {
    if (!list) {
        *why = "a schedule lacks its day or month list";
        return std::nullopt;
    }
    unsigned bits = 0;
    for (const XmlElement& item : list->children) {
        int found = -1;
        for (int i = first; i <= last; ++i) {
            if (item.name == names[i]) found = i;
        }
        if (found < 0) {
            *why = "unknown element <" + item.name + "> in <" + list->name + ">";
            return std::nullopt;
        }
        bits |= 1u << found;
    }
    if (!bits) *why = "<" + list->name + "> is empty";
    if (!bits) return std::nullopt;
    return bits;
}

// ---------------------------------------------------------------------------------------------
// Triggers

struct Trigger {
    enum class Kind { Time, Day, Week, Month, MonthDayOfWeek } kind = Kind::Time;
    Boundary start{};
    std::optional<Int> end;
    std::optional<Int> interval;
    std::optional<Int> duration;
    int daysInterval = 1;
    unsigned weekdays = 0;     // bit 0 = Sunday
    unsigned daysOfMonth = 0;  // bits 1-31
    bool lastDay = false;
    unsigned weeks = 0;  // bits 1-4
    bool lastWeek = false;
    unsigned months = 0;  // bits 1-12
};

// The children of a trigger in schema order (triggerBaseType's sequence, then the derived
// type's); anything else, or out of order, is an error.
bool inSchemaOrder(const XmlElement& e, const std::vector<std::string>& order, std::string* why) {
    std::size_t at = 0;
    for (const XmlElement& c : e.children) {
        std::size_t i = at;
        while (i < order.size() && order[i] != c.name) ++i;
        if (i == order.size()) {
            *why = "<" + c.name + "> is not allowed (or out of order) in <" + e.name + ">";
            return false;
        }
        at = i + 1;
    }
    return true;
}

std::optional<Trigger> readTrigger(const XmlElement& e, bool* enabled, std::string* why) {
    Trigger t;
    const std::vector<std::string> base = {"Enabled",    "StartBoundary",      "EndBoundary",
                                           "Repetition", "ExecutionTimeLimit", "RandomDelay"};
    std::vector<std::string> order = base;
    if (e.name == "CalendarTrigger") {
        for (const char* s :
             {"ScheduleByDay", "ScheduleByWeek", "ScheduleByMonth", "ScheduleByMonthDayOfWeek"}) {
            order.push_back(s);
        }
    } else if (e.name != "TimeTrigger") {
        *why = "unsupported trigger <" + e.name + ">";
        return std::nullopt;
    }
    if (!inSchemaOrder(e, order, why)) return std::nullopt;
    *enabled = true;
    if (const XmlElement* en = e.child("Enabled")) *enabled = en->text != "false";
    const XmlElement* start = e.child("StartBoundary");
    if (!start) {
        *why = "<" + e.name + "> has no StartBoundary";
        return std::nullopt;
    }
    auto parsedStart = parseDateTime(start->text, why);
    if (!parsedStart) return std::nullopt;
    t.start = *parsedStart;
    if (const XmlElement* end = e.child("EndBoundary")) {
        auto parsedEnd = parseDateTime(end->text, why);
        if (!parsedEnd) return std::nullopt;
        t.end = parsedEnd->instant;
    }
    if (const XmlElement* delay = e.child("RandomDelay")) {
        auto d = parseDuration(delay->text, why);
        if (!d) return std::nullopt;
        if (*d != 0) {
            *why = "RandomDelay is not modelled";
            return std::nullopt;
        }
    }
    if (const XmlElement* rep = e.child("Repetition")) {
        const XmlElement* interval = rep->child("Interval");
        if (!interval) {
            *why = "Repetition without Interval";
            return std::nullopt;
        }
        t.interval = parseDuration(interval->text, why);
        if (!t.interval) return std::nullopt;
        if (*t.interval < 60 || *t.interval > 31 * kDay) {
            *why = "Interval " + interval->text + " is outside PT1M-P31D";
            return std::nullopt;
        }
        if (const XmlElement* duration = rep->child("Duration")) {
            t.duration = parseDuration(duration->text, why);
            if (!t.duration) return std::nullopt;
            if (*t.duration < 60 || *t.duration < *t.interval) {
                *why = "Duration " + duration->text + " is below PT1M or below the Interval";
                return std::nullopt;
            }
        }
        for (const XmlElement& c : rep->children) {
            if (c.name != "Interval" && c.name != "Duration" && c.name != "StopAtDurationEnd") {
                *why = "unknown <" + c.name + "> in Repetition";
                return std::nullopt;
            }
        }
    }
    if (e.name == "TimeTrigger") return t;

    int schedules = 0;
    for (const XmlElement& c : e.children) {
        if (c.name.rfind("ScheduleBy", 0) == 0) ++schedules;
    }
    if (schedules != 1) {
        *why = "a CalendarTrigger needs exactly one ScheduleBy* element";
        return std::nullopt;
    }
    if (const XmlElement* s = e.child("ScheduleByDay")) {
        t.kind = Trigger::Kind::Day;
        if (const XmlElement* n = s->child("DaysInterval")) {
            if (!allDigits(n->text) || number(n->text) < 1 || number(n->text) > 365) {
                *why = "DaysInterval " + n->text + " is outside 1-365";
                return std::nullopt;
            }
            t.daysInterval = number(n->text);
        }
    } else if (const XmlElement* w = e.child("ScheduleByWeek")) {
        t.kind = Trigger::Kind::Week;
        if (const XmlElement* n = w->child("WeeksInterval")) {
            if (n->text != "1") {
                *why = "WeeksInterval " + n->text + ": the alignment of its weeks is undocumented";
                return std::nullopt;
            }
        }
        auto days = nameBits(w->child("DaysOfWeek"), kWeekdays, 0, 6, why);
        if (!days) return std::nullopt;
        t.weekdays = *days;
    } else if (const XmlElement* m = e.child("ScheduleByMonth")) {
        t.kind = Trigger::Kind::Month;
        const XmlElement* days = m->child("DaysOfMonth");
        if (!days || days->children.empty()) {
            *why = "ScheduleByMonth without days";
            return std::nullopt;
        }
        for (const XmlElement& d : days->children) {
            if (d.name != "Day") {
                *why = "unknown <" + d.name + "> in DaysOfMonth";
                return std::nullopt;
            }
            if (d.text == "Last") {
                t.lastDay = true;
            } else if (allDigits(d.text) && number(d.text) >= 1 && number(d.text) <= 31) {
                t.daysOfMonth |= 1u << number(d.text);
            } else {
                *why = "Day " + d.text + " is neither 1-31 nor Last";
                return std::nullopt;
            }
        }
        auto months = nameBits(m->child("Months"), kMonths, 1, 12, why);
        if (!months) return std::nullopt;
        t.months = *months;
    } else if (const XmlElement* d = e.child("ScheduleByMonthDayOfWeek")) {
        t.kind = Trigger::Kind::MonthDayOfWeek;
        const XmlElement* weeks = d->child("Weeks");
        if (!weeks || weeks->children.empty()) {
            *why = "ScheduleByMonthDayOfWeek without weeks";
            return std::nullopt;
        }
        for (const XmlElement& week : weeks->children) {
            if (week.name != "Week") {
                *why = "unknown <" + week.name + "> in Weeks";
                return std::nullopt;
            }
            if (week.text == "Last") {
                t.lastWeek = true;
            } else if (allDigits(week.text) && number(week.text) >= 1 && number(week.text) <= 4) {
                t.weeks |= 1u << number(week.text);
            } else {
                *why = "Week " + week.text + " is neither 1-4 nor Last";
                return std::nullopt;
            }
        }
        auto days = nameBits(d->child("DaysOfWeek"), kWeekdays, 0, 6, why);
        if (!days) return std::nullopt;
        t.weekdays = *days;
        auto months = nameBits(d->child("Months"), kMonths, 1, 12, why);
        if (!months) return std::nullopt;
        t.months = *months;
    }
    return t;
}

// Does the calendar trigger name this day (a day number in the boundary's offset)?
bool namesDay(const Trigger& t, Int day, Int startDay) {
    const date::sys_days sd{date::days{day}};
    const date::year_month_day ymd{sd};
    const unsigned month = static_cast<unsigned>(ymd.month());
    const unsigned dom = static_cast<unsigned>(ymd.day());
    const unsigned length = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
    const unsigned weekday = date::weekday{sd}.c_encoding();
    switch (t.kind) {
        case Trigger::Kind::Time:
            return day == startDay;
        case Trigger::Kind::Day:
            return (day - startDay) % t.daysInterval == 0;
        case Trigger::Kind::Week:
            return (t.weekdays >> weekday) & 1u;
        case Trigger::Kind::Month:
            return ((t.months >> month) & 1u) &&
                   (((t.daysOfMonth >> dom) & 1u) || (t.lastDay && dom == length));
        case Trigger::Kind::MonthDayOfWeek: {
            if (!((t.months >> month) & 1u) || !((t.weekdays >> weekday) & 1u)) return false;
            const bool numbered = dom <= 28 && ((t.weeks >> ((dom - 1) / 7 + 1)) & 1u);
            const bool last = t.lastWeek && dom + 7 > length;
            return numbered || last;
        }
    }
    return false;
}

void expand(const Trigger& t, Int begin, Int end, const TriggerReading& reading,
            std::set<Int>* fires) {
    auto beforeEnd = [&](Int instant) {
        if (!t.end) return true;
        return reading.endBoundaryInclusive ? instant <= *t.end : instant < *t.end;
    };
    auto startAt = [&](Int s) {
        if (!beforeEnd(s)) return;
        Int j = 0;
        if (t.interval && s < begin) j = (begin - s + *t.interval - 1) / *t.interval;
        for (;; ++j) {
            const Int elapsed = t.interval ? j * *t.interval : 0;
            if (j > 0 && (!t.interval || (t.duration && elapsed > *t.duration))) break;
            const Int fire = s + elapsed;
            if (fire > end) break;
            if (j > 0 && reading.endBoundaryStopsRepetition && !beforeEnd(fire)) break;
            if (fire >= begin) fires->insert(fire);
            if (!t.interval) break;
        }
    };
    const Int localStart = t.start.instant + t.start.offset;
    const Int startDay = floorDiv(localStart, kDay);
    const Int timeOfDay = localStart - startDay * kDay;
    if (t.kind == Trigger::Kind::Time) {
        startAt(t.start.instant);
        return;
    }
    for (Int day = startDay;; ++day) {
        const Int s = day * kDay + timeOfDay - t.start.offset;
        if (s > end) break;
        if (t.end && !beforeEnd(s) && s > *t.end) break;
        if (s < t.start.instant || !namesDay(t, day, startDay)) continue;
        startAt(s);
    }
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view childName) const {
    for (const XmlElement& c : children) {
        if (c.name == childName) return &c;
    }
    return nullptr;
}

const std::string* XmlElement::attribute(std::string_view attributeName) const {
    for (const auto& [key, value] : attributes) {
        if (key == attributeName) return &value;
    }
    return nullptr;
}

std::optional<XmlElement> parseXml(std::string_view text, std::string* error) {
    return Reader(text).document(error);
}

std::vector<TriggerReading> allReadings() {
    return {{true, true}, {true, false}, {false, true}, {false, false}};
}

std::optional<std::vector<Instant>> evaluateTriggers(std::string_view xml, Instant begin,
                                                     Instant end, const TriggerReading& reading,
                                                     std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::vector<Instant>> {
        if (error) *error = why;
        return std::nullopt;
    };
    std::string why;
    const auto root = parseXml(xml, &why);
    if (!root) return fail(why);
    if (root->name != "Triggers") return fail("the root element is <" + root->name + ">");
    const std::string* ns = root->attribute("xmlns");
    if (!ns || *ns != kTaskNamespace) return fail("<Triggers> is not in the task namespace");
    if (root->children.size() > kMaxTriggers) {
        return fail(std::to_string(root->children.size()) + " triggers; a task holds 48");
    }
    std::set<Int> fires;
    for (const XmlElement& e : root->children) {
        bool enabled = true;
        const auto trigger = readTrigger(e, &enabled, &why);
        if (!trigger) return fail(why);
        if (enabled) {
            expand(*trigger, begin.time_since_epoch().count(), end.time_since_epoch().count(),
                   reading, &fires);
        }
    }
    std::vector<Instant> out;
    out.reserve(fires.size());
    for (Int f : fires) out.push_back(Instant{seconds{f}});
    return out;
}

}  // namespace belfry::schedule::testing
