// Where the CLI connects: the daemon's `http.listen` address turned into something connectable.
// A wildcard listen address (0.0.0.0, ::) means "every interface", so the client uses the loopback
// of the same family; port 0 means the daemon picked a free port and published the real address in
// `<state.dir>/endpoint` ("HOST:PORT\n", written once it listens). `--endpoint` overrides both.
// Pure functions (plus one file read); safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client_config.h"

namespace belfry::cli {

constexpr std::uint16_t kDefaultPort = 8470;

struct Endpoint {
    std::string host;  // an address literal or a host name; IPv6 without brackets
    std::uint16_t port = 0;

    // "127.0.0.1:8470" or "[::1]:8470": for messages and the Host header.
    std::string toString() const;
};

// Parses "HOST:PORT", "[IPV6]:PORT", ":PORT" or a bare "PORT"; a host without a port (an
// unbracketed IPv6 literal included) gets 8470. Maps 0.0.0.0, *, an empty host to 127.0.0.1 and ::,
// [::] to ::1. Port 0 is returned as is. On failure returns false and says what is wrong.
bool parseEndpoint(std::string_view text, Endpoint* endpoint, std::string* error);

// The endpoint to connect to: `override` (--endpoint) if given, else the configured http.listen,
// reading `<state.dir>/endpoint` when its port is 0. Returns 0, or an exit code from exit_codes.h
// with a message: 64 for a malformed address in the configuration or the flag, 75 when the endpoint
// file is absent (the daemon is not listening yet), 77 when it is unreadable, 69 when malformed.
int resolveEndpoint(const ClientConfig& config, const std::optional<std::string>& override,
                    Endpoint* endpoint, std::string* error);

}  // namespace belfry::cli
