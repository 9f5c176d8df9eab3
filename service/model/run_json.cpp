#include "run_json.h"

#include "timestamps.h"

namespace belfry {
namespace {

template <typename T>
Poco::Dynamic::Var orNull(const std::optional<T>& value) {
    return value ? Poco::Dynamic::Var(*value) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var isoOrNull(const std::optional<EpochMillis>& instant) {
    return instant ? Poco::Dynamic::Var(formatIso(*instant)) : Poco::Dynamic::Var();
}

}  // namespace

Poco::JSON::Object::Ptr runToJson(const Run& run) {
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", run.id);
    out->set("job", run.job);
    out->set("trigger", toString(run.trigger));
    out->set("slot", isoOrNull(run.slot));
    out->set("attempt", run.attempt);
    out->set("state", toString(run.state));
    out->set("queued_at", formatIso(run.queuedAt));
    out->set("started_at", isoOrNull(run.startedAt));
    out->set("finished_at", isoOrNull(run.finishedAt));
    out->set("exit_code", orNull(run.exitCode));
    out->set("signal", orNull(run.signal));
    out->set("http_status", orNull(run.httpStatus));
    out->set("output", run.output);
    out->set("error", run.error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(run.error));
    out->set("node", run.node);
    out->set("due_at", isoOrNull(run.dueAt));
    return out;
}

}  // namespace belfry
