#include "endpoint.h"

#include <cerrno>

#include "exit_codes.h"
#include "text_file.h"

namespace belfry::cli {
namespace {

bool parsePort(std::string_view text, std::uint16_t* port) {
    if (text.empty() || text.size() > 5) return false;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return false;
    *port = static_cast<std::uint16_t>(value);
    return true;
}

bool allDigits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

}  // namespace

std::string Endpoint::toString() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool parseEndpoint(std::string_view input, Endpoint* endpoint, std::string* error) {
    const std::string text = trimWhitespace(std::string(input));
    const std::string quoted = "'" + text + "'";
    if (text.empty()) {
        *error = "empty address (expected HOST:PORT)";
        return false;
    }
    std::string host;
    std::optional<std::string_view> portText;  // nullopt: no port given, use the default
    if (allDigits(text)) {
        portText = text;
    } else if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) {
            *error = "address " + quoted + " has no closing ']'";
            return false;
        }
        host = text.substr(1, close - 1);
        const std::string_view rest = std::string_view(text).substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                *error = "address " + quoted + " must be [IPV6]:PORT";
                return false;
            }
            portText = rest.substr(1);
        }
    } else {
        const auto colon = text.find(':');
        if (colon != std::string::npos && text.find(':', colon + 1) == std::string::npos) {
            host = text.substr(0, colon);
            portText = std::string_view(text).substr(colon + 1);
        } else {
            host = text;  // no port, or an IPv6 literal without brackets
        }
    }
    std::uint16_t port = kDefaultPort;
    if (portText && !parsePort(*portText, &port)) {
        *error = "address " + quoted + " has an invalid port (expected 0-65535)";
        return false;
    }
    if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
    if (host == "::" || host == "::0") host = "::1";
    endpoint->host = host;
    endpoint->port = port;
    return true;
}

int resolveEndpoint(const ClientConfig& config, const std::optional<std::string>& override,
                    Endpoint* endpoint, std::string* error) {
    if (override) {
        if (!parseEndpoint(*override, endpoint, error)) {
            *error = "--endpoint: " + *error;
            return kExitUsage;
        }
        if (endpoint->port == 0) {
            *error = "--endpoint: port 0 is not connectable";
            return kExitUsage;
        }
        return kExitSuccess;
    }
    if (!parseEndpoint(config.listen, endpoint, error)) {
        *error = "configuration: http.listen: " + *error;
        return kExitUsage;
    }
    if (endpoint->port != 0) return kExitSuccess;

    const std::string path = joinPath(config.stateDir, "endpoint");
    std::string text;
    int errorNumber = 0;
    if (!readTextFile(path, &text, error, &errorNumber)) {
        if (errorNumber == ENOENT) {
            *error = "http.listen uses port 0 and belfryd has not published its address in " +
                     path + " (is belfryd running?)";
            return kExitTempFail;
        }
        return errorNumber == EACCES ? kExitNoPermission : kExitTempFail;
    }
    if (!parseEndpoint(text, endpoint, error)) {
        *error = path + ": " + *error;
        return kExitServiceError;
    }
    if (endpoint->port == 0) {
        *error = path + ": names port 0";
        return kExitServiceError;
    }
    return kExitSuccess;
}

}  // namespace belfry::cli
