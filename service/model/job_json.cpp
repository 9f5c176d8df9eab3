#include "job_json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <regex>
#include <set>

#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "timestamps.h"

namespace belfry {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void reject(const std::string& field, const std::string& why) {
    throw ValidationError(field + ": " + why);
}

void rejectUnknownFields(const Object& object, const std::string& where,
                         const std::set<std::string>& known) {
    for (const auto& [key, value] : object) {
        if (!known.count(key)) {
            reject(
                where.empty() ? printableForMessage(key) : where + "." + printableForMessage(key),
                "unknown field");
        }
    }
}

std::string fieldPath(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
}

bool hasValue(const Object& object, const std::string& key) {
    return object.has(key) && !object.isNull(key);
}

std::string requireString(const Object& object, const std::string& where, const std::string& key,
                          std::size_t maxLength = 4096) {
    const auto path = fieldPath(where, key);
    const auto value = object.get(key);
    if (!value.isString()) reject(path, "must be a string");
    auto text = value.extract<std::string>();
    if (text.size() > maxLength) {
        reject(path, "is longer than " + std::to_string(maxLength) + " characters");
    }
    if (text.find('\0') != std::string::npos) reject(path, "must not contain NUL characters");
    return text;
}

std::string optionalString(const Object& object, const std::string& where, const std::string& key,
                           std::string fallback, std::size_t maxLength = 4096) {
    return hasValue(object, key) ? requireString(object, where, key, maxLength) : fallback;
}

Millis optionalDuration(const Object& object, const std::string& where, const std::string& key,
                        Millis fallback) {
    if (!hasValue(object, key)) return fallback;
    const auto text = requireString(object, where, key, 64);
    std::string error;
    const auto parsed = parseDuration(text, &error);
    if (!parsed) reject(fieldPath(where, key), error);
    return *parsed;
}

bool optionalBool(const Object& object, const std::string& key, bool fallback) {
    if (!hasValue(object, key)) return fallback;
    const auto value = object.get(key);
    if (value.type() != typeid(bool)) reject(key, "must be true or false");
    return value.extract<bool>();
}

int requireInt(const Object& object, const std::string& where, const std::string& key, int low,
               int high) {
    const auto path = fieldPath(where, key);
    const auto value = object.get(key);
    if (!value.isInteger()) reject(path, "must be an integer");
    const auto number = value.convert<long long>();
    if (number < low || number > high) {
        reject(path, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    }
    return static_cast<int>(number);
}

Object::Ptr requireObject(const Object& object, const std::string& where, const std::string& key) {
    auto child = object.getObject(key);
    if (!child) reject(fieldPath(where, key), "must be an object");
    return child;
}

std::map<std::string, std::string> stringMap(const Object& object, const std::string& path,
                                             const std::regex& keyShape,
                                             const std::string& keyRule) {
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : object) {
        const auto entry = path + "." + printableForMessage(key);
        if (!std::regex_match(key, keyShape)) reject(entry, "name " + keyRule);
        if (!value.isString()) reject(entry, "must be a string");
        auto text = value.extract<std::string>();
        if (text.find('\0') != std::string::npos) reject(entry, "must not contain NUL characters");
        out[key] = std::move(text);
    }
    return out;
}

schedule::Schedule parseSchedule(const Object& object) {
    rejectUnknownFields(object, "schedule", {"cron", "timezone", "every", "at"});
    schedule::ScheduleFields fields;
    const auto text = [&](const std::string& key) -> std::optional<std::string> {
        if (!hasValue(object, key)) return std::nullopt;
        return requireString(object, "schedule", key, 256);
    };
    fields.cron = text("cron");
    fields.timezone = text("timezone");
    fields.every = text("every");
    fields.at = text("at");
    std::string error;
    auto parsed = schedule::Schedule::fromFields(fields, &error);
    if (!parsed) reject("schedule", error);
    if (parsed->kind() == schedule::Schedule::Kind::None) {
        reject(
            "schedule",
            "must have one of cron, every or at (leave schedule out for a job run only by hand)");
    }
    return *parsed;
}

ExecAction parseExec(const Object& object) {
    rejectUnknownFields(object, "exec", {"argv", "cwd", "env", "user"});
    if (hasValue(object, "user")) {
        reject("exec.user", "is not supported yet: jobs run as belfryd's own account");
    }
    ExecAction exec;
    const auto argv = object.getArray("argv");
    if (!argv || argv->size() == 0) reject("exec.argv", "must be a non-empty array of strings");
    if (argv->size() > 1024) reject("exec.argv", "has more than 1024 arguments");
    for (std::size_t i = 0; i < argv->size(); ++i) {
        const auto value = argv->get(static_cast<unsigned>(i));
        const auto path = "exec.argv[" + std::to_string(i) + "]";
        if (!value.isString()) reject(path, "must be a string");
        auto text = value.extract<std::string>();
        if (text.find('\0') != std::string::npos) reject(path, "must not contain NUL characters");
        exec.argv.push_back(std::move(text));
    }
    if (exec.argv.front().empty()) reject("exec.argv[0]", "must name a program");
    exec.cwd = optionalString(object, "exec", "cwd", "");
    if (!exec.cwd.empty() && exec.cwd.front() != '/') {
        reject("exec.cwd", "must be an absolute path");
    }
    if (hasValue(object, "env")) {
        static const std::regex kEnvName("[A-Za-z_][A-Za-z0-9_]*");
        exec.env = stringMap(*requireObject(object, "exec", "env"), "exec.env", kEnvName,
                             "must match [A-Za-z_][A-Za-z0-9_]*");
    }
    return exec;
}

void parseExpectStatus(const std::string& text, HttpAction& http) {
    static const std::regex kRange(R"(([1-5]\d\d)(?:-([1-5]\d\d))?)");
    std::smatch match;
    if (!std::regex_match(text, match, kRange)) {
        reject("http.expect_status", "must be a status or a range like 200-299");
    }
    http.expectLow = std::stoi(match[1]);
    http.expectHigh = match[2].matched ? std::stoi(match[2]) : http.expectLow;
    if (http.expectHigh < http.expectLow) reject("http.expect_status", "range is reversed");
}

HttpAction parseHttp(const Object& object) {
    rejectUnknownFields(object, "http",
                        {"method", "url", "headers", "body", "expect_status", "ca_file"});
    HttpAction http;
    http.method = optionalString(object, "http", "method", "POST", 16);
    static const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (!kMethods.count(http.method)) {
        reject("http.method", "must be one of GET, POST, PUT, PATCH, DELETE, HEAD");
    }
    if (!hasValue(object, "url")) reject("http.url", "is required");
    http.url = requireString(object, "http", "url", 2048);
    try {
        const Poco::URI uri(http.url);
        if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
            reject("http.url", "must be an absolute http:// or https:// URL");
        }
    } catch (const Poco::SyntaxException&) {
        reject("http.url", "is not a valid URL");
    }
    if (hasValue(object, "headers")) {
        static const std::regex kHeaderName("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
        http.headers = stringMap(*requireObject(object, "http", "headers"), "http.headers",
                                 kHeaderName, "must be an HTTP token");
        for (const auto& [name, value] : http.headers) {
            if (value.find_first_of("\r\n") != std::string::npos) {
                reject("http.headers." + name, "must not contain line breaks");
            }
        }
    }
    http.body = optionalString(object, "http", "body", "", 1 << 20);
    if (hasValue(object, "expect_status")) {
        parseExpectStatus(requireString(object, "http", "expect_status", 16), http);
    }
    http.caFile = optionalString(object, "http", "ca_file", "", 4096);
    if (!http.caFile.empty() && http.caFile.front() != '/') {
        reject("http.ca_file", "must be an absolute path");
    }
    if (!http.caFile.empty() && Poco::URI(http.url).getScheme() != "https") {
        reject("http.ca_file", "applies to https:// URLs only");
    }
    return http;
}

RetryPolicy parseRetry(const Object& object) {
    rejectUnknownFields(object, "retry", {"max", "backoff", "initial", "max_delay"});
    RetryPolicy retry;
    if (hasValue(object, "max")) retry.max = requireInt(object, "retry", "max", 0, 100);
    retry.backoff = optionalString(object, "retry", "backoff", retry.backoff, 16);
    if (retry.backoff != "exponential" && retry.backoff != "fixed") {
        reject("retry.backoff", "must be exponential or fixed");
    }
    retry.initial = optionalDuration(object, "retry", "initial", retry.initial);
    retry.maxDelay = optionalDuration(object, "retry", "max_delay", retry.maxDelay);
    if (retry.maxDelay < retry.initial)
        reject("retry.max_delay", "must not be below retry.initial");
    return retry;
}

// A list of job names to start after a run ends; each a valid name, each at most once.
std::vector<std::string> continuationList(const Object& object, const std::string& key) {
    if (!hasValue(object, key)) return {};
    const auto list = object.getArray(key);
    if (!list) reject(key, "must be an array of job names");
    constexpr std::size_t kMaxContinuations = 20;
    if (list->size() > kMaxContinuations)
        reject(key, "at most " + std::to_string(kMaxContinuations) + " jobs");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto item = list->get(i);
        if (!item.isString()) reject(key, "must be an array of job names");
        const auto name = item.extract<std::string>();
        std::string error;
        if (!isValidJobName(name, &error)) reject(key, error);
        if (std::find(names.begin(), names.end(), name) != names.end())
            reject(key, "names " + name + " twice");
        names.push_back(name);
    }
    return names;
}

