// The systemd backend against a real manager (the sandboxed `systemd --user` of the
// systemd_sandbox fixture): belfryd registers timers, the manager fires them through
// `belfry fire`, and what an admin does with systemctl shows up in the job's "os" object.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "sandbox_jobs_fixture.h"
#include "systemd_sandbox.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

bool fileExists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

class SystemdBackend : public SandboxJobs {
  protected:
    void SetUp() override {
        SandboxJobs::SetUp();
        if (HasFatalFailure()) return;
        daemon_ = std::make_unique<TestDaemon>(systemdBackendConfig(), env_);
        daemon_->start();
    }

    Poco::JSON::Array::Ptr runs(const std::string& name) {
        return daemon_->request("GET", "/v1/runs?limit=1000&job=" + name).json->getArray("runs");
    }

    std::string listTimers(bool all) {
        auto args = std::vector<std::string>{"list-timers"};
        if (all) args.push_back("--all");
        const auto result = sandboxSystemctl(args);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        return result.out;
    }
};

TEST_F(SystemdBackend, HealthReportsTheSystemdBackend) {
    const auto health = daemon_->request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "systemd");
    EXPECT_THAT(health.json->getValue<std::string>("scheduler_choice"), HasSubstr("systemd 252"));
}

TEST(SystemdChoice, AutoUsesAReachableManager) {
    TestDaemon daemon({"scheduler.backend = auto", "systemd.scope = user",
                       "systemd.unit_dir = " + systemdSandboxEnv()["BELFRY_SYSTEMD_UNIT_DIR"]},
                      systemdSandboxEnv());
    daemon.start();
    const auto health = daemon.request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "systemd");
    EXPECT_THAT(health.json->getValue<std::string>("scheduler_choice"),
                HasSubstr("auto: systemd 252"));
}

TEST(SystemdChoice, AutoFallsBackToInternalWithoutAManager) {
    TestDaemon daemon({"scheduler.backend = auto", "systemd.scope = user"},
                      {{"XDG_RUNTIME_DIR", "/nonexistent-belfry-runtime"},
                       {"DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent-belfry-runtime/bus"}});
    daemon.start();
    const auto health = daemon.request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "internal");
    EXPECT_THAT(health.json->getValue<std::string>("scheduler_choice"),
                HasSubstr("auto: no systemd user manager"));
}

// What the packaged belfryd meets on a real server: the system manager answers, but the `belfry`
// account may not write /etc/systemd/system. A path through a regular file stands in for it
// here (the tests run as root, whom permissions would not stop).
constexpr const char* kUnwritableUnitDir = "/dev/null/belfry-units";

TEST(SystemdChoice, AutoFallsBackToInternalWhenUnitsCannotBeWritten) {
    TestDaemon daemon({"scheduler.backend = auto", "systemd.scope = user",
                       std::string("systemd.unit_dir = ") + kUnwritableUnitDir},
                      systemdSandboxEnv());
    daemon.start();
    const auto health = daemon.request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "internal");
    const auto choice = health.json->getValue<std::string>("scheduler_choice");
    EXPECT_THAT(choice, HasSubstr("auto: the systemd user manager answers"));
    EXPECT_THAT(choice,
                HasSubstr(std::string("cannot create the unit directory ") + kUnwritableUnitDir));
    // Scheduled jobs still fire, on the internal timer.
    daemon.createJob(
        R"({"name": "fallback", "schedule": {"cron": "* * * * * *"}, "exec": {"argv": ["/bin/true"]}})");
    EXPECT_TRUE(eventually(
        [&] {
            return daemon.request("GET", "/v1/runs?job=fallback&state=succeeded")
                       .json->getArray("runs")
                       ->size() > 0;
        },
        10s));
}

