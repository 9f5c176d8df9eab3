// The commands of the `belfry` client and what they share: the parsed global flags, the loaded
// configuration, output helpers and the connection to the service. Internal to belfry_cli_lib;
// cli.cpp dispatches here. One CommandContext per runCli call; not shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_client.h"
#include "cli.h"
#include "client_config.h"
#include "json_util.h"

namespace belfry::cli {

struct CommandContext {
    explicit CommandContext(const CliEnvironment& env) : environment(env) {}

    const CliEnvironment& environment;
    bool json = false;  // --json: print the service's JSON instead of tables
    ClientConfig config;
    std::optional<std::string> endpointFlag;

    void print(const std::string& text) const;
    // Writes "belfry: MESSAGE" as one line to stderr.
    void printError(const std::string& message) const;
    // printError plus a pointer to --help; returns kExitUsage.
    int usageError(const std::string& message) const;
    // Checks a job name argument; on failure reports it and returns kExitUsage, else 0.
    int checkJobName(const std::string& name) const;
    // Resolves the endpoint and reads the admin token (a missing token is not an error here: the
    // service answers 401 and the message says why no token was sent). Returns 0 or an exit code
    // after reporting.
    int connect(std::unique_ptr<ApiClient>* client) const;
    // Reports a failed call and returns its exit code.
    int fail(const ApiResult& result) const;
};

// True when a failure may go away by itself (service restarting, not listening yet).
bool isTransient(const ApiResult& result);

// Long-polls GET /v1/runs/ID?wait=... until the run is in a terminal state, riding out brief
// outages with environment.retryDelays. Returns 0 with the final RUN in `run`, or an exit code
// after reporting. With `interruptible`, a stop signal ends the wait: returns kExitCancelled with
// `*interrupted` set and nothing reported.
int waitForRun(const CommandContext& context, ApiClient& client, std::int64_t id,
               bool interruptible, Json* run, bool* interrupted);

// `args` are the words after the command name, with --json and --help already taken out.
int jobsCommand(CommandContext& context, const std::vector<std::string>& args);
int runCommand(CommandContext& context, const std::vector<std::string>& args);
int runsCommand(CommandContext& context, const std::vector<std::string>& args);
int fireCommand(CommandContext& context, const std::vector<std::string>& args);
int nextCommand(CommandContext& context, const std::vector<std::string>& args);
int translateCommand(CommandContext& context, const std::vector<std::string>& args);
int reconcileCommand(CommandContext& context, const std::vector<std::string>& args);

}  // namespace belfry::cli
