// The fire spool against a real systemd timer (the sandboxed `systemd --user` manager): belfryd is
// stopped while its job's timer keeps firing; every elapse runs `belfry fire`, which spools the
// fire and exits 75, so the service unit fails visibly in systemctl; when belfryd starts again
// the spooled fires become `schedule` runs of their own slots.
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>
#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "systemd_sandbox.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

// Spool files (name -> content) waiting in `directory`; writers' temp files and rejected/ left out.
std::map<std::string, std::string> spooledFires(const std::string& directory) {
    std::map<std::string, std::string> files;
    if (DIR* dir = ::opendir(directory.c_str())) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name.rfind("fire-", 0) != 0) continue;
            std::ifstream in(directory + "/" + name);
            std::stringstream text;
            text << in.rdbuf();
            files[name] = text.str();
        }
        ::closedir(dir);
    }
    return files;
}

TEST(SystemdSpool, FiresWhileBelfrydIsStoppedAreSpooledAndRunAtStart) {
    auto env = systemdSandboxEnv();
    ASSERT_TRUE(env.count("BELFRY_SYSTEMD_UNIT_DIR"))
        << "the systemd_sandbox fixture did not run (" << systemdSandboxDir() << ")";
    TestDaemon daemon({"scheduler.backend = systemd", "systemd.scope = user",
                       "systemd.unit_dir = " + env["BELFRY_SYSTEMD_UNIT_DIR"],
                       std::string("bridge.client = ") + BELFRY_CLI_PATH},
                      env);
    daemon.start();
    // Leave no timer behind to fire into a stopped daemon, whatever fails below, and no failed
    // unit (the spooling fires end with status 75 by design) to mark the shared manager degraded.
    struct RemoveJob {
        TestDaemon& daemon;
        ~RemoveJob() {
            if (daemon.running()) {
                daemon.request("DELETE", "/v1/jobs/spooled");
            } else {
                sandboxSystemctl({"disable", "--now", "belfry-spooled.timer"});
            }
            sandboxSystemctl({"reset-failed", "belfry-spooled.service"});
        }
    } removeJob{daemon};
    // Every 4 s: longer than `belfry fire`'s ~3 s of retries, so each elapse starts the service.
    // Concurrency queue: the spooled fires, taken together at start, each run one after another
    // (under the default `skip`, one taken while another still runs would be recorded as skipped).
    daemon.createJob(R"({"name": "spooled", "schedule": {"cron": "*/4 * * * * *"},
                         "concurrency": "queue", "exec": {"argv": ["/bin/true"]},
                         "timeout": "1m"})");
    const std::string spoolDir = daemon.stateDir() + "/spool";

    daemon.stop();
    ASSERT_TRUE(eventually([&] { return spooledFires(spoolDir).size() >= 2; }, 40s))
        << "the timer kept firing into the spool";
    const auto fires = spooledFires(spoolDir);

    // Each `belfry fire` exited 75: the oneshot service failed, for systemctl and its admin.
    std::string shown;
    EXPECT_TRUE(eventually(
        [&] {
            shown = sandboxSystemctl(
                        {"show", "belfry-spooled.service", "-p", "Result", "-p", "ExecMainStatus"})
                        .out;
            return shown.find("ExecMainStatus=75") != std::string::npos &&
                   shown.find("Result=exit-code") != std::string::npos;
        },
        10s))
        << shown;

    // What the spool says about each fire: a timer fire with its elapse time.
    std::set<long long> elapsedMillis;
    for (const auto& [name, text] : fires) {
        Poco::JSON::Parser parser;
        const auto fire = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(fire->getValue<std::string>("job"), "spooled") << name;
        EXPECT_EQ(fire->getValue<std::string>("trigger"), "schedule") << name;
        elapsedMillis.insert(fire->getValue<long long>("elapsed_usec") / 1000);
    }

    // Slots are the 4-second grid (60 is a multiple of 4), found as the fire path finds them: the
    // latest scheduled instant at or before the elapse time plus 250 ms.
    std::set<std::string> expectedSlots;
    for (const auto millis : elapsedMillis) {
        const Poco::Timestamp slot((millis + 250) / 4000 * 4000 * 1000);
        expectedSlots.insert(Poco::DateTimeFormatter::format(slot, "%Y-%m-%dT%H:%M:%S.%iZ"));
    }
    EXPECT_EQ(expectedSlots.size(), fires.size()) << "every fire elapsed in a slot of its own";

    daemon.start();
    EXPECT_TRUE(eventually(
        [&] {
            const auto left = spooledFires(spoolDir);
            for (const auto& [name, text] : fires) {
                if (left.count(name)) return false;
            }
            return true;
        },
        20s))
        << "the spooled fires were taken\n"
        << daemon.log();
    std::map<std::string, long long> runBySlot;  // schedule runs that ran, by slot
    const auto list =
        daemon.request("GET", "/v1/runs?limit=1000&job=spooled").json->getArray("runs");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto run = list->getObject(static_cast<unsigned>(i));
        if (run->getValue<std::string>("trigger") != "schedule" ||
            run->getValue<std::string>("state") == "skipped") {
            continue;
        }
        EXPECT_TRUE(
            runBySlot.emplace(run->getValue<std::string>("slot"), run->getValue<long long>("id"))
                .second)
            << "slot " << run->getValue<std::string>("slot") << " ran twice";
    }
    for (const auto& slot : expectedSlots) {
        ASSERT_TRUE(runBySlot.count(slot))
            << "no schedule run for the spooled slot " << slot << "\n"
            << daemon.log();
        EXPECT_EQ(daemon.waitForRunEnd(runBySlot[slot])->getValue<std::string>("state"),
                  "succeeded");
    }
}

}  // namespace
}  // namespace belfry::test