TEST(SystemdChoice, TheSystemdBackendRefusesToStartWhenUnitsCannotBeWritten) {
    TestDaemon daemon({"scheduler.backend = systemd", "systemd.scope = user",
                       std::string("systemd.unit_dir = ") + kUnwritableUnitDir},
                      systemdSandboxEnv());
    const auto started =
        runCommand({BELFRYD_PATH, "--config", daemon.configPath()}, systemdSandboxEnv(), 20s);
    EXPECT_EQ(started.exitCode, 78);  // a configuration problem: restarting cannot fix it
    const auto said = started.out + started.err;
    EXPECT_THAT(said, HasSubstr("scheduler.backend = systemd"));
    EXPECT_THAT(said, HasSubstr(kUnwritableUnitDir));
}

TEST_F(SystemdBackend, RealTimerFiresJobThroughBelfryFire) {
    createJob("every-two", R"({"cron": "*/2 * * * * *"})");
    EXPECT_THAT(listTimers(false), HasSubstr("belfry-every-two.timer"));
    const auto succeeded = [&] {
        std::size_t count = 0;
        const auto list = runs("every-two");
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (list->getObject(static_cast<unsigned>(i))->getValue<std::string>("state") ==
                "succeeded")
                ++count;
        }
        return count;
    };
    ASSERT_TRUE(eventually([&] { return succeeded() >= 3; }, 30s))
        << "runs: " << succeeded() << "\n"
        << daemon_->log();

    const auto list = runs("every-two");
    std::set<std::string> slots;
    std::size_t ran = 0;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto run = list->getObject(static_cast<unsigned>(i));
        EXPECT_EQ(run->getValue<std::string>("trigger"), "schedule");
        if (run->getValue<std::string>("state") == "skipped") continue;  // a doubled fire
        ++ran;
        slots.insert(run->getValue<std::string>("slot"));
    }
    EXPECT_EQ(slots.size(), ran) << "every run owns its own slot";

    const auto state = os("every-two");
    EXPECT_TRUE(state->getValue<bool>("registered"));
    EXPECT_TRUE(state->getValue<bool>("enabled"));
    EXPECT_FALSE(state->isNull("next"));
    EXPECT_TRUE(drift("every-two").empty());
}

TEST_F(SystemdBackend, AdminDisablingTheTimerShowsAsDrift) {
    createJob("nightly", R"({"cron": "0 3 * * *"})");
    EXPECT_TRUE(os("nightly")->getValue<bool>("enabled"));
    EXPECT_TRUE(drift("nightly").empty());

    const auto disabled = sandboxSystemctl({"disable", "--now", "belfry-nightly.timer"});
    ASSERT_EQ(disabled.exitCode, 0) << disabled.err;

    EXPECT_FALSE(os("nightly")->getValue<bool>("enabled"));
    EXPECT_THAT(drift("nightly"), Contains("timer disabled in systemd (systemctl disable)"));
    // Belfry reports it and leaves it: the job itself is still enabled in Belfry.
    const auto job = daemon_->request("GET", "/v1/jobs/nightly");
    EXPECT_TRUE(job.json->getValue<bool>("enabled"));
}

TEST_F(SystemdBackend, TheJobListShowsEachJobsOwnStateFromSystemd) {
    // The list asks systemd once for all jobs; each answer must land on its own job.
    for (const auto* name : {"list-a", "list-b", "list-c"})
        createJob(name, R"({"cron": "0 3 * * *"})");
    daemon_->createJob(R"({"name": "list-manual", "exec": {"argv": ["/bin/true"]}})");
    jobs_.push_back("list-manual");
    const auto disabled = sandboxSystemctl({"disable", "--now", "belfry-list-b.timer"});
    ASSERT_EQ(disabled.exitCode, 0) << disabled.err;

    const auto listed = daemon_->request("GET", "/v1/jobs");
    ASSERT_EQ(listed.status, 200) << listed.body;
    std::map<std::string, Poco::JSON::Object::Ptr> osByJob;
    const auto jobs = listed.json->getArray("jobs");
    for (std::size_t i = 0; i < jobs->size(); ++i) {
        const auto job = jobs->getObject(static_cast<unsigned>(i));
        osByJob[job->getValue<std::string>("name")] = job->getObject("os");
    }
    for (const auto* name : {"list-a", "list-c"}) {
        ASSERT_TRUE(osByJob.count(name)) << name;
        EXPECT_TRUE(osByJob[name]->getValue<bool>("registered")) << name;
        EXPECT_TRUE(osByJob[name]->getValue<bool>("enabled")) << name;
        EXPECT_FALSE(osByJob[name]->isNull("next")) << name;
        EXPECT_EQ(osByJob[name]->getArray("drift")->size(), 0u) << name;
    }
    ASSERT_TRUE(osByJob.count("list-b"));
    EXPECT_FALSE(osByJob["list-b"]->getValue<bool>("enabled"));
    EXPECT_EQ(osByJob["list-b"]->getArray("drift")->getElement<std::string>(0),
              "timer disabled in systemd (systemctl disable)");
    // A job without a schedule has no units: nothing registered, nothing drifting.
    ASSERT_TRUE(osByJob.count("list-manual"));
    EXPECT_FALSE(osByJob["list-manual"]->getValue<bool>("registered"));
    EXPECT_EQ(osByJob["list-manual"]->getArray("drift")->size(), 0u);
    // The list and a single job agree.
    EXPECT_FALSE(os("list-b")->getValue<bool>("enabled"));
    EXPECT_TRUE(os("list-c")->getValue<bool>("enabled"));
}

