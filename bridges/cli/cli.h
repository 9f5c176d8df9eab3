// Entry point of the `belfry` client: parses the global flags and the command, loads the
// configuration and dispatches to the commands (commands.h). Everything the CLI takes from its
// process (streams, environment, the system config path, retry pacing) comes in through
// CliEnvironment, so tests run whole commands in-process.
//
// Thread-safety: runCli may run on one thread at a time (`fire` installs process-wide signal
// handlers for its duration, see stop_signal.h).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "client_config.h"

namespace belfry::cli {

struct CommandContext;
using CommandHandler = int (*)(CommandContext&, const std::vector<std::string>&);

struct CliEnvironment {
    std::FILE* in = stdin;
    std::FILE* out = stdout;
    std::FILE* err = stderr;
    EnvLookup env = processEnvironment();
    std::string systemConfigPath = kSystemConfigPath;
    // Pauses between attempts when the service cannot be reached, while `fire` posts its fire and
    // while `fire` or `run --wait` wait for a run: 5 attempts over about 3 s, then exit 75.
    std::vector<std::chrono::milliseconds> retryDelays = {
        std::chrono::milliseconds(200), std::chrono::milliseconds(400),
        std::chrono::milliseconds(800), std::chrono::milliseconds(1600)};
    // The `wait` of each long-poll for a run's end.
    std::chrono::seconds longPollWait{60};
    // `next` and `translate` need the time-zone database (libdate-tz), and loading that library
    // drags the shared libstdc++ into the process: ~1 ms of dynamic linking at every start, which
    // every `belfry fire` would pay. So `belfry` leaves these null and hands those two commands,
    // with the same arguments, to the belfry-schedule helper program (schedule_helper.h), which
    // sets them.
    CommandHandler nextCommand = nullptr;
    CommandHandler translateCommand = nullptr;
};

// Runs `belfry ARGS...` (`args` without the program name) and returns the exit code
// (exit_codes.h). Output goes to environment.out, diagnostics to environment.err as one line
// "belfry: <what went wrong>".
int runCli(const std::vector<std::string>& args,
           const CliEnvironment& environment = CliEnvironment());

// The text of `belfry --help`, exit codes included.
std::string usageText();

}  // namespace belfry::cli
