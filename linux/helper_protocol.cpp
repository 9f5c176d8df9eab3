#include "helper_protocol.h"

#include <chrono>
#include <set>

#include "belfry/job_name.h"
#include "belfry/schedule/schedule.h"

namespace belfry::systemd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kMaxTimeout = std::chrono::hours(24 * 30);  // the job contract's bound
constexpr milliseconds kMaxJitter = std::chrono::hours(24);

std::optional<std::string> optionalString(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    return it->get<std::string>();
}

json optionalInstant(const std::optional<schedule::Instant>& instant) {
    if (!instant) return nullptr;
    return instant->time_since_epoch().count();
}

std::optional<schedule::Instant> instantOf(const json& value) {
    if (value.is_null()) return std::nullopt;
    return schedule::Instant(std::chrono::seconds(value.get<std::int64_t>()));
}

// A duration field in milliseconds within [0, max]; false and `error` otherwise.
bool readMillis(const json& object, const char* key, milliseconds max, milliseconds* out,
                std::string* error) {
    const auto& value = object.at(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
        value.get<std::int64_t>() > max.count()) {
        *error = std::string("job.") + key + " must be a whole number of milliseconds from 0 to " +
                 std::to_string(max.count());
        return false;
    }
    *out = milliseconds(value.get<std::int64_t>());
    return true;
}

bool onlyKnownKeys(const json& object, const std::set<std::string>& known, const std::string& what,
                   std::string* error) {
    for (const auto& [key, value] : object.items()) {
        if (!known.count(key)) {
            *error = what + ": unknown field '" + printableForMessage(key) + "'";
            return false;
        }
    }
    return true;
}

}  // namespace

json scheduledJobToJson(const ScheduledJob& job) {
    const auto fields = job.schedule.toFields();
    json schedule = json::object();
    if (fields.cron) schedule["cron"] = *fields.cron;
    if (fields.timezone) schedule["timezone"] = *fields.timezone;
    if (fields.every) schedule["every"] = *fields.every;
    if (fields.at) schedule["at"] = *fields.at;
    return {{"name", job.name},        {"schedule", schedule},
            {"enabled", job.enabled},  {"timeout_ms", job.timeout.count()},
            {"catch_up", job.catchUp}, {"jitter_ms", job.jitter.count()}};
}

std::optional<ScheduledJob> scheduledJobFromJson(const json& object, std::string* error) {
    static const std::set<std::string> kJobKeys{"name",       "schedule", "enabled",
                                                "timeout_ms", "catch_up", "jitter_ms"};
    static const std::set<std::string> kScheduleKeys{"cron", "timezone", "every", "at"};
    if (!object.is_object()) {
        *error = "job must be an object";
        return std::nullopt;
    }
    if (!onlyKnownKeys(object, kJobKeys, "job", error)) return std::nullopt;
    for (const auto& key : kJobKeys) {
        if (!object.contains(key)) {
            *error = "job." + key + " is missing";
            return std::nullopt;
        }
    }
    ScheduledJob job;
    const auto& name = object.at("name");
    std::string nameError;
    if (!name.is_string() || !isValidJobName(name.get<std::string>(), &nameError)) {
        *error = "job.name: " + (name.is_string() ? nameError : std::string("must be a string"));
        return std::nullopt;
    }
    job.name = name.get<std::string>();

    const auto& scheduleJson = object.at("schedule");
    if (!scheduleJson.is_object()) {
        *error = "job.schedule must be an object";
        return std::nullopt;
    }
    if (!onlyKnownKeys(scheduleJson, kScheduleKeys, "job.schedule", error)) return std::nullopt;
    schedule::ScheduleFields fields;
    for (const auto& [key, value] : scheduleJson.items()) {
        if (!value.is_string()) {
            *error = "job.schedule." + key + " must be a string";
            return std::nullopt;
        }
    }
    fields.cron = optionalString(scheduleJson, "cron");
    fields.timezone = optionalString(scheduleJson, "timezone");
    fields.every = optionalString(scheduleJson, "every");
    fields.at = optionalString(scheduleJson, "at");
    std::string scheduleError;
    const auto schedule = schedule::Schedule::fromFields(fields, &scheduleError);
    if (!schedule) {
        *error = "job.schedule: " + scheduleError;
        return std::nullopt;
    }
    job.schedule = *schedule;

    for (const auto* key : {"enabled", "catch_up"}) {
        if (!object.at(key).is_boolean()) {
            *error = std::string("job.") + key + " must be true or false";
            return std::nullopt;
        }
    }
    job.enabled = object.at("enabled").get<bool>();
    job.catchUp = object.at("catch_up").get<bool>();
    if (!readMillis(object, "timeout_ms", kMaxTimeout, &job.timeout, error) ||
        !readMillis(object, "jitter_ms", kMaxJitter, &job.jitter, error)) {
        return std::nullopt;
    }
    return job;
}

json osJobStateToJson(const OsJobState& state) {
    return {{"registered", state.registered},
            {"enabled", state.enabled},
            {"next", optionalInstant(state.next)},
            {"last", optionalInstant(state.last)},
            {"last_result", state.lastResult ? json(*state.lastResult) : json(nullptr)},
            {"drift", state.drift}};
}

OsJobState osJobStateFromJson(const json& object) {
    OsJobState state;
    state.registered = object.at("registered").get<bool>();
    state.enabled = object.at("enabled").get<bool>();
    state.next = instantOf(object.at("next"));
    state.last = instantOf(object.at("last"));
    state.lastResult = optionalString(object, "last_result");
    state.drift = object.at("drift").get<std::vector<std::string>>();
    return state;
}

json reconcileReportToJson(const ReconcileReport& report) {
    json entries = json::array();
    for (const auto& entry : report.entries) {
        entries.push_back({{"job", entry.job},
                           {"action", reconcileActionName(entry.action)},
                           {"detail", entry.detail}});
    }
    return {{"dry_run", report.dryRun},
            {"entries", entries},
            {"manager_reloads", report.managerReloads},
            {"manager_calls", report.managerCalls},
            {"manager_time_ms", report.managerTime.count()},
            {"elapsed_ms", report.elapsed.count()}};
}

ReconcileReport reconcileReportFromJson(const json& object) {
    static const ReconcileAction kActions[] = {ReconcileAction::Created, ReconcileAction::Updated,
                                               ReconcileAction::Removed, ReconcileAction::Unchanged,
                                               ReconcileAction::Drift,   ReconcileAction::Failed};
    ReconcileReport report;
    report.dryRun = object.at("dry_run").get<bool>();
    for (const auto& entry : object.at("entries")) {
        ReconcileEntry out;
        out.job = entry.at("job").get<std::string>();
        out.detail = entry.at("detail").get<std::string>();
        const auto action = entry.at("action").get<std::string>();
        out.action = ReconcileAction::Failed;
        for (const auto candidate : kActions) {
            if (action == reconcileActionName(candidate)) out.action = candidate;
        }
        report.entries.push_back(std::move(out));
    }
    report.managerReloads = object.at("manager_reloads").get<int>();
    report.managerCalls = object.at("manager_calls").get<int>();
    report.managerTime = milliseconds(object.at("manager_time_ms").get<std::int64_t>());
    report.elapsed = milliseconds(object.at("elapsed_ms").get<std::int64_t>());
    return report;
}

}  // namespace belfry::systemd