TEST_F(SystemdBackend, EditedUnitAndDropInsShowAsDrift) {
    createJob("edited", R"({"cron": "0 3 * * *"})");
    {
        std::ofstream(unitDir_ + "/belfry-edited.timer", std::ios::app) << "# an admin was here\n";
        const auto dropInDir = unitDir_ + "/belfry-edited.service.d";
        ASSERT_EQ(runCommand({"/bin/mkdir", "-p", dropInDir}).exitCode, 0);
        std::ofstream(dropInDir + "/override.conf") << "[Service]\nNice=5\n";
    }
    ASSERT_EQ(sandboxSystemctl({"daemon-reload"}).exitCode, 0);
    const auto entries = drift("edited");
    EXPECT_THAT(entries, Contains("belfry-edited.timer was edited outside Belfry"));
    EXPECT_THAT(entries, Contains(HasSubstr("belfry-edited.service is changed by drop-ins")));
    ASSERT_EQ(runCommand({"/bin/rm", "-r", unitDir_ + "/belfry-edited.service.d"}).exitCode, 0);
}

TEST_F(SystemdBackend, DeletingTheJobRemovesUnitsAndTimer) {
    createJob("short-lived", R"({"cron": "0 3 * * *"})");
    EXPECT_TRUE(fileExists(unitDir_ + "/belfry-short-lived.timer"));
    EXPECT_TRUE(fileExists(unitDir_ + "/belfry-short-lived.service"));
    EXPECT_THAT(listTimers(true), HasSubstr("belfry-short-lived.timer"));

    EXPECT_EQ(daemon_->request("DELETE", "/v1/jobs/short-lived").status, 204);
    jobs_.clear();
    EXPECT_FALSE(fileExists(unitDir_ + "/belfry-short-lived.timer"));
    EXPECT_FALSE(fileExists(unitDir_ + "/belfry-short-lived.service"));
    EXPECT_THAT(listTimers(true), Not(HasSubstr("belfry-short-lived")));
}

TEST_F(SystemdBackend, StartingTheServiceByHandRecordsAManualRun) {
    createJob("by-hand", R"({"cron": "0 3 * * *"})");
    // Blocks until the oneshot service ends, i.e. until `belfry fire` saw the run end.
    const auto started = sandboxSystemctl({"start", "belfry-by-hand.service"});
    ASSERT_EQ(started.exitCode, 0) << started.err << "\n" << daemon_->log();

    const auto list = runs("by-hand");
    ASSERT_EQ(list->size(), 1u);
    const auto run = list->getObject(0);
    EXPECT_EQ(run->getValue<std::string>("trigger"), "manual");
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_TRUE(eventually(
        [&] {
            const auto state = os("by-hand");
            return !state->isNull("last_result") &&
                   state->getValue<std::string>("last_result") == "success";
        },
        5s));
}

}  // namespace
}  // namespace belfry::test
