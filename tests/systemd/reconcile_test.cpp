// Reconciliation against the real (sandboxed) systemd manager: belfryd brings the manager in line
// with its store in one batch at start and on `belfry reconcile`, removes orphaned belfry-* units,
// and leaves alone — reporting it as drift — what an admin did with systemctl or an editor.
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "job_json.h"
#include "manager_reloads.h"
#include "store.h"
#include "systemd_sandbox.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

class Reconcile : public ::testing::Test {
  protected:
    void SetUp() override {
        env_ = systemdSandboxEnv();
        ASSERT_TRUE(env_.count("BELFRY_SYSTEMD_PRIVATE_SOCKET"))
            << "the systemd_sandbox fixture did not run (" << systemdSandboxDir() << ")";
        unitDir_ = env_["BELFRY_SYSTEMD_UNIT_DIR"];
        removeAllBelfryUnits();
        daemon_ = std::make_unique<TestDaemon>(
            std::vector<std::string>{"scheduler.backend = systemd", "systemd.scope = user",
                                     "systemd.unit_dir = " + unitDir_,
                                     std::string("bridge.client = ") + BELFRY_CLI_PATH},
            env_);
    }

    void TearDown() override {
        if (daemon_ && daemon_->running()) daemon_->stop();
        removeAllBelfryUnits();
    }

    // The belfry-* unit files in the unit directory, name -> content.
    std::map<std::string, std::string> belfryUnitFiles() {
        std::map<std::string, std::string> files;
        if (DIR* dir = ::opendir(unitDir_.c_str())) {
            while (const dirent* entry = ::readdir(dir)) {
                const std::string name = entry->d_name;
                if (name.rfind("belfry-", 0) == 0 && name.find(".d") == std::string::npos)
                    files[name] = readFile(unitDir_ + "/" + name);
            }
            ::closedir(dir);
        }
        return files;
    }

    // Cleans the manager with systemctl itself, in one batch, whatever the test left.
    void removeAllBelfryUnits() {
        const auto files = belfryUnitFiles();
        std::vector<std::string> timers{"disable", "--now"};
        for (const auto& [name, content] : files) {
            if (name.size() > 6 && name.compare(name.size() - 6, 6, ".timer") == 0)
                timers.push_back(name);
        }
        if (timers.size() > 2) sandboxSystemctl(timers);
        for (const auto& [name, content] : files)
            runCommand({"/bin/rm", "-rf", unitDir_ + "/" + name, unitDir_ + "/" + name + ".d"});
        sandboxSystemctl({"daemon-reload"});
    }

    // What the manager says about the belfry-* timers: the state a dry run must not change.
    std::string managerView() {
        const auto files = belfryUnitFiles();
        std::vector<std::string> args{
            "show", "-p", "Id,LoadState,UnitFileState,ActiveState,NextElapseUSecRealtime"};
        for (const auto& [name, content] : files) args.push_back(name);
        return sandboxSystemctl(args).out;
    }

    std::unique_ptr<Store> openStore() {
        return openSqliteStore(daemon_->stateDir() + "/belfry.db");
    }

