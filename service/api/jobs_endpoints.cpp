// /v1/jobs and /v1/jobs/{name}/...: job CRUD, enable/disable, run now, and the OS scheduler's fire
// callback.
#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>

#include <spdlog/spdlog.h>

#include "api_router.h"
#include "belfry/job_name.h"
#include "belfry/schedule/iso8601.h"
#include "continuation_graph.h"
#include "job_json.h"
#include "run_due_time.h"
#include "timestamps.h"

namespace belfry {
namespace {

// The name in the path is validated like a name in a body: it reaches the store and, later, OS
// unit names.
std::optional<ApiResponse> rejectBadName(const std::string& name) {
    std::string error;
    if (!isValidJobName(name, &error)) return errorResponse(400, "invalid job name", error);
    return std::nullopt;
}

ApiResponse noSuchJob(const std::string& name) {
    return errorResponse(404, "no such job", "job " + name + " does not exist");
}

Poco::JSON::Object::Ptr bodyObject(const ApiRequest& request) {
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return new Poco::JSON::Object;
    }
    return parseJsonObject(request.body);
}

Poco::Dynamic::Var isoOrNull(const std::optional<schedule::Instant>& instant) {
    if (!instant) return {};
    return schedule::formatIso8601Utc(*instant);
}

// The job as stored plus the OS scheduler's own view of it (DESIGN.md: "os").
Poco::JSON::Object::Ptr jobWithOsState(ApiContext& context, const Job& job,
                                       const OsJobState& state) {
    auto json = jobToJson(job);
    Poco::JSON::Object::Ptr os = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    os->set("backend", context.scheduler.backendName());
    os->set("registered", state.registered);
    os->set("enabled", state.enabled);
    os->set("next", isoOrNull(state.next));
    os->set("last", isoOrNull(state.last));
    os->set("last_result",
            state.lastResult ? Poco::Dynamic::Var(*state.lastResult) : Poco::Dynamic::Var());
    Poco::JSON::Array::Ptr drift = new Poco::JSON::Array;
    for (const auto& entry : state.drift) drift->add(entry);
    os->set("drift", drift);
    json->set("os", os);
    return json;
}

Poco::JSON::Object::Ptr jobWithOsState(ApiContext& context, const Job& job) {
    return jobWithOsState(context, job, context.scheduler.state(job.name));
}

void rejectContinuationProblems(ApiContext& context, const Job& job) {
    if (job.onSuccess.empty() && job.onFailure.empty()) return;
    if (const auto problem = continuationProblem(job, context.store.jobs()); !problem.empty())
        throw ValidationError(problem);
}

// After the store has committed a change, the OS scheduler follows. A failure there does not
// undo the committed change: it is logged and shows up as drift in the job's "os" object.
void syncScheduler(ApiContext& context, const Job& job) {
    const auto error = context.scheduler.upsert(scheduledJobFor(job));
    if (!error.empty()) spdlog::error("job {}: {}", job.name, error);
}

ApiResponse runAccepted(RunId id, std::optional<bool> duplicate = std::nullopt,
                        std::optional<EpochMillis> due = std::nullopt) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("run", id);
    if (duplicate) body->set("duplicate", *duplicate);
    if (due) body->set("due_at", formatIso(*due));
    return jsonResponse(202, body);
}

}  // namespace

ApiResponse listJobs(ApiContext& context, const ApiRequest&) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    const auto jobs = context.store.jobs();
    std::vector<std::string> names;
    for (const auto& job : jobs) names.push_back(job.name);
    const auto states = context.scheduler.states(names);  // one question to the OS for all
    for (std::size_t i = 0; i < jobs.size(); ++i)
        list->add(jobWithOsState(context, jobs[i], states[i]));
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("jobs", list);
    return jsonResponse(200, body);
}

// Plugins are loaded at start, so a handler unknown now would fail every run: say so at once.
void rejectUnknownHandler(const ApiContext& context, const Job& job) {
    if (job.handler && context.handlers && !context.handlers->has(job.handler->name)) {
        throw ValidationError("handler.name: no handler named " + job.handler->name + " (" +
                              context.handlers->describeNames() + ")");
    }
}

ApiResponse createJob(ApiContext& context, const ApiRequest& request) {
    auto job = jobFromJson(*parseJsonObject(request.body));
    rejectUnknownHandler(context, job);
    rejectContinuationProblems(context, job);
    if (!context.store.insertJob(job)) {
        return errorResponse(409, "job exists", "a job named " + job.name + " already exists");
    }
    syncScheduler(context, job);
    return jsonResponse(201, jobWithOsState(context, job));
}

