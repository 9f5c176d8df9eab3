// /v1/runs: history (newest first, paged), one run with an optional long-poll, cancel.
#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>

#include <algorithm>

#include "api_router.h"
#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "job_json.h"
#include "run_json.h"

namespace belfry {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;
// A long-poll holds a server thread; cap it so a client cannot park threads for hours.
constexpr auto kMaxWait = std::chrono::minutes(5);

std::optional<RunId> parseRunId(const std::string& text) {
    Poco::Int64 id = 0;
    if (text.empty() || text.size() > 18 || !Poco::NumberParser::tryParse64(text, id) || id <= 0 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return id;
}

ApiResponse badRunId(const std::string& text) {
    return errorResponse(
        400, "invalid run id",
        "'" + printableForMessage(text) + "' is not a run id (a positive integer)");
}

ApiResponse noSuchRun(RunId id) {
    return errorResponse(404, "no such run", "run " + std::to_string(id) + " does not exist");
}

}  // namespace

ApiResponse listRuns(ApiContext& context, const ApiRequest& request) {
    RunFilter filter;
    filter.limit = kDefaultLimit;
    for (const auto& [key, value] : request.query) {
        if (key == "job") {
            std::string error;
            if (!isValidJobName(value, &error)) throw ValidationError("job: " + error);
            filter.job = value;
        } else if (key == "state") {
            filter.state = runStateFromString(value);
            if (!filter.state) {
                throw ValidationError(
                    "state: must be one of queued, running, succeeded, failed, "
                    "timed_out, cancelled, interrupted, skipped");
            }
        } else if (key == "limit") {
            int limit = 0;
            if (!Poco::NumberParser::tryParse(value, limit) || limit < 1 || limit > kMaxLimit) {
                throw ValidationError("limit: must be a number from 1 to " +
                                      std::to_string(kMaxLimit));
            }
            filter.limit = limit;
        } else if (key == "before") {
            filter.before = parseRunId(value);
            if (!filter.before) throw ValidationError("before: must be a run id");
        } else {
            throw ValidationError(printableForMessage(key) + ": unknown query parameter");
        }
    }
    const auto runs = context.store.runs(filter);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& run : runs) list->add(runToJson(run));
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("runs", list);
    const bool mayHaveMore = static_cast<int>(runs.size()) == filter.limit;
    body->set("next_before",
              mayHaveMore ? Poco::Dynamic::Var(runs.back().id) : Poco::Dynamic::Var());
    return jsonResponse(200, body);
}

ApiResponse getRun(ApiContext& context, const std::string& idText, const ApiRequest& request) {
    const auto id = parseRunId(idText);
    if (!id) return badRunId(idText);
    std::chrono::milliseconds wait{0};
    for (const auto& [key, value] : request.query) {
        if (key != "wait")
            throw ValidationError(printableForMessage(key) + ": unknown query parameter");
        std::string error;
        const auto parsed = parseDuration(value, &error);
        if (!parsed) throw ValidationError("wait: " + error);
        wait = std::min<std::chrono::milliseconds>(*parsed, kMaxWait);
    }
    auto run = context.store.run(*id);
    if (!run) return noSuchRun(*id);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    // While belfryd stops, answer with the state as it is: the server waits for its handlers.
    while (!isTerminal(run->state) && std::chrono::steady_clock::now() < deadline &&
           !context.executor.stopping()) {
        // The executor wakes us when the run ends; the one-second cap re-reads the store in case
        // the run ends by a path the executor does not see (another node, a restart).
        context.executor.waitUntilEnded(
            *id, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
        run = context.store.run(*id);
    }
    return jsonResponse(200, runToJson(*run));
}

ApiResponse cancelRun(ApiContext& context, const std::string& idText) {
    const auto id = parseRunId(idText);
    if (!id) return badRunId(idText);
    switch (context.executor.cancel(*id)) {
        case Executor::CancelResult::NotFound:
            return noSuchRun(*id);
        case Executor::CancelResult::AlreadyEnded:
            return errorResponse(409, "run has ended",
                                 "run " + std::to_string(*id) + " has already ended");
        case Executor::CancelResult::Cancelling:
            break;
    }
    return jsonResponse(202, runToJson(*context.store.run(*id)));
}

ApiResponse retryRun(ApiContext& context, const std::string& idText) {
    const auto id = parseRunId(idText);
    if (!id) return badRunId(idText);
    const auto run = context.store.run(*id);
    if (!run) return noSuchRun(*id);
    if (!isTerminal(run->state)) {
        return errorResponse(409, "run is still active",
                             "run " + std::to_string(*id) + " is " + toString(run->state) +
                                 "; retry it once it has ended");
    }
    if (!context.store.job(run->job)) {
        return errorResponse(404, "no such job", "job " + run->job + " no longer exists");
    }
    // An operator's retry is the next attempt of the same slot, at once, whatever the job's retry
    // policy says (the policy governs automatic retries only).
    const auto retry = context.store.insertRun(
        {run->job, Trigger::Retry, run->slot, run->attempt + 1, context.node});
    context.executor.submit(retry);
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("run", retry);
    body->set("retry_of", *id);
    return jsonResponse(202, body);
}

}  // namespace belfry
