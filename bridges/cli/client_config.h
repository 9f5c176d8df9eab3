// The part of belfryd's configuration the CLI needs, found the way the daemon finds it: the file
// named by `--config`, else by $BELFRY_CONFIG, else /etc/belfry/belfry.properties when that exists,
// else built-in defaults. Also reads the admin token the daemon writes into its state directory.
// Functions take their inputs explicitly (no hidden globals) and are safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "properties.h"

namespace belfry::cli {

constexpr const char* kDefaultListen = "127.0.0.1:8470";
constexpr const char* kDefaultStateDir = "/var/lib/belfry";
constexpr const char* kSystemConfigPath = "/etc/belfry/belfry.properties";

struct ClientConfig {
    std::string configPath;               // the file that was read; empty when only defaults apply
    std::string listen = kDefaultListen;  // http.listen
    std::string stateDir;                 // state.dir
    std::string spoolDir;                 // spool.dir, default <state.dir>/spool
};

struct ConfigSources {
    std::optional<std::string> configFlag;  // --config FILE
    EnvLookup env = processEnvironment();   // BELFRY_CONFIG, STATE_DIRECTORY, ${system.env.X}
    std::string systemConfigPath = kSystemConfigPath;
};

// Loads the configuration. A file named by --config or $BELFRY_CONFIG must be readable; the
// system-wide file is optional. state.dir defaults to the first entry of $STATE_DIRECTORY (systemd
// sets it, colon-separated, from StateDirectory=) and then to /var/lib/belfry; spool.dir defaults
// to <state.dir>/spool. On failure returns false and a message naming the file and the cause.
bool loadClientConfig(const ConfigSources& sources, ClientConfig* config, std::string* error);

// Reads `<stateDir>/admin.token`, trimmed of surrounding whitespace. On failure returns false with
// the reason (missing, unreadable, empty).
bool readAdminToken(const std::string& stateDir, std::string* token, std::string* error);

// `directory` + "/" + `name`, without doubling a trailing separator.
std::string joinPath(const std::string& directory, const std::string& name);

}  // namespace belfry::cli
