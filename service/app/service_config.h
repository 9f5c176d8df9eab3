// belfryd's configuration (DESIGN.md "Configuration"): every key with its default, read once at
// start from Poco's layered configuration and validated as a whole, so a typo stops the daemon
// with a message that names the key instead of running with a surprise default.
// Plain value type; safe to copy and read from any thread once loaded.
#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "history_retention.h"

namespace belfry {

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ServiceConfig {
    std::string configFile;  // the file read, "" when running on defaults
    std::string listenHost = "127.0.0.1";
    int listenPort = 8470;  // 0 = any free port, written to <state.dir>/endpoint
    std::string stateDir;   // database, admin.token, endpoint, spool
    std::string spoolDir;   // spool.dir: fires `belfry fire` could not deliver; <state.dir>/spool
    std::string logFile;    // "" = stderr only
    std::string logLevel = "info";
    std::string schedulerBackend = "auto";  // auto | internal | systemd | taskscheduler
    std::string systemdScope = "system";    // system | user
    std::string systemdUnitDir = "/etc/systemd/system";
    // The socket of belfry-systemd-helper (linux/helper_scheduler.h). Used when set in the file,
    // or, left at its default, when the socket exists (the package's socket unit is active);
    // otherwise, and when set to "", belfryd writes units and calls systemctl itself.
    std::string systemdHelper = "/run/belfry-systemd-helper.sock";
    bool systemdHelperConfigured = false;
    std::string bridgeClient;  // the `belfry` written into OS units; default: beside belfryd
    int workers = 8;
    std::chrono::milliseconds shutdownGrace = std::chrono::seconds(30);
    std::string historyRetention = kDefaultRetention;
    RetentionPolicy retention;  // historyRetention, parsed
    std::chrono::milliseconds historyPruneInterval = std::chrono::minutes(1);
    std::size_t maxBodyBytes = 1 << 20;
    std::string storeSynchronous = "NORMAL";
    std::string node;                         // this machine's name in run history
    std::vector<std::string> handlerPlugins;  // handlers.plugins: libraries to load at start

    std::string databasePath() const { return stateDir + "/belfry.db"; }
    std::string tokenPath() const { return stateDir + "/admin.token"; }
    std::string endpointPath() const { return stateDir + "/endpoint"; }
};

// Reads and validates; throws ConfigError naming the offending key. `executableDir` is where
// belfryd lives, for the bridge.client default.
ServiceConfig loadServiceConfig(const Poco::Util::AbstractConfiguration& config,
                                const std::string& executableDir);

}  // namespace belfry
