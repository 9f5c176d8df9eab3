#include "client_config.h"

#include <cerrno>

#include "text_file.h"

namespace belfry::cli {

std::string joinPath(const std::string& directory, const std::string& name) {
    if (directory.empty()) return name;
    const char last = directory.back();
    return (last == '/' || last == '\\') ? directory + name : directory + "/" + name;
}

bool loadClientConfig(const ConfigSources& sources, ClientConfig* config, std::string* error) {
    *config = ClientConfig();
    std::optional<std::string> path = sources.configFlag;
    if (!path && sources.env) {
        if (auto fromEnv = sources.env("BELFRY_CONFIG"); fromEnv && !fromEnv->empty()) {
            path = std::move(fromEnv);
        }
    }
    bool optional = false;
    if (!path && !sources.systemConfigPath.empty()) {
        path = sources.systemConfigPath;
        optional = true;
    }

    Properties properties;
    if (path) {
        std::string text;
        std::string readError;
        int errorNumber = 0;
        if (readTextFile(*path, &text, &readError, &errorNumber)) {
            config->configPath = *path;
            properties = Properties::parse(text, Properties::syntaxForPath(*path));
        } else if (!(optional && errorNumber == ENOENT)) {
            *error = "configuration: " + readError;
            return false;
        }
    }

    if (auto listen = properties.get("http.listen", sources.env); listen && !listen->empty()) {
        config->listen = *listen;
    }
    if (auto stateDir = properties.get("state.dir", sources.env); stateDir && !stateDir->empty()) {
        config->stateDir = *stateDir;
    } else if (auto fromEnv = sources.env ? sources.env("STATE_DIRECTORY") : std::nullopt;
               fromEnv && !fromEnv->empty()) {
        config->stateDir = fromEnv->substr(0, fromEnv->find(':'));
    } else {
        config->stateDir = kDefaultStateDir;
    }
    if (auto spoolDir = properties.get("spool.dir", sources.env); spoolDir && !spoolDir->empty()) {
        config->spoolDir = *spoolDir;
    } else {
        config->spoolDir = joinPath(config->stateDir, "spool");
    }
    return true;
}

bool readAdminToken(const std::string& stateDir, std::string* token, std::string* error) {
    const std::string path = joinPath(stateDir, "admin.token");
    std::string text;
    if (!readTextFile(path, &text, error)) return false;
    *token = trimWhitespace(text);
    if (token->empty()) {
        *error = path + " is empty";
        return false;
    }
    return true;
}

}  // namespace belfry::cli
