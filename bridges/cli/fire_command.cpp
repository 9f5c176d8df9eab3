// `belfry fire NAME`: what the OS scheduler runs at every timer elapse (DESIGN.md, "The fire
// path"). Kept to the essentials, since it runs once per scheduled run: one POST records the fire,
// long-polls on the same keep-alive connection wait for the run's end, and the run's status becomes
// the exit code, so the OS tool's "last result" tells the truth. No tables, no formatting beyond
// one line on stderr when the run did not succeed. When belfryd cannot be reached, the fire is
// retried briefly and then spooled to disk (spool_writer.h) for belfryd to take later: exit 75.
#include <time.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "belfry/spool/spooled_fire.h"
#include "commands.h"
#include "exit_codes.h"
#include "spool_writer.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

constexpr std::chrono::seconds kFireTimeout{15};
constexpr std::chrono::seconds kCancelTimeout{10};
// The retries before spooling stop once this much time has passed. The pauses
// (CliEnvironment::retryDelays, ~3 s in all) ride out a `systemctl restart belfryd`, which takes
// well under a second; beyond that, waiting longer only delays the timer's unit while the fire is
// as safe in the spool. The budget also caps the case where every connect runs into its 3 s
// timeout (a firewall dropping loopback packets): no new attempt starts after it.
constexpr std::chrono::seconds kReachBudget{6};

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

// True when the fire surely did not reach belfryd's store, or repeating it cannot run the job
// twice, so it may be sent again and, failing that, spooled. belfryd answers 503 when its store is
// unavailable (nothing was recorded). A lost reply counts only for a fire with the timer's elapse
// time: belfryd records such a fire once per (job, slot), so a repeat or a spooled copy of a fire
// that did arrive is recorded as a skipped duplicate. A manual fire whose reply was lost may have
// been recorded; repeating it could run the job twice, so that one is reported, not repeated.
bool mayRepeat(const ApiResult& result, bool idempotent) {
    if (result.status == 503) return true;
    return idempotent ? isTransient(result) : result.transportError == HttpErrorKind::kUnreachable;
}

std::uint64_t nowSeconds() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// The fire could not be delivered (`why`): records it in the spool directory for belfryd to take
// at its next start or sweep. Exit 75 when spooled; 73 when even that failed, since the fire is
// then recorded nowhere and must not look like anything but a failure.
int spoolFire(const CommandContext& context, const std::string& name,
              std::optional<std::uint64_t> elapsedUsec, const std::string& why) {
    spool::SpooledFire fire;
    fire.id = spool::newFireId();
    fire.job = name;
    fire.trigger = elapsedUsec ? spool::FireTrigger::Schedule : spool::FireTrigger::Manual;
    fire.elapsedUsec = elapsedUsec;
    fire.spooledAt = static_cast<std::int64_t>(nowSeconds());
    std::string path;
    std::string error;
    if (!writeSpoolFile(context.config.spoolDir, fire, &path, &error)) {
        context.printError("job " + name + ": " + why + ", and the fire could not be spooled: " +
                           error + "; this fire is NOT recorded");
        return kExitCantCreate;
    }
    context.printError("job " + name + ": " + why + "; spooled the fire to " + path +
                       " for belfryd to take when it is back");
    return kExitTempFail;
}

}  // namespace

int fireCommand(CommandContext& context, const std::vector<std::string>& args) {
    if (args.size() != 1) return context.usageError("fire takes one job NAME");
    const std::string& name = args[0];
    if (const int code = context.checkJobName(name)) return code;

    StopSignalScope stopScope;
    Json body = Json::object();
    const auto elapsed = elapsedUsec(context.environment.env);
    if (elapsed) body["elapsed_usec"] = *elapsed;

    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) {
        // 75: http.listen has port 0 and belfryd has not published its address, i.e. it is not
        // listening (connect() said so). Anything else is a configuration problem to report.
        if (code != kExitTempFail) return code;
        return spoolFire(context, name, elapsed, "belfryd is not listening");
    }
    const std::string target = "/v1/jobs/" + name + "/fire";
    const auto& delays = context.environment.retryDelays;
    const auto giveUpAt = std::chrono::steady_clock::now() + kReachBudget;

    // With the timer's elapse time the fire is idempotent per (job, slot); see mayRepeat.
    const bool idempotent = elapsed.has_value();
    ApiResult fired;
    std::size_t attempts = 0;
    for (;; ++attempts) {
        fired = client->call("POST", target, &body, kFireTimeout);
        if (fired.ok || !mayRepeat(fired, idempotent) || attempts >= delays.size() ||
            std::chrono::steady_clock::now() + delays[attempts] > giveUpAt) {
            break;
        }
        if (!sleepUnlessStopped(delays[attempts])) {
            context.printError("stopped before the fire of job " + name + " reached belfryd");
            return kExitCancelled;
        }
    }
    if (!fired.ok) {
        if (mayRepeat(fired, idempotent)) {
            return spoolFire(
                context, name, elapsed,
                fired.message + " (gave up after " + std::to_string(attempts + 1) + " attempts)");
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