template <typename Enum, std::size_t N>
Enum parseChoice(const Object& object, const std::string& key, Enum fallback,
                 const std::array<Enum, N>& choices) {
    if (!hasValue(object, key)) return fallback;
    const auto text = requireString(object, "", key, 32);
    std::string allowed;
    for (auto choice : choices) {
        if (text == toString(choice)) return choice;
        allowed += (allowed.empty() ? "" : ", ") + std::string(toString(choice));
    }
    reject(key, "must be one of " + allowed);
}

HandlerAction parseHandler(const Object& object) {
    rejectUnknownFields(object, "handler", {"name", "args"});
    HandlerAction handler;
    if (!hasValue(object, "name")) reject("handler.name", "is required");
    handler.name = requireString(object, "handler", "name", 128);
    // Plugin handlers are named after their C++ class, namespaces included.
    static const std::regex kHandlerName("[A-Za-z_][A-Za-z0-9_.:-]*");
    if (!std::regex_match(handler.name, kHandlerName)) {
        reject("handler.name", "must be a handler name like my_handler or acme::Report");
    }
    if (hasValue(object, "args")) {
        static const std::regex kArgName("[A-Za-z0-9_.-]{1,128}");
        handler.args = stringMap(*requireObject(object, "handler", "args"), "handler.args",
                                 kArgName, "must be 1-128 of A-Z a-z 0-9 _ . -");
    }
    return handler;
}

}  // namespace

