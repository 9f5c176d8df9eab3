#include "cli.h"

#include <exception>

#include "belfry/job_name.h"
#include "commands.h"
#include "endpoint.h"
#include "exit_codes.h"
#include "format.h"
#include "schedule_helper.h"

namespace belfry::cli {

std::string usageText() {
    return R"(Usage: belfry [--config FILE] [--endpoint HOST:PORT] [--json] COMMAND [ARGS...]

The client of belfryd, the Belfry job service. `belfry fire` is what the OS scheduler (systemd
timer, Task Scheduler task) runs when a job's schedule fires.

Commands:
  jobs list                      list jobs: name, enabled, schedule, action
  jobs show NAME                 show one job
  jobs add --file FILE|-         create a job from its JSON definition (- reads stdin)
  jobs add NAME [SCHEDULE] [OPTIONS] -- PROGRAM [ARGS...]
  jobs add NAME [SCHEDULE] [OPTIONS] --http-url URL [--http-method METHOD]
                                 create a job from flags:
      SCHEDULE  --cron EXPR [--tz ZONE] | --every DURATION | --at ISO-8601
                (none: the job runs only when asked)
      OPTIONS   --timeout DURATION  --description TEXT  --disabled
                --concurrency skip|queue|parallel|replace  (--http-method defaults to GET)
  jobs edit NAME --file FILE|-   replace a job's definition
  jobs rm NAME                   delete a job, and its OS timer or task
  jobs enable NAME               enable a job, and its OS timer or task
  jobs disable NAME              disable a job, and its OS timer or task
  run NAME [--wait]              start a run now and print its id; with --wait, wait for it,
                                 print how it ended and its output, and exit with its status
  runs [NAME] [--state STATE] [--limit N] [--before ID]
                                 list runs, newest first
  fire NAME                      for the OS scheduler: report the timer's fire, wait for the run
                                 and exit with its status; SIGTERM or SIGINT cancels the run
  next CRON [--tz ZONE] [--from ISO] [-n N]
                                 print the next N (default 5) fire times of a cron expression,
                                 one ISO-8601 line each with its UTC offset; no service needed
  translate systemd|taskscheduler CRON [--tz ZONE] [--from ISO]
                                 print the OnCalendar= lines, or the Task Scheduler <Triggers>
                                 XML, that fire at exactly those instants from --from (default:
                                 now) on; no service needed
  reconcile [--dry-run]          make the OS timers or tasks match the jobs now: create missing
                                 ones, re-write stale ones, remove orphans; what an admin changed
                                 is reported as drift and left alone. --dry-run only reports;
                                 exit 1 when some job could not be reconciled
  help, --help                   this text
  --version                      print the client's version

Options (before the command):
  --config FILE         belfryd's configuration file, for http.listen and state.dir
                        (default: $BELFRY_CONFIG, else /etc/belfry/belfry.properties if present)
  --endpoint HOST:PORT  connect here instead of the configured http.listen
  --json                print the service's JSON replies as they are

The admin token is read from <state.dir>/admin.token. When http.listen has port 0, the address
comes from <state.dir>/endpoint, which belfryd writes once it listens.

Exit status:
  0       success; for a run: it succeeded, or its concurrency policy skipped it
  1-255   a failed job's own exit code; 1 when it has none (HTTP job, failure to start)
  128+N   the job was killed by signal N
  124     the run timed out
  125     the run was cancelled (also when `fire` is stopped by SIGTERM or SIGINT)
  64      usage error, invalid job name, or unreadable configuration
  65      the service rejected the request (invalid definition, job disabled, ...)
  66      no such job or run
  69      service error (5xx or a malformed reply)
  73      fire: service unreachable, and the fire could not be spooled either
  75      service unreachable, or the run was interrupted: try again later; for fire:
          the fire is spooled in spool.dir and belfryd takes it when it is back
  77      admin token missing or rejected
A job's own exit code can equal one of the client's; `belfry runs NAME` tells them apart.
)";
}

