#include "timestamps.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <regex>

namespace belfry {

EpochMillis nowMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatIso(EpochMillis instant) {
    const Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(instant) * 1000);
    return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

std::optional<EpochMillis> parseIso(const std::string& text) {
    // Poco's parser is lenient about missing offsets; insist on one first.
    static const std::regex kShape(
        R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))");
    if (!std::regex_match(text, kShape)) return std::nullopt;
    Poco::DateTime parsed;
    int tzd = 0;
    const std::string& format = text.find('.') != std::string::npos
                                    ? Poco::DateTimeFormat::ISO8601_FRAC_FORMAT
                                    : Poco::DateTimeFormat::ISO8601_FORMAT;
    if (!Poco::DateTimeParser::tryParse(format, text, parsed, tzd)) return std::nullopt;
    parsed.makeUTC(tzd);
    return parsed.timestamp().epochMicroseconds() / 1000;
}

}  // namespace belfry