Job jobFromJson(const Object& object) {
    rejectUnknownFields(object, "",
                        {"name", "description", "schedule", "exec", "http", "handler", "timeout",
                         "retry", "concurrency", "catch_up", "jitter", "enabled", "on_success",
                         "on_failure", "created_at", "updated_at", "os"});
    Job job;
    if (!hasValue(object, "name")) reject("name", "is required");
    job.name = requireString(object, "", "name", 256);
    std::string nameError;
    if (!isValidJobName(job.name, &nameError)) throw ValidationError(nameError);
    job.description = optionalString(object, "", "description", "", 1000);
    if (hasValue(object, "schedule"))
        job.schedule = parseSchedule(*requireObject(object, "", "schedule"));

    const int actions =
        hasValue(object, "exec") + hasValue(object, "http") + hasValue(object, "handler");
    if (actions != 1) reject("exec", "a job needs exactly one action: exec, http or handler");
    if (hasValue(object, "handler"))
        job.handler = parseHandler(*requireObject(object, "", "handler"));
    if (hasValue(object, "exec")) job.exec = parseExec(*requireObject(object, "", "exec"));
    if (hasValue(object, "http")) job.http = parseHttp(*requireObject(object, "", "http"));

    job.timeout = optionalDuration(object, "", "timeout", job.timeout);
    if (job.timeout <= Millis(0)) reject("timeout", "must be longer than 0s");
    if (job.timeout > std::chrono::hours(24 * 30)) reject("timeout", "must be at most 30d");
    if (hasValue(object, "retry")) job.retry = parseRetry(*requireObject(object, "", "retry"));
    job.concurrency = parseChoice(object, "concurrency", job.concurrency,
                                  std::array{Concurrency::Skip, Concurrency::Queue,
                                             Concurrency::Parallel, Concurrency::Replace});
    job.catchUp = parseChoice(object, "catch_up", job.catchUp,
                              std::array{CatchUp::One, CatchUp::All, CatchUp::None});
    job.jitter = optionalDuration(object, "", "jitter", job.jitter);
    if (job.jitter > std::chrono::hours(24)) reject("jitter", "must be at most 1d");
    job.enabled = optionalBool(object, "enabled", job.enabled);
    job.onSuccess = continuationList(object, "on_success");
    job.onFailure = continuationList(object, "on_failure");
    return job;
}