namespace {

bool takeFlagValue(const std::vector<std::string>& args, std::size_t* index, const char* flag,
                   std::optional<std::string>* value, std::string* error) {
    const std::string& arg = args[*index];
    const std::string prefix = std::string(flag) + "=";
    if (arg.compare(0, prefix.size(), prefix) == 0) {
        *value = arg.substr(prefix.size());
        return true;
    }
    if (*index + 1 >= args.size()) {
        *error = std::string(flag) + " needs a value";
        return false;
    }
    *value = args[++*index];
    return true;
}

bool isFlag(const std::string& arg, const char* flag) {
    const std::size_t length = std::char_traits<char>::length(flag);
    return arg.compare(0, length, flag) == 0 && (arg.size() == length || arg[length] == '=');
}

int dispatch(const std::vector<std::string>& args, const CliEnvironment& environment) {
    CommandContext context{environment};
    std::optional<std::string> configFlag;
    std::size_t index = 0;
    for (; index < args.size(); ++index) {
        const std::string& arg = args[index];
        std::string error;
        if (isFlag(arg, "--config")) {
            if (!takeFlagValue(args, &index, "--config", &configFlag, &error)) {
                return context.usageError(error);
            }
        } else if (isFlag(arg, "--endpoint")) {
            if (!takeFlagValue(args, &index, "--endpoint", &context.endpointFlag, &error)) {
                return context.usageError(error);
            }
        } else if (arg == "--json") {
            context.json = true;
        } else if (arg == "--help" || arg == "-h") {
            context.print(usageText());
            return kExitSuccess;
        } else if (arg == "--version") {
            context.print("belfry " BELFRY_VERSION "\n");
            return kExitSuccess;
        } else if (arg.size() > 1 && arg[0] == '-') {
            return context.usageError("unknown option '" + oneLineText(arg) + "'");
        } else {
            break;
        }
    }
    if (index == args.size()) return context.usageError("missing COMMAND");
    const std::string command = args[index++];
    if (command == "help") {
        context.print(usageText());
        return kExitSuccess;
    }
    if ((command == "next" && !environment.nextCommand) ||
        (command == "translate" && !environment.translateCommand)) {
        return runScheduleHelper(context, args);
    }

    // Command words, with --json and --help taken out wherever they appear before a `--`
    // (after it, every word belongs to the job's program).
    std::vector<std::string> rest;
    bool afterSeparator = false;
    for (; index < args.size(); ++index) {
        const std::string& arg = args[index];
        if (!afterSeparator && arg == "--json") {
            context.json = true;
            continue;
        }
        if (!afterSeparator && (arg == "--help" || arg == "-h")) {
            context.print(usageText());
            return kExitSuccess;
        }
        if (arg == "--") afterSeparator = true;
        rest.push_back(arg);
    }

    using Command = int (*)(CommandContext&, const std::vector<std::string>&);
    Command handler = nullptr;
    if (command == "jobs") {
        handler = jobsCommand;
    } else if (command == "run") {
        handler = runCommand;
    } else if (command == "runs") {
        handler = runsCommand;
    } else if (command == "fire") {
        handler = fireCommand;
    } else if (command == "next") {
        handler = environment.nextCommand;
    } else if (command == "translate") {
        handler = environment.translateCommand;
    } else if (command == "reconcile") {
        handler = reconcileCommand;
    } else {
        return context.usageError("unknown command '" + oneLineText(command) + "'");
    }

    ConfigSources sources;
    sources.configFlag = configFlag;
    sources.env = environment.env;
    sources.systemConfigPath = environment.systemConfigPath;
    std::string error;
    if (!loadClientConfig(sources, &context.config, &error)) {
        context.printError(error);
        return kExitUsage;
    }
    return handler(context, rest);
}

}  // namespace

void CommandContext::print(const std::string& text) const {
    std::fwrite(text.data(), 1, text.size(), environment.out);
}

void CommandContext::printError(const std::string& message) const {
    const std::string line = "belfry: " + oneLineText(message) + "\n";
    std::fwrite(line.data(), 1, line.size(), environment.err);
}

int CommandContext::usageError(const std::string& message) const {
    printError(message + " (see belfry --help)");
    return kExitUsage;
}

int CommandContext::checkJobName(const std::string& name) const {
    std::string error;
    if (isValidJobName(name, &error)) return kExitSuccess;
    printError(error);
    return kExitUsage;
}

int CommandContext::connect(std::unique_ptr<ApiClient>* client) const {
    Endpoint endpoint;
    std::string error;
    if (const int code = resolveEndpoint(config, endpointFlag, &endpoint, &error)) {
        printError(error);
        return code;
    }
    std::string token;
    std::string tokenProblem;
    if (!readAdminToken(config.stateDir, &token, &tokenProblem)) token.clear();
    *client =
        std::make_unique<ApiClient>(std::move(endpoint), std::move(token), std::move(tokenProblem));
    return kExitSuccess;
}

int CommandContext::fail(const ApiResult& result) const {
    printError(result.message);
    return result.exitCode;
}

bool isTransient(const ApiResult& result) {
    return result.transportError && (*result.transportError == HttpErrorKind::kUnreachable ||
                                     *result.transportError == HttpErrorKind::kTimeout ||
                                     *result.transportError == HttpErrorKind::kConnectionLost);
}

int runCli(const std::vector<std::string>& args, const CliEnvironment& environment) {
    try {
        const int code = dispatch(args, environment);
        std::fflush(environment.out);
        return code;
    } catch (const std::exception& e) {
        // Reached only through a reply this client does not understand (nlohmann::json's type
        // errors); everything expected is an error value.
        const std::string line =
            std::string("belfry: unexpected reply from belfryd: ") + e.what() + "\n";
        std::fwrite(line.data(), 1, line.size(), environment.err);
        return kExitServiceError;
    }
}

}  // namespace belfry::cli