ApiResponse getJob(ApiContext& context, const std::string& name) {
    if (auto bad = rejectBadName(name)) return *bad;
    const auto job = context.store.job(name);
    return job ? jsonResponse(200, jobWithOsState(context, *job)) : noSuchJob(name);
}

ApiResponse replaceJob(ApiContext& context, const std::string& name, const ApiRequest& request) {
    if (auto bad = rejectBadName(name)) return *bad;
    auto object = parseJsonObject(request.body);
    // The path names the job; a body may omit the name but must not contradict it (renaming
    // would orphan the job's history and OS units).
    if (!object->has("name")) object->set("name", name);
    auto job = jobFromJson(*object);
    rejectUnknownHandler(context, job);
    if (job.name != name) {
        return errorResponse(400, "invalid request",
                             "name: the body names " + job.name + " but the path names " + name +
                                 "; jobs cannot be renamed");
    }
    if (!context.store.job(name)) return noSuchJob(name);
    rejectContinuationProblems(context, job);
    if (!context.store.updateJob(job)) return noSuchJob(name);
    syncScheduler(context, job);
    return jsonResponse(200, jobWithOsState(context, job));
}

ApiResponse deleteJob(ApiContext& context, const std::string& name) {
    if (auto bad = rejectBadName(name)) return *bad;
    if (!context.store.deleteJob(name)) return noSuchJob(name);
    if (const auto error = context.scheduler.remove(name); !error.empty()) {
        spdlog::error("job {}: {}", name, error);
    }
    // History stays for the record (retention prunes it); active runs finish on their own.
    ApiResponse response;
    response.status = 204;
    return response;
}

ApiResponse setJobEnabled(ApiContext& context, const std::string& name, bool enabled) {
    if (auto bad = rejectBadName(name)) return *bad;
    if (!context.store.setJobEnabled(name, enabled)) return noSuchJob(name);
    if (const auto job = context.store.job(name)) syncScheduler(context, *job);
    return getJob(context, name);
}

ApiResponse startRun(ApiContext& context, const std::string& name, const ApiRequest& request) {
    if (auto bad = rejectBadName(name)) return *bad;
    const auto body = bodyObject(request);
    Trigger trigger = Trigger::Api;
    std::optional<EpochMillis> due;
    for (const auto& [key, value] : *body) {
        if (key == "trigger") {
            // The CLI and dashboard say "manual": an operator's hand, not a program's call.
            const auto text = value.isString() ? value.extract<std::string>() : "";
            if (text != "manual" && text != "api") {
                throw ValidationError("trigger: must be manual or api");
            }
            trigger = text == "manual" ? Trigger::Manual : Trigger::Api;
        } else if (key == "delay" || key == "at") {
            if (due) throw ValidationError("delay, at: give one of them, not both");
            due = runDueTime(key, value, nowMillis());
        } else {
            throw ValidationError(printableForMessage(key) + ": unknown field");
        }
    }
    if (!context.store.job(name)) return noSuchJob(name);
    // A disabled job can still be run by hand: disabling stops the schedule, not the operator.
    const auto id = context.store.insertRun({name, trigger, std::nullopt, 1, context.node, due});
    // The run is committed as queued: if shutdown has begun it starts at the next start, so the
    // answer is an acknowledgement either way.
    context.executor.submitWhenDue(id, due);
    return runAccepted(id, std::nullopt, due);
}

ApiResponse fireJob(ApiContext& context, const std::string& name, const ApiRequest& request) {
    if (auto bad = rejectBadName(name)) return *bad;
    const auto body = bodyObject(request);
    std::optional<EpochMillis> elapsed;
    for (const auto& [key, value] : *body) {
        if (key != "elapsed_usec")
            throw ValidationError(printableForMessage(key) + ": unknown field");
        if (!value.isInteger() || value.convert<long long>() <= 0) {
            throw ValidationError(
                "elapsed_usec: must be a positive integer (microseconds since the epoch)");
        }
        elapsed = value.convert<long long>() / 1000;
    }
    const auto result = context.firePath.fire(name, elapsed);
    switch (result.status) {
        case FirePath::Result::Status::NoSuchJob:
            return noSuchJob(name);
        case FirePath::Result::Status::Disabled:
            return errorResponse(409, "job disabled",
                                 "job " + name + " is disabled; enable it or start a run by hand");
        case FirePath::Result::Status::Accepted:
            break;
    }
    return runAccepted(result.run, result.duplicate);
}

}  // namespace belfry
