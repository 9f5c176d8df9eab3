// `belfry jobs list|show|add|edit|rm|enable|disable`.
#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "format.h"
#include "job_flags.h"
#include "text_file.h"

namespace belfry::cli {
namespace {

std::string jobPath(const std::string& name) {
    return "/v1/jobs/" + urlEncode(name);
}

// Reads a job definition from FILE or stdin ("-"). Members the service computes (timestamps, the
// OS's view) are dropped, so `belfry --json jobs show X > f; edit f; belfry jobs edit X --file f`
// round-trips. Returns 0 or an exit code after reporting.
int readJobFile(const CommandContext& context, const std::string& path, Json* job) {
    std::string text;
    std::string error;
    const bool read = path == "-" ? readTextStream(context.environment.in, "stdin", &text, &error)
                                  : readTextFile(path, &text, &error);
    if (!read) {
        context.printError(error);
        return kExitNotFound;
    }
    try {
        *job = Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // what() reads "[json.exception.parse_error.101] parse error at line 2, column 3: ...".
        std::string why = e.what();
        if (const auto bracket = why.find("] ");
            why.front() == '[' && bracket != std::string::npos) {
            why = why.substr(bracket + 2);
        }
        context.printError((path == "-" ? std::string("stdin") : path) + ": " + why);
        return kExitRejected;
    }
    if (!job->is_object()) {
        context.printError((path == "-" ? std::string("stdin") : path) +
                           ": a job definition must be a JSON object");
        return kExitRejected;
    }
    for (const char* computed : {"created_at", "updated_at", "os"}) job->erase(computed);
    if (const auto name = jsonString(*job, "name")) {
        if (const int code = context.checkJobName(*name)) return code;
    }
    return kExitSuccess;
}

// Finds `--file F` / `--file=F` in `args`; returns false when absent. The remaining words are put
// in `others`.
bool takeFileFlag(const std::vector<std::string>& args, std::optional<std::string>* path,
                  std::vector<std::string>* others, std::string* error) {
    bool found = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            others->insert(others->end(), args.begin() + static_cast<std::ptrdiff_t>(i),
                           args.end());
            break;
        }
        if (arg == "--file" || arg.compare(0, 7, "--file=") == 0) {
            if (found) {
                *error = "--file is given twice";
                return true;
            }
            found = true;
            if (arg != "--file") {
                *path = arg.substr(7);
            } else if (i + 1 < args.size()) {
                *path = args[++i];
            } else {
                *error = "--file needs a FILE (or - for stdin)";
            }
            continue;
        }
        others->push_back(arg);
    }
    return found;
}

// Performs a call whose reply is a JOB (or nothing): prints it as JSON with --json, else
// `confirmation`.
int callAndConfirm(CommandContext& context, const std::string& method, const std::string& target,
                   const Json* body, const std::string& confirmation) {
    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    const ApiResult result = client->call(method, target, body);
    if (!result.ok) return context.fail(result);
    if (context.json) {
        if (!result.body.is_null()) context.print(prettyJson(result.body));
    } else {
        context.print(confirmation + "\n");
    }
    return kExitSuccess;
}

int list(CommandContext& context, const std::vector<std::string>& args) {
    if (!args.empty()) return context.usageError("jobs list takes no arguments");
    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    const ApiResult result = client->call("GET", "/v1/jobs");
    if (!result.ok) return context.fail(result);
    context.print(context.json ? prettyJson(result.body) : formatJobTable(result.body));
    return kExitSuccess;
}

int show(CommandContext& context, const std::vector<std::string>& args) {
    if (args.size() != 1) return context.usageError("jobs show takes one job NAME");
    if (const int code = context.checkJobName(args[0])) return code;
    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    const ApiResult result = client->call("GET", jobPath(args[0]));
    if (!result.ok) return context.fail(result);
    context.print(context.json ? prettyJson(result.body) : formatJobDetails(result.body));
    return kExitSuccess;
}

int add(CommandContext& context, const std::vector<std::string>& args) {
    std::optional<std::string> path;
    std::vector<std::string> others;
    std::string error;
    Json job;
    if (takeFileFlag(args, &path, &others, &error)) {
        if (!error.empty()) return context.usageError("jobs add: " + error);
        if (!others.empty()) {
            return context.usageError(
                "jobs add: --file takes the whole definition; other "
                "arguments are not allowed with it");
        }
        if (const int code = readJobFile(context, *path, &job)) return code;
    } else if (!buildJobFromFlags(args, &job, &error)) {
        // A bad name reads exactly as the service would word it; other errors point to --help.
        if (error.compare(0, 16, "invalid job name") == 0) {
            context.printError(error);
            return kExitUsage;
        }
        return context.usageError(error);
    }
    const std::string name = jsonString(job, "name").value_or("?");
    return callAndConfirm(context, "POST", "/v1/jobs", &job, "job " + name + " created");
}

int edit(CommandContext& context, const std::vector<std::string>& args) {
    std::optional<std::string> path;
    std::vector<std::string> others;
    std::string error;
    if (!takeFileFlag(args, &path, &others, &error)) {
        return context.usageError("jobs edit: needs --file FILE (or --file - for stdin)");
    }
    if (!error.empty()) return context.usageError("jobs edit: " + error);
    if (others.size() != 1) return context.usageError("jobs edit takes one job NAME");
    const std::string& name = others[0];
    if (const int code = context.checkJobName(name)) return code;
    Json job;
    if (const int code = readJobFile(context, *path, &job)) return code;
    if (!job.contains("name")) job["name"] = name;
    return callAndConfirm(context, "PUT", jobPath(name), &job, "job " + name + " updated");
}

int simple(CommandContext& context, const std::string& verb, const std::vector<std::string>& args) {
    if (args.size() != 1) return context.usageError("jobs " + verb + " takes one job NAME");
    const std::string& name = args[0];
    if (const int code = context.checkJobName(name)) return code;
    if (verb == "rm") {
        return callAndConfirm(context, "DELETE", jobPath(name), nullptr,
                              "job " + name + " deleted");
    }
    return callAndConfirm(context, "POST", jobPath(name) + "/" + verb, nullptr,
                          "job " + name + " " + verb + "d");
}

}  // namespace

int jobsCommand(CommandContext& context, const std::vector<std::string>& args) {
    if (args.empty()) {
        return context.usageError(
            "jobs needs a subcommand: list, show, add, edit, rm, enable, "
            "disable");
    }
    const std::string& subcommand = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (subcommand == "list") return list(context, rest);
    if (subcommand == "show") return show(context, rest);
    if (subcommand == "add") return add(context, rest);
    if (subcommand == "edit") return edit(context, rest);
    if (subcommand == "rm" || subcommand == "enable" || subcommand == "disable") {
        return simple(context, subcommand, rest);
    }
    return context.usageError("unknown jobs subcommand '" + oneLineText(subcommand) + "'");
}

}  // namespace belfry::cli