    static Job jobNamed(const std::string& name, const std::string& cron) {
        Poco::JSON::Parser parser;
        const auto object = parser
                                .parse(R"({"name": ")" + name + R"(", "schedule": {"cron": ")" +
                                       cron + R"("}, "exec": {"argv": ["/bin/true"]}})")
                                .extract<Poco::JSON::Object::Ptr>();
        return jobFromJson(*object);
    }

    std::vector<std::string> drift(const std::string& name) {
        const auto job = daemon_->request("GET", "/v1/jobs/" + name);
        EXPECT_EQ(job.status, 200) << job.body;
        std::vector<std::string> entries;
        const auto array = job.json->getObject("os")->getArray("drift");
        for (std::size_t i = 0; i < array->size(); ++i)
            entries.push_back(array->getElement<std::string>(i));
        return entries;
    }

    // job -> action of a reconcile report.
    static std::map<std::string, std::string> actions(const Poco::JSON::Object::Ptr& report) {
        std::map<std::string, std::string> result;
        const auto jobs = report->getArray("jobs");
        for (std::size_t i = 0; i < jobs->size(); ++i) {
            const auto entry = jobs->getObject(static_cast<unsigned>(i));
            result[entry->getValue<std::string>("job")] = entry->getValue<std::string>("action");
        }
        return result;
    }

    std::map<std::string, std::string> env_;
    std::string unitDir_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(Reconcile, TwoHundredJobsFromTheStoreBecomeActiveTimersInOneReload) {
    {
        auto store = openStore();
        for (int i = 0; i < 200; ++i) {
            char name[16];
            std::snprintf(name, sizeof name, "bulk-%03d", i);
            auto job = jobNamed(name, "0 3 * * *");
            ASSERT_TRUE(store->insertJob(job));
        }
    }
    ManagerReloads reloads(env_["BELFRY_SYSTEMD_PRIVATE_SOCKET"]);
    daemon_->start();  // returns once belfryd listens, i.e. after the reconcile at start

    EXPECT_EQ(reloads.count(), 1) << daemon_->log();
    const auto listed = sandboxSystemctl({"list-timers", "--no-legend", "belfry-bulk-*"});
    EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 200) << listed.out;
    const auto shown = sandboxSystemctl({"show", "-p", "UnitFileState,ActiveState",
                                         "belfry-bulk-000.timer", "belfry-bulk-199.timer"});
    EXPECT_EQ(
        shown.out,
        "ActiveState=active\nUnitFileState=enabled\n\nActiveState=active\nUnitFileState=enabled\n");
    // The log is flushed asynchronously.
    EXPECT_TRUE(eventually([&] {
        return daemon_->log().find("reconcile (start): 200 created, 0 updated, 0 removed") !=
               std::string::npos;
    })) << daemon_->log();

    // Nothing to do the second time: no reload at all.
    const auto again = daemon_->request("POST", "/v1/reconcile");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json->getObject("summary")->getValue<int>("unchanged"), 200);
    EXPECT_EQ(again.json->getValue<int>("manager_reloads"), 0);
    EXPECT_EQ(reloads.count(), 1);
}

