#include "belfry/schedule/next_fires.h"

#include "belfry/schedule/cron.h"
#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/time_zone.h"

namespace belfry::schedule {

std::optional<std::vector<std::string>> nextFireLines(std::string_view cron,
                                                      std::string_view timeZone,
                                                      std::string_view from, int count,
                                                      std::string* error, Instant now) {
    auto fail = [&](std::string message) -> std::optional<std::vector<std::string>> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    constexpr int kMaxCount = 1000;
    if (count < 1 || count > kMaxCount) {
        return fail("-n " + std::to_string(count) + " is out of range 1-" +
                    std::to_string(kMaxCount));
    }
    std::string message;
    const auto expression = CronExpression::parse(cron, &message);
    if (!expression) return fail(message);
    const auto zone = timeZone.empty() ? std::optional<TimeZone>(TimeZone::utc())
                                       : TimeZone::locate(timeZone, &message);
    if (!zone) return fail("--tz: " + message);
    Instant start = now;
    if (!from.empty()) {
        const auto parsed = parseIso8601(from, &*zone, &message);
        if (!parsed) return fail("--from: " + message);
        start = *parsed;
    }
    std::vector<std::string> lines;
    for (auto fire = expression->nextAfter(start, *zone);
         fire && static_cast<int>(lines.size()) < count;
         fire = expression->nextAfter(*fire, *zone)) {
        lines.push_back(formatIso8601(*fire, *zone));
    }
    return lines;
}

}  // namespace belfry::schedule
