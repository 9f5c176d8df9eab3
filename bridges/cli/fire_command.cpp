// `belfry fire NAME`: what the OS scheduler runs at every timer elapse (DESIGN.md, "The fire
// path"). Kept to the essentials, since it runs once per scheduled run: one POST records the fire,
// long-polls on the same keep-alive connection wait for the run's end, and the run's status becomes
// the exit code, so the OS tool's "last result" tells the truth. No tables, no formatting beyond
// one line on stderr when the run did not succeed.
#include <time.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "commands.h"
#include "exit_codes.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

constexpr std::chrono::seconds kFireTimeout{15};
constexpr std::chrono::seconds kCancelTimeout{10};

std::optional<std::uint64_t> unsignedVariable(const EnvLookup& env, const char* name) {
    const auto text = env ? env(name) : std::nullopt;
    if (!text || text->empty() || text->size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : *text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

// A fresh trigger is milliseconds old when this process starts; a stale one (below) is at least
// one schedule period old, and no Belfry schedule fires more often than once a second.
constexpr std::chrono::milliseconds kStaleTriggerAge{900};

// systemd (>= 251) passes the timer's elapse time; the service uses it to find the slot, so a late
// start of this process does not shift the run to a different slot. systemd 252 passes the same
// value at every elapse of a timer after its first one (the service unit keeps the activation
// details of its first trigger), which would make every later fire a duplicate of the first slot.
// So the value is trusted only while TRIGGER_TIMER_MONOTONIC_USEC says it is fresh; a stale one
// is replaced by the current time, which lies in the same slot as the real elapse unless this
// process started a whole period late.
std::optional<std::uint64_t> elapsedUsec(const EnvLookup& env) {
    const auto realtime = unsignedVariable(env, "TRIGGER_TIMER_REALTIME_USEC");
    if (!realtime || *realtime == 0) return std::nullopt;  // no timer: a manual start
    const auto monotonic = unsignedVariable(env, "TRIGGER_TIMER_MONOTONIC_USEC");
    timespec now{};
    if (!monotonic || ::clock_gettime(CLOCK_MONOTONIC, &now) != 0) return realtime;
    const auto nowUsec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
                         static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
    const auto stale = std::chrono::duration_cast<std::chrono::microseconds>(kStaleTriggerAge);
    if (nowUsec <= *monotonic + static_cast<std::uint64_t>(stale.count())) return realtime;
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// An admin stopped the unit (or pressed Ctrl-C): cancel the run rather than leave it running with
// nobody to report its end. Uses a fresh connection, the old one is mid-reply.
int cancelRun(const CommandContext& context, ApiClient& client, const std::string& name,
              std::int64_t id) {
    client.disconnect();
    const std::string runPath = "/v1/runs/" + std::to_string(id);
    const ApiResult cancelled = client.call("POST", runPath + "/cancel", nullptr, kCancelTimeout);
    if (cancelled.ok) {
        context.printError("stopped: cancelled run " + std::to_string(id) + " of job " + name);
        return kExitCancelled;
    }
    if (cancelled.status == 409) {  // it ended meanwhile: report how
        const ApiResult current = client.call("GET", runPath, nullptr, kCancelTimeout);
        const auto state = jsonString(current.body, "state");
        if (current.ok && state && isTerminalRunState(*state)) return exitCodeForRun(current.body);
    }
    context.printError("stopped, but could not cancel run " + std::to_string(id) + " of job " +
                       name + ": " + cancelled.message);
    return kExitCancelled;
}

}  // namespace

int fireCommand(CommandContext& context, const std::vector<std::string>& args) {
    if (args.size() != 1) return context.usageError("fire takes one job NAME");
    const std::string& name = args[0];
    if (const int code = context.checkJobName(name)) return code;

    StopSignalScope stopScope;
    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;

    Json body = Json::object();
    if (const auto usec = elapsedUsec(context.environment.env)) body["elapsed_usec"] = *usec;
    const std::string target = "/v1/jobs/" + name + "/fire";
    const auto& delays = context.environment.retryDelays;

    // With the timer's elapse time the fire is idempotent per (job, slot), so repeating it after a
    // lost reply is safe. Without it the service records a new run per fire: then only a fire that
    // never reached the service (connection refused) is repeated.
    const bool idempotent = body.contains("elapsed_usec");
    ApiResult fired;
    for (std::size_t attempt = 0;; ++attempt) {
        fired = client->call("POST", target, &body, kFireTimeout);
        const bool retry =
            idempotent ? isTransient(fired) : fired.transportError == HttpErrorKind::kUnreachable;
        if (fired.ok || !retry || attempt >= delays.size()) break;
        if (!sleepUnlessStopped(delays[attempt])) {
            context.printError("stopped before the fire of job " + name + " reached belfryd");
            return kExitCancelled;
        }
    }
    if (!fired.ok) {
        if (fired.transportError == HttpErrorKind::kUnreachable) {
            context.printError("job " + name + ": " + fired.message + " (gave up after " +
                               std::to_string(delays.size() + 1) + " attempts)");
            return kExitTempFail;
        }
        return context.fail(fired);
    }
    const auto id = jsonInt(fired.body, "run");
    if (!id) {
        context.printError("bad answer from belfryd: no run id in the reply to the fire of job " +
                           name);
        return kExitServiceError;
    }
    if (stopRequested()) return cancelRun(context, *client, name, *id);

    Json run;
    bool interrupted = false;
    const int code = waitForRun(context, *client, *id, true, &run, &interrupted);
    if (interrupted) return cancelRun(context, *client, name, *id);
    if (code) return code;
    const int exitCode = exitCodeForRun(run);
    if (exitCode != kExitSuccess || jsonString(run, "state") != "succeeded") {
        context.printError(describeRunEnd(run));
    }
    return exitCode;
}

}  // namespace belfry::cli