Poco::JSON::Object::Ptr parseJsonObject(const std::string& body) {
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(body);
    } catch (const Poco::Exception& e) {
        throw ValidationError("malformed JSON: " + printableForMessage(e.message(), 200));
    }
    if (parsed.type() != typeid(Object::Ptr))
        throw ValidationError("the body must be a JSON object");
    return parsed.extract<Object::Ptr>();
}

Poco::JSON::Object::Ptr jobToJson(const Job& job) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("name", job.name);
    out->set("description", job.description);
    if (job.schedule.kind() != schedule::Schedule::Kind::None) {
        Object::Ptr schedule = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        const auto fields = job.schedule.toFields();
        for (const auto& [key, value] : {std::pair{"cron", fields.cron},
                                         {"timezone", fields.timezone},
                                         {"every", fields.every},
                                         {"at", fields.at}}) {
            if (value) schedule->set(key, *value);
        }
        out->set("schedule", schedule);
    } else {
        out->set("schedule", Poco::Dynamic::Var());
    }
    if (job.exec) {
        Object::Ptr exec = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        Array::Ptr argv = new Array;
        for (const auto& arg : job.exec->argv) argv->add(arg);
        exec->set("argv", argv);
        if (!job.exec->cwd.empty()) exec->set("cwd", job.exec->cwd);
        Object::Ptr env = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [key, value] : job.exec->env) env->set(key, value);
        exec->set("env", env);
        out->set("exec", exec);
    }
    if (job.handler) {
        Object::Ptr handler = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        handler->set("name", job.handler->name);
        Object::Ptr args = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [key, value] : job.handler->args) args->set(key, value);
        handler->set("args", args);
        out->set("handler", handler);
    }
    if (job.http) {
        Object::Ptr http = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        http->set("method", job.http->method);
        http->set("url", job.http->url);
        Object::Ptr headers = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [key, value] : job.http->headers) headers->set(key, value);
        http->set("headers", headers);
        http->set("body", job.http->body);
        http->set("expect_status",
                  std::to_string(job.http->expectLow) + "-" + std::to_string(job.http->expectHigh));
        if (!job.http->caFile.empty()) http->set("ca_file", job.http->caFile);
        out->set("http", http);
    }
    out->set("timeout", formatDuration(job.timeout));
    Object::Ptr retry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    retry->set("max", job.retry.max);
    retry->set("backoff", job.retry.backoff);
    retry->set("initial", formatDuration(job.retry.initial));
    retry->set("max_delay", formatDuration(job.retry.maxDelay));
    out->set("retry", retry);
    out->set("concurrency", toString(job.concurrency));
    out->set("catch_up", toString(job.catchUp));
    out->set("jitter", formatDuration(job.jitter));
    out->set("enabled", job.enabled);
    for (const auto& [key, names] :
         {std::pair{"on_success", &job.onSuccess}, std::pair{"on_failure", &job.onFailure}}) {
        Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
        for (const auto& name : *names) list->add(name);
        out->set(key, list);
    }
    if (job.createdAt) out->set("created_at", formatIso(job.createdAt));
    if (job.updatedAt) out->set("updated_at", formatIso(job.updatedAt));
    return out;
}

}  // namespace belfry
