// `belfry run NAME [--wait]`, `belfry runs [NAME] ...`, and the long-poll wait that `run --wait`
// shares with `fire`.
#include <algorithm>
#include <array>
#include <chrono>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "format.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

bool parsePositive(const std::string& text, std::int64_t* value) {
    if (text.empty() || text.size() > 18) return false;
    std::int64_t result = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        result = result * 10 + (c - '0');
    }
    *value = result;
    return result > 0;
}

}  // namespace

int waitForRun(const CommandContext& context, ApiClient& client, std::int64_t id,
               bool interruptible, Json* run, bool* interrupted) {
    using std::chrono::milliseconds;
    const auto wait = context.environment.longPollWait;
    const std::string target =
        "/v1/runs/" + std::to_string(id) + "?wait=" + std::to_string(wait.count()) + "s";
    // The service answers within `wait`; the margin covers a slow reply, not a lost one.
    const milliseconds timeout = wait + std::chrono::seconds(30);
    const auto& delays = context.environment.retryDelays;
    std::size_t failures = 0;
    for (;;) {
        const auto started = std::chrono::steady_clock::now();
        const ApiResult result = client.call("GET", target, nullptr, timeout, interruptible);
        if (result.transportError == HttpErrorKind::kInterrupted) {
            *interrupted = true;
            return kExitCancelled;
        }
        if (result.ok) {
            failures = 0;
            const auto state = jsonString(result.body, "state");
            if (!state) {
                context.printError("bad answer from belfryd: run " + std::to_string(id) +
                                   " has no state");
                return kExitServiceError;
            }
            if (isTerminalRunState(*state)) {
                *run = result.body;
                return kExitSuccess;
            }
            // A service that answers long-polls at once would otherwise make this loop spin.
            const milliseconds pause = std::min<milliseconds>(std::chrono::seconds(1), wait);
            if (std::chrono::steady_clock::now() - started < pause && !sleepUnlessStopped(pause) &&
                interruptible) {
                *interrupted = true;
                return kExitCancelled;
            }
            continue;
        }
        // The run is recorded; a restarting service is worth a few retries before giving up.
        if (isTransient(result) && failures < delays.size()) {
            if (!sleepUnlessStopped(delays[failures++]) && interruptible) {
                *interrupted = true;
                return kExitCancelled;
            }
            continue;
        }
        return context.fail(result);
    }
}

int runCommand(CommandContext& context, const std::vector<std::string>& args) {
    std::optional<std::string> name;
    bool wait = false;
    for (const auto& arg : args) {
        if (arg == "--wait") {
            wait = true;
        } else if (!arg.empty() && arg[0] == '-') {
            return context.usageError("run: unknown option '" + oneLineText(arg) + "'");
        } else if (name) {
            return context.usageError("run takes one job NAME");
        } else {
            name = arg;
        }
    }
    if (!name) return context.usageError("run: missing the job NAME");
    if (const int code = context.checkJobName(*name)) return code;

    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    // "manual" tells the history an operator started this run, not a program calling the API.
    const Json body = Json::object({{"trigger", "manual"}});
    const ApiResult started = client->call("POST", "/v1/jobs/" + *name + "/runs", &body);
    if (!started.ok) return context.fail(started);
    const auto id = jsonInt(started.body, "run");
    if (!id) {
        context.printError("bad answer from belfryd: no run id in the reply");
        return kExitServiceError;
    }
    if (!wait) {
        context.print(context.json ? prettyJson(started.body) : std::to_string(*id) + "\n");
        return kExitSuccess;
    }
    Json run;
    bool interrupted = false;
    if (const int code = waitForRun(context, *client, *id, false, &run, &interrupted)) return code;
    context.print(context.json ? prettyJson(run) : formatRunReport(run));
    return exitCodeForRun(run);
}

int runsCommand(CommandContext& context, const std::vector<std::string>& args) {
    static constexpr std::array<const char*, 8> kStates{"queued",      "running",   "succeeded",
                                                        "failed",      "timed_out", "cancelled",
                                                        "interrupted", "skipped"};
    std::optional<std::string> name;
    std::string query;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--state" || arg == "--limit" || arg == "--before") {
            if (i + 1 >= args.size()) return context.usageError("runs: " + arg + " needs a value");
            const std::string& value = args[++i];
            if (arg == "--state") {
                bool known = false;
                for (const char* state : kStates) known = known || value == state;
                if (!known) {
                    return context.usageError(
                        "runs: --state must be one of queued, running, "
                        "succeeded, failed, timed_out, cancelled, "
                        "interrupted, skipped");
                }
            } else {
                std::int64_t number = 0;
                if (!parsePositive(value, &number)) {
                    return context.usageError("runs: " + arg + " needs a positive number");
                }
            }
            query += "&" + arg.substr(2) + "=" + urlEncode(value);
        } else if (!arg.empty() && arg[0] == '-') {
            return context.usageError("runs: unknown option '" + oneLineText(arg) + "'");
        } else if (name) {
            return context.usageError("runs takes at most one job NAME");
        } else {
            name = arg;
        }
    }
    if (name) {
        if (const int code = context.checkJobName(*name)) return code;
        query = "&job=" + urlEncode(*name) + query;
    }
    std::string target = "/v1/runs";
    if (!query.empty()) target += "?" + query.substr(1);

    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    const ApiResult result = client->call("GET", target);
    if (!result.ok) return context.fail(result);
    context.print(context.json ? prettyJson(result.body) : formatRunTable(result.body));
    return kExitSuccess;
}

}  // namespace belfry::cli
