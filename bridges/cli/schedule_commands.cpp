// `belfry next` and `belfry translate`: schedule arithmetic that needs no daemon, on the same
// engine and translators belfryd uses.
#include <cstdlib>

#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/next_fires.h"
#include "belfry/schedule/systemd_calendar.h"
#include "belfry/schedule/task_triggers.h"
#include "commands.h"

namespace belfry::cli {
namespace {

struct CronOptions {
    std::string cron, zone, from;
    int count = 5;
};

// Parses CRON [--tz ZONE] [--from ISO] [-n N] (-n only where `allowCount`). Returns 0 or the exit
// code after reporting.
int parseCronOptions(const CommandContext& context, const std::vector<std::string>& args,
                     bool allowCount, CronOptions* out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        const bool takesValue = arg == "--tz" || arg == "--from" || (allowCount && arg == "-n");
        if (takesValue && i + 1 >= args.size()) return context.usageError(arg + " needs a value");
        if (arg == "--tz") {
            out->zone = args[++i];
        } else if (arg == "--from") {
            out->from = args[++i];
        } else if (allowCount && arg == "-n") {
            char* end = nullptr;
            const long value = std::strtol(args[++i].c_str(), &end, 10);
            if (*end != '\0' || value < 1 || value > 1000) {
                return context.usageError("-n must be a number from 1 to 1000");
            }
            out->count = static_cast<int>(value);
        } else if (out->cron.empty() && (arg.empty() || arg[0] != '-')) {
            out->cron = arg;
        } else {
            return context.usageError("unexpected argument '" + arg + "'");
        }
    }
    if (out->cron.empty()) {
        return context.usageError("a cron expression is needed, e.g. '0 3 * * *'");
    }
    return 0;
}

}  // namespace

int translateCommand(CommandContext& context, const std::vector<std::string>& args) {
    if (args.empty() || (args[0] != "systemd" && args[0] != "taskscheduler")) {
        return context.usageError("translate needs a target: systemd or taskscheduler");
    }
    CronOptions options;
    if (const int rc = parseCronOptions(context, {args.begin() + 1, args.end()}, false, &options)) {
        return rc;
    }
    std::string error;
    schedule::ScheduleFields fields;
    fields.cron = options.cron;
    if (!options.zone.empty()) fields.timezone = options.zone;
    const auto parsed = schedule::Schedule::fromFields(fields, &error);
    if (!parsed) return context.usageError(error);
    auto from = schedule::currentInstant();
    if (!options.from.empty()) {
        const auto instant = schedule::parseIso8601(options.from, &parsed->timeZone(), &error);
        if (!instant) return context.usageError("--from: " + error);
        from = *instant;
    }
    if (args[0] == "systemd") {
        const auto calendar = schedule::translateToSystemd(*parsed, from, &error);
        if (!calendar) return context.usageError(error);
        for (const auto& note : calendar->notes) context.print("# " + note + "\n");
        for (const auto& line : calendar->onCalendar) context.print("OnCalendar=" + line + "\n");
        return 0;
    }
    const auto triggers = schedule::translateToTaskScheduler(*parsed, from, &error);
    if (!triggers) return context.usageError(error);
    context.print(schedule::toTriggersXml(*triggers));
    return 0;
}

int nextCommand(CommandContext& context, const std::vector<std::string>& args) {
    CronOptions options;
    if (const int rc = parseCronOptions(context, args, true, &options)) return rc;
    std::string error;
    const auto lines =
        schedule::nextFireLines(options.cron, options.zone, options.from, options.count, &error);
    if (!lines) return context.usageError(error);
    for (const auto& line : *lines) context.print(line + "\n");
    return 0;
}

}  // namespace belfry::cli
