// Exit codes of the `belfry` client. They are a contract: the OS scheduler records the exit status
// of `belfry fire NAME` as the job's last result (systemd's ExecMainStatus, Task Scheduler's "Last
// Run Result"), and scripts branch on them. Codes follow sysexits(3) where one fits and timeout(1)
// for 124. A job's own exit code passes through unchanged, so it can collide with the codes of the
// client itself; `belfry runs NAME` tells them apart.
//
//   0        success; for a run: succeeded, or skipped by the job's concurrency policy
//   1-255    a failed exec job's own exit code
//   1        a failed run without an exit code of its own (HTTP or handler job, start failure)
//   128+N    the job was killed by signal N
//   124      the run timed out
//   125      the run was cancelled (also: `belfry fire` stopped by SIGTERM/SIGINT cancels it)
//   64       usage error (EX_USAGE), including an invalid job name and a bad configuration file
//   65       request rejected by the service: any 4xx but 401/403/404 (EX_DATAERR); also a job
//            file that is not valid JSON
//   66       no such job or run: 404 (EX_NOINPUT); also a job file that cannot be read
//   69       service error: 5xx or a malformed reply (EX_UNAVAILABLE)
//   73       `belfry fire`: the service was unreachable and the fire could not be spooled either
//            (EX_CANTCREAT): this fire is not recorded anywhere
//   75       service unreachable, or the run was interrupted (EX_TEMPFAIL: try again); for
//            `belfry fire`: the fire is spooled and belfryd takes it when it is back
//   77       admin token missing or rejected: 401/403 (EX_NOPERM)
//
// Pure functions; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "json_util.h"

namespace belfry::cli {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 64;
constexpr int kExitRejected = 65;
constexpr int kExitNotFound = 66;
constexpr int kExitServiceError = 69;
constexpr int kExitCantCreate = 73;
constexpr int kExitTempFail = 75;
constexpr int kExitNoPermission = 77;
constexpr int kExitTimedOut = 124;
constexpr int kExitCancelled = 125;
constexpr int kExitSignalBase = 128;

// True for the states a run never leaves: succeeded, failed, timed_out, cancelled, interrupted,
// skipped.
bool isTerminalRunState(std::string_view state);

// The exit code that reports a finished RUN (the server's JSON) to whoever ran the client, per the
// table above. A run in a state this client does not know yields kExitServiceError.
int exitCodeForRun(const Json& run);

// The exit code for a non-2xx HTTP status of the REST API.
int exitCodeForHttpStatus(int status);

// One line that says how a finished run ended, for stderr or a terminal: "run 42 of job backup
// failed with exit code 3: <error>". No trailing newline.
std::string describeRunEnd(const Json& run);

}  // namespace belfry::cli
