// The systemd fixture itself: the sandboxed manager is up and answers systemctl --user.
#include <gtest/gtest.h>

#include "systemd_sandbox.h"

namespace belfry::test {
namespace {

TEST(SystemdSandbox, ManagerAnswersSystemctlUser) {
    const auto env = systemdSandboxEnv();
    ASSERT_TRUE(env.count("XDG_RUNTIME_DIR")) << "no sandbox env in " << systemdSandboxDir();
    ASSERT_TRUE(env.count("BELFRY_SYSTEMD_UNIT_DIR"));
    const auto state = sandboxSystemctl({"show", "-p", "SystemState", "--value"});
    EXPECT_EQ(state.exitCode, 0) << state.err;
    EXPECT_EQ(state.out, "running\n");
}

}  // namespace
}  // namespace belfry::test
