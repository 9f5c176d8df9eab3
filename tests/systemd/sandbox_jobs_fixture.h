// A base for the systemd slice's fixtures: the sandbox's environment and unit directory, the
// configuration lines of a belfryd on its user manager, and a belfryd (made by the derived
// fixture's SetUp, after this one's) whose jobs run /bin/true on a schedule, with their "os" object
// and drift at hand, and every job it created deleted again at the end, so no timer is left to fire
// into a stopped daemon. Thread-safety: one fixture per test, used from the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "systemd_sandbox.h"
#include "test_daemon.h"

namespace belfry::test {

class SandboxJobs : public ::testing::Test {
  protected:
    // A derived SetUp calls this first and returns when HasFatalFailure().
    void SetUp() override {
        env_ = systemdSandboxEnv();
        ASSERT_TRUE(env_.count("BELFRY_SYSTEMD_UNIT_DIR"))
            << "the systemd_sandbox fixture did not run (" << systemdSandboxDir() << ")";
        unitDir_ = env_["BELFRY_SYSTEMD_UNIT_DIR"];
    }

    // belfryd on the sandbox's manager, writing units itself.
    std::vector<std::string> systemdBackendConfig() const {
        return {"scheduler.backend = systemd", "systemd.scope = user",
                "systemd.unit_dir = " + unitDir_,
                std::string("bridge.client = ") + BELFRY_CLI_PATH};
    }

    void TearDown() override {
        if (!daemon_ || !daemon_->running()) return;
        for (const auto& name : jobs_) daemon_->request("DELETE", "/v1/jobs/" + name);
    }

    // `schedule` is the job's "schedule" JSON object.
    void createJob(const std::string& name, const std::string& schedule) {
        jobs_.push_back(name);
        daemon_->createJob(R"({"name": ")" + name + R"(", "schedule": )" + schedule +
                           R"(, "exec": {"argv": ["/bin/true"]}, "timeout": "1m"})");
    }

    Poco::JSON::Object::Ptr os(const std::string& name) {
        const auto job = daemon_->request("GET", "/v1/jobs/" + name);
        EXPECT_EQ(job.status, 200) << job.body;
        return job.json ? job.json->getObject("os") : nullptr;
    }

    std::vector<std::string> drift(const std::string& name) {
        std::vector<std::string> entries;
        const auto array = os(name)->getArray("drift");
        for (std::size_t i = 0; i < array->size(); ++i)
            entries.push_back(array->getElement<std::string>(i));
        return entries;
    }

    std::map<std::string, std::string> env_;
    std::string unitDir_;
    std::unique_ptr<TestDaemon> daemon_;
    std::vector<std::string> jobs_;
};

}  // namespace belfry::test
