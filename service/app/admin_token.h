// The admin token: a random secret generated at first start into <state.dir>/admin.token (mode
// 0600), which the CLI, running as the service account, reads back. Thread-safety: call once at
// start; the returned string is immutable.
#pragma once

#include <string>

namespace belfry {

// Returns the token in `path`, creating it (256 random bits, hex) when the file is absent. Throws
// std::runtime_error if the file exists but is empty or unreadable.
std::string loadOrCreateAdminToken(const std::string& path);

// Compares in time independent of where the strings differ.
bool tokensEqual(const std::string& presented, const std::string& expected);

}  // namespace belfry
