#include "belfry/schedule/iso8601.h"

#include <cstdint>
#include <cstdlib>

#include "belfry/job_name.h"

namespace belfry::schedule {
namespace {

using std::chrono::seconds;

void appendDigits(std::string* out, std::int64_t value, int width) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0 || count < width);
    while (count > 0) out->push_back(digits[--count]);
}

std::string formatWallClock(date::local_seconds local) {
    const date::local_days day = date::floor<date::days>(local);
    const date::year_month_day ymd{day};
    const std::int64_t secondOfDay = (local - day).count();
    std::string out;
    out.reserve(25);
    appendDigits(&out, static_cast<int>(ymd.year()), 4);
    out += '-';
    appendDigits(&out, static_cast<unsigned>(ymd.month()), 2);
    out += '-';
    appendDigits(&out, static_cast<unsigned>(ymd.day()), 2);
    out += 'T';
    appendDigits(&out, secondOfDay / 3600, 2);
    out += ':';
    appendDigits(&out, secondOfDay / 60 % 60, 2);
    out += ':';
    appendDigits(&out, secondOfDay % 60, 2);
    return out;
}

// A cursor over the text with the error reporting every parse step shares.
class Reader {
  public:
    Reader(std::string_view text, std::string* error) : text_(text), error_(error) {}

    bool atEnd() const { return pos_ == text_.size(); }
    char peek() const { return atEnd() ? '\0' : text_[pos_]; }
    void skip() { ++pos_; }

    bool accept(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }

    // Exactly `width` digits.
    bool digits(int width, const char* what, int* value) {
        int number = 0;
        for (int i = 0; i < width; ++i) {
            const char c = peek();
            if (c < '0' || c > '9') return fail(std::string("expected ") + what);
            number = number * 10 + (c - '0');
            ++pos_;
        }
        *value = number;
        return true;
    }

    bool expect(char c, const char* what) {
        return accept(c) || fail(std::string("expected ") + what);
    }

    bool fail(const std::string& message) {
        if (error_) {
            *error_ = "'" + printableForMessage(text_) + "' is not an ISO-8601 time: " + message +
                      " (e.g. 2026-12-01T03:00:00Z, 2026-12-01T03:00:00+01:00)";
        }
        return false;
    }

  private:
    std::string_view text_;
    std::string* error_;
    std::size_t pos_ = 0;
};

std::optional<Instant> refuse(Reader& in, const std::string& message) {
    in.fail(message);
    return std::nullopt;
}

}  // namespace

std::string formatIso8601(Instant t, const TimeZone& zone) {
    const seconds offset = zone.offsetAt(t);
    std::string out = formatWallClock(date::local_seconds{t.time_since_epoch() + offset});
    std::int64_t magnitude = std::llabs(offset.count());
    out += offset.count() < 0 ? '-' : '+';
    appendDigits(&out, magnitude / 3600, 2);
    out += ':';
    appendDigits(&out, magnitude / 60 % 60, 2);
    if (magnitude % 60 != 0) {
        out += ':';
        appendDigits(&out, magnitude % 60, 2);
    }
    return out;
}

std::string formatIso8601Utc(Instant t) {
    return formatWallClock(date::local_seconds{t.time_since_epoch()}) + "Z";
}

std::optional<Instant> parseIso8601(std::string_view text, const TimeZone* localZone,
                                    std::string* error) {
    Reader in(text, error);
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!in.digits(4, "a four-digit year", &year) || !in.expect('-', "'-' after the year") ||
        !in.digits(2, "a two-digit month", &month) || !in.expect('-', "'-' after the month") ||
        !in.digits(2, "a two-digit day", &day)) {
        return std::nullopt;
    }
    if (year < 1) return refuse(in, "year 0000 is out of range");
    if (month < 1 || month > 12) return refuse(in, "month is out of range 01-12");
    const date::year_month_day ymd{date::year{year} / date::month{static_cast<unsigned>(month)} /
                                   date::day{static_cast<unsigned>(day)}};
    if (day < 1 || !ymd.ok()) return refuse(in, "that day does not exist");

    if (in.accept('T') || in.accept('t') || in.accept(' ')) {
        if (!in.digits(2, "a two-digit hour", &hour) || !in.expect(':', "':' after the hour") ||
            !in.digits(2, "two-digit minutes", &minute)) {
            return std::nullopt;
        }
        if (in.accept(':')) {
            if (!in.digits(2, "two-digit seconds", &second)) return std::nullopt;
            if (in.accept('.') || in.accept(',')) {
                if (in.peek() < '0' || in.peek() > '9') {
                    return refuse(in, "expected digits after the decimal point");
                }
                while (in.peek() >= '0' && in.peek() <= '9') in.skip();
            }
        }
        if (hour > 23) return refuse(in, "hour is out of range 00-23");
        if (minute > 59) return refuse(in, "minute is out of range 00-59");
        if (second > 59) return refuse(in, "second is out of range 00-59");
    }
    const date::local_seconds local{date::local_days{ymd}.time_since_epoch() +
                                    seconds{hour * 3600 + minute * 60 + second}};

    std::optional<seconds> offset;
    if (in.accept('Z') || in.accept('z')) {
        offset = seconds{0};
    } else if (in.peek() == '+' || in.peek() == '-') {
        const int sign = in.peek() == '-' ? -1 : 1;
        in.skip();
        int offsetHours = 0;
        int offsetMinutes = 0;
        if (!in.digits(2, "a two-digit offset hour", &offsetHours)) return std::nullopt;
        if (in.accept(':')) {
            if (!in.digits(2, "two-digit offset minutes", &offsetMinutes)) return std::nullopt;
        } else if (!in.atEnd()) {
            if (!in.digits(2, "two-digit offset minutes", &offsetMinutes)) return std::nullopt;
        }
        if (offsetHours > 23 || offsetMinutes > 59) {
            return refuse(in, "the UTC offset is out of range");
        }
        offset = seconds{sign * (offsetHours * 3600 + offsetMinutes * 60)};
    }
    if (!in.atEnd()) return refuse(in, "unexpected text at the end");

    Instant instant;
    if (offset) {
        instant = Instant{local.time_since_epoch() - *offset};
    } else if (localZone) {
        instant = localZone->fromLocal(local);
    } else {
        if (error) {
            *error = "'" + printableForMessage(text) +
                     "' has no UTC offset, so it names no instant; add Z or an offset such as "
                     "+01:00";
        }
        return std::nullopt;
    }
    if (instant < kMinInstant || instant > kMaxInstant) {
        return refuse(in, "it lies outside the years 0001-9999");
    }
    return instant;
}

}  // namespace belfry::schedule
