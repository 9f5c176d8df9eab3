#include "job_flags.h"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "belfry/duration.h"
#include "belfry/job_name.h"

namespace belfry::cli {
namespace {

constexpr const char* kValueFlags[] = {"--cron",        "--tz",       "--every",
                                       "--at",          "--timeout",  "--description",
                                       "--concurrency", "--http-url", "--http-method"};

bool takesValue(const std::string& flag) {
    for (const char* known : kValueFlags) {
        if (flag == known) return true;
    }
    return false;
}

bool fail(std::string* error, std::string message) {
    *error = std::move(message);
    return false;
}

bool checkDuration(const std::string& flag, const std::string& text, bool positive,
                   std::string* error) {
    std::string why;
    const auto duration = parseDuration(text, &why);
    if (!duration) return fail(error, flag + ": " + why);
    if (positive && duration->count() <= 0) return fail(error, flag + " must be longer than 0s");
    return true;
}

}  // namespace

bool buildJobFromFlags(const std::vector<std::string>& args, Json* job, std::string* error) {
    std::map<std::string, std::string> values;
    std::optional<std::string> name;
    bool disabled = false;
    std::vector<std::string> argv;
    bool sawSeparator = false;

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            sawSeparator = true;
            argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        if (arg == "--disabled") {
            disabled = true;
            continue;
        }
        if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
            const auto equals = arg.find('=');
            const std::string flag = arg.substr(0, equals);
            std::string value;
            if (!takesValue(flag)) return fail(error, "jobs add: unknown option '" + flag + "'");
            if (equals != std::string::npos) {
                value = arg.substr(equals + 1);
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                return fail(error, "jobs add: " + flag + " needs a value");
            }
            if (!values.emplace(flag, value).second) {
                return fail(error, "jobs add: " + flag + " is given twice");
            }
            continue;
        }
        if (name) {
            return fail(error, "jobs add: unexpected argument '" + arg +
                                   "' (the program and its arguments go after --)");
        }
        name = arg;
    }

    if (!name) return fail(error, "jobs add: missing the job NAME");
    if (!isValidJobName(*name, error)) return false;

    auto value = [&](const char* flag) -> const std::string* {
        const auto it = values.find(flag);
        return it == values.end() ? nullptr : &it->second;
    };

    Json result = Json::object();
    result["name"] = *name;
    if (const auto* description = value("--description")) result["description"] = *description;

    const std::string* cron = value("--cron");
    const std::string* every = value("--every");
    const std::string* at = value("--at");
    if ((cron != nullptr) + (every != nullptr) + (at != nullptr) > 1) {
        return fail(error, "jobs add: --cron, --every and --at are mutually exclusive");
    }
    if (value("--tz") && !cron) return fail(error, "jobs add: --tz applies only to --cron");
    if (cron) {
        result["schedule"] = Json::object({{"cron", *cron}});
        if (const auto* zone = value("--tz")) result["schedule"]["timezone"] = *zone;
    } else if (every) {
        if (!checkDuration("--every", *every, true, error)) return false;
        result["schedule"] = Json::object({{"every", *every}});
    } else if (at) {
        result["schedule"] = Json::object({{"at", *at}});
    }

    const std::string* url = value("--http-url");
    if (sawSeparator && url) {
        return fail(error, "jobs add: give either -- PROGRAM [ARGS...] or --http-url, not both");
    }
    if (value("--http-method") && !url) {
        return fail(error, "jobs add: --http-method applies only to --http-url");
    }
    if (url) {
        std::string method = value("--http-method") ? *value("--http-method") : "GET";
        for (char& c : method) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            if (c < 'A' || c > 'Z') {
                return fail(error, "jobs add: --http-method must be a method name like POST");
            }
        }
        if (method.empty()) return fail(error, "jobs add: --http-method must not be empty");
        result["http"] = Json::object({{"method", method}, {"url", *url}});
    } else if (sawSeparator) {
        if (argv.empty() || argv.front().empty()) {
            return fail(error, "jobs add: missing the PROGRAM after --");
        }
        result["exec"] = Json::object({{"argv", argv}});
    } else {
        return fail(error, "jobs add: missing the action: -- PROGRAM [ARGS...] or --http-url URL");
    }

    if (const auto* timeout = value("--timeout")) {
        if (!checkDuration("--timeout", *timeout, true, error)) return false;
        result["timeout"] = *timeout;
    }
    if (const auto* concurrency = value("--concurrency")) {
        if (*concurrency != "skip" && *concurrency != "queue" && *concurrency != "parallel" &&
            *concurrency != "replace") {
            return fail(error, "jobs add: --concurrency must be skip, queue, parallel or replace");
        }
        result["concurrency"] = *concurrency;
    }
    result["enabled"] = !disabled;
    *job = std::move(result);
    return true;
}

}  // namespace belfry::cli
