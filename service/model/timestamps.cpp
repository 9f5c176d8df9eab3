#include "timestamps.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <chrono>

namespace belfry {

EpochMillis nowMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatIso(EpochMillis instant) {
    const Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(instant) * 1000);
    return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace belfry