TEST_F(Reconcile, RemovesOrphansUpdatesOwnUnitsAndLeavesAdminChangesAsDrift) {
    daemon_->start();
    for (const auto* name : {"kept", "changed", "edited", "admin-off", "overridden", "ghost"}) {
        daemon_->createJob(
            R"({"name": ")" + std::string(name) +
            R"(", "schedule": {"cron": "0 3 * * *"}, "exec": {"argv": ["/bin/true"]}})");
    }
    {
        // Behind belfryd's back, in its store: a job disappears, another changes its schedule.
        auto store = openStore();
        ASSERT_TRUE(store->deleteJob("ghost"));
        auto changed = jobNamed("changed", "30 4 * * *");
        ASSERT_TRUE(store->updateJob(changed));
    }
    // And in systemd: an edited OnCalendar=, a drop-in, a disabled timer.
    const auto editedPath = unitDir_ + "/belfry-edited.timer";
    auto edited = readFile(editedPath);
    const auto at = edited.find("OnCalendar=");
    ASSERT_NE(at, std::string::npos);
    edited.replace(at, edited.find('\n', at) - at, "OnCalendar=*-*-* 05:00:00");
    writeFile(editedPath, edited);
    ASSERT_EQ(runCommand({"/bin/mkdir", "-p", unitDir_ + "/belfry-overridden.timer.d"}).exitCode,
              0);
    writeFile(unitDir_ + "/belfry-overridden.timer.d/override.conf", "[Timer]\nPersistent=false\n");
    ASSERT_EQ(sandboxSystemctl({"disable", "belfry-admin-off.timer"}).exitCode, 0);
    ASSERT_EQ(sandboxSystemctl({"daemon-reload"}).exitCode, 0);

    const auto filesBefore = belfryUnitFiles();
    const auto managerBefore = managerView();
    ManagerReloads reloads(env_["BELFRY_SYSTEMD_PRIVATE_SOCKET"]);

    // A dry run reports all of it and changes nothing, byte for byte.
    const auto dry = daemon_->cli({"reconcile", "--dry-run"});
    EXPECT_EQ(dry.exitCode, 0) << dry.err;
    EXPECT_THAT(dry.out, HasSubstr("dry run, nothing changed: 0 created, 1 updated, 1 removed, 1 "
                                   "unchanged, 3 drift, 0 failed"));
    EXPECT_EQ(belfryUnitFiles(), filesBefore);
    EXPECT_EQ(managerView(), managerBefore);
    EXPECT_EQ(reloads.count(), 0);

    const auto json = daemon_->cli({"--json", "reconcile"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    Poco::JSON::Parser parser;
    const auto report = parser.parse(json.out).extract<Poco::JSON::Object::Ptr>();
    EXPECT_FALSE(report->getValue<bool>("dry_run"));
    EXPECT_EQ(report->getValue<int>("manager_reloads"), 1);
    EXPECT_EQ(actions(report), (std::map<std::string, std::string>{{"admin-off", "drift"},
                                                                   {"changed", "updated"},
                                                                   {"edited", "drift"},
                                                                   {"ghost", "removed"},
                                                                   {"kept", "unchanged"},
                                                                   {"overridden", "drift"}}));
    EXPECT_EQ(reloads.count(), 1);

    const auto files = belfryUnitFiles();
    EXPECT_FALSE(files.count("belfry-ghost.timer"));
    EXPECT_FALSE(files.count("belfry-ghost.service"));
    EXPECT_THAT(sandboxSystemctl({"list-timers", "--all"}).out, Not(HasSubstr("belfry-ghost")));
    EXPECT_THAT(files.at("belfry-changed.timer"), HasSubstr("OnCalendar=*-*-* 04:30:00 UTC"));
    EXPECT_EQ(files.at("belfry-edited.timer"), edited);  // the admin's edit stays
    EXPECT_EQ(files.at("belfry-overridden.timer"), filesBefore.at("belfry-overridden.timer"));
    EXPECT_EQ(
        sandboxSystemctl({"show", "-p", "UnitFileState", "--value", "belfry-admin-off.timer"}).out,
        "disabled\n");

    EXPECT_THAT(drift("admin-off"), Contains("timer disabled in systemd (systemctl disable)"));
    EXPECT_FALSE(daemon_->request("GET", "/v1/jobs/admin-off")
                     .json->getObject("os")
                     ->getValue<bool>("enabled"));
    EXPECT_THAT(drift("edited"), Contains("belfry-edited.timer was edited outside Belfry"));
    EXPECT_THAT(drift("overridden"),
                Contains(HasSubstr("belfry-overridden.timer is changed by drop-ins")));
    EXPECT_TRUE(drift("changed").empty());
}

TEST_F(Reconcile, CliPrintsATableOfActions) {
    daemon_->start();
    daemon_->createJob(
        R"({"name": "tabled", "schedule": {"cron": "0 3 * * *"}, "exec": {"argv": ["/bin/true"]}})");
    const auto result = daemon_->cli({"reconcile"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_THAT(result.out, HasSubstr("JOB     ACTION     DETAIL\n"));
    EXPECT_THAT(result.out, HasSubstr("tabled  unchanged  -\n"));
    EXPECT_THAT(result.out,
                HasSubstr("0 created, 0 updated, 0 removed, 1 unchanged, 0 drift, 0 failed"));

    const auto bad = daemon_->cli({"reconcile", "--force"});
    EXPECT_EQ(bad.exitCode, 64);
    EXPECT_THAT(bad.err, HasSubstr("unexpected argument '--force'"));
}

}  // namespace
}  // namespace belfry::test
