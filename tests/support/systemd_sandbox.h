// Test support for the `systemd` slice: the sandboxed `systemd --user` manager that the CTest
// fixture `systemd_sandbox` starts (tests/support/start-systemd.sh) in this build tree. Tests and
// the belfryd they start reach it through the variables the start script writes to DIR/env
// (XDG_RUNTIME_DIR and friends, BELFRY_SYSTEMD_UNIT_DIR).
// Thread-safety: plain functions over files and child processes; call from the test's thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "test_daemon.h"

namespace belfry::test {

// The fixture's state directory (fixed per build tree).
std::string systemdSandboxDir();
// The `export K=V` lines of DIR/env; empty when the sandbox has not been started.
std::map<std::string, std::string> systemdSandboxEnv();
// Runs `systemctl --user ARGS...` against the sandbox manager.
CommandResult sandboxSystemctl(const std::vector<std::string>& args);

}  // namespace belfry::test
