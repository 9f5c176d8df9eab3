#include "service_config.h"

#include <Poco/Environment.h>
#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>

#include <set>

#include "belfry/duration.h"

namespace belfry {
namespace {

std::string oneOf(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                  const std::string& fallback, const std::set<std::string>& allowed) {
    const auto value = config.getString(key, fallback);
    if (!allowed.count(value)) {
        std::string list;
        for (const auto& option : allowed) list += (list.empty() ? "" : ", ") + option;
        throw ConfigError(key + " = '" + value + "': must be one of " + list);
    }
    return value;
}

void parseListen(const std::string& text, ServiceConfig& out) {
    // "HOST:PORT", "[IPv6]:PORT" or ":PORT" (loopback).
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        throw ConfigError("http.listen = '" + text + "': expected HOST:PORT, e.g. 127.0.0.1:8470");
    }
    auto host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    if (!Poco::NumberParser::tryParseUnsigned(text.substr(colon + 1), port) || port > 65535) {
        throw ConfigError("http.listen = '" + text + "': the port must be a number 0-65535");
    }
    out.listenHost = host.empty() ? "127.0.0.1" : host;
    out.listenPort = static_cast<int>(port);
}

}  // namespace

ServiceConfig loadServiceConfig(const Poco::Util::AbstractConfiguration& config,
                                const std::string& executableDir) {
    ServiceConfig out;
    parseListen(config.getString("http.listen", "127.0.0.1:8470"), out);
    // systemd's StateDirectory= sets $STATE_DIRECTORY (a colon-separated list when the unit
    // names several; the first is ours, as the CLI also reads it).
    auto stateDirectory = Poco::Environment::get("STATE_DIRECTORY", "");
    stateDirectory = stateDirectory.substr(0, stateDirectory.find(':'));
    out.stateDir =
        config.getString("state.dir", stateDirectory.empty() ? "/var/lib/belfry" : stateDirectory);
    if (out.stateDir.empty()) throw ConfigError("state.dir must not be empty");
    // The CLI (bridges/cli/client_config.cpp) reads the same key with the same default.
    out.spoolDir = config.getString("spool.dir", "");
    if (out.spoolDir.empty()) out.spoolDir = out.stateDir + "/spool";
    out.logFile = config.getString("log.file", "");
    out.logLevel = oneOf(config, "log.level", "info",
                         {"trace", "debug", "info", "warn", "error", "critical", "off"});
    out.schedulerBackend = oneOf(config, "scheduler.backend", "auto",
                                 {"auto", "internal", "systemd", "taskscheduler"});
    out.systemdScope = oneOf(config, "systemd.scope", "system", {"system", "user"});
    out.systemdUnitDir = config.getString("systemd.unit_dir", out.systemdUnitDir);
    out.systemdHelperConfigured = config.hasProperty("systemd.helper");
    out.systemdHelper = config.getString("systemd.helper", out.systemdHelper);
    out.bridgeClient = config.getString("bridge.client", executableDir + "/belfry");
    try {
        out.workers = config.getInt("workers", out.workers);
    } catch (const Poco::SyntaxException&) {
        throw ConfigError("workers = '" + config.getString("workers") + "': must be a number");
    }
    if (out.workers < 1 || out.workers > 1024)
        throw ConfigError("workers must be between 1 and 1024");
    std::string error;
    const auto grace = parseDuration(config.getString("shutdown.grace", "30s"), &error);
    if (!grace) throw ConfigError("shutdown.grace: " + error);
    out.shutdownGrace = *grace;
    out.historyRetention = config.getString("history.retention", out.historyRetention);
    const auto retention = parseRetention(out.historyRetention, &error);
    if (!retention)
        throw ConfigError("history.retention = '" + out.historyRetention + "': " + error);
    out.retention = *retention;
    const auto pruneInterval =
        parseDuration(config.getString("history.prune_interval", "1m"), &error);
    if (!pruneInterval || pruneInterval->count() <= 0) {
        throw ConfigError("history.prune_interval: " +
                          (pruneInterval ? "must be longer than 0s" : error));
    }
    out.historyPruneInterval = *pruneInterval;
    unsigned maxBody = static_cast<unsigned>(out.maxBodyBytes);
    if (!Poco::NumberParser::tryParseUnsigned(
            config.getString("http.max_body", std::to_string(maxBody)), maxBody) ||
        maxBody < 1024) {
        throw ConfigError("http.max_body must be a byte count of at least 1024");
    }
    out.maxBodyBytes = maxBody;
    out.storeSynchronous = oneOf(config, "store.synchronous", "NORMAL", {"FULL", "NORMAL"});
    out.node = config.getString("node.name", Poco::Environment::nodeName());
    const Poco::StringTokenizer plugins(
        config.getString("handlers.plugins", ""), ",",
        Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& plugin : plugins) {
        if (plugin.front() != '/') {
            throw ConfigError("handlers.plugins: '" + plugin + "' must be an absolute path");
        }
        out.handlerPlugins.push_back(plugin);
    }
    return out;
}

}  // namespace belfry
