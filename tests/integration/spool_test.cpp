// The fire spool end to end: the real `belfry fire` finds belfryd down, retries, spools the fire
// and exits 75; the real belfryd takes spooled fires at start and in its periodic sweep, through
// the same fire path as a live fire, and sets aside what it cannot take.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// 2026-01-01T03:00:00.400Z: a timer of the daily 03:00 job elapsing a little late.
const std::map<std::string, std::string> kTimerAt3 = {
    {"TRIGGER_TIMER_REALTIME_USEC", "1767236400400000"}};
constexpr const char* kSlotAt3 = "2026-01-01T03:00:00.000Z";

// Names in `directory` (not . and ..); the rejected/ folder included.
std::set<std::string> filesIn(const std::string& directory) {
    std::set<std::string> names;
    if (DIR* dir = ::opendir(directory.c_str())) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name != "." && name != "..") names.insert(name);
        }
        ::closedir(dir);
    }
    return names;
}

class Spool : public ::testing::Test {
  protected:
    void SetUp() override {
        daemon_.start();
        // Daily at 03:00 UTC and catch_up none: nothing runs unless a fire says so. Concurrency
        // queue: the spooled fires taken together at start each run, one after another (under
        // the default `skip`, one taken while another runs would be recorded as skipped).
        daemon_.createJob(R"({"name": "nightly", "schedule": {"cron": "0 3 * * *"},
                              "catch_up": "none", "concurrency": "queue",
                              "exec": {"argv": ["/bin/true"]}})");
    }

    std::string spoolDir() const { return daemon_.stateDir() + "/spool"; }

    // Spooled fires waiting in the spool (not rejected/, not a writer's temp file).
    std::set<std::string> waiting() const {
        std::set<std::string> names;
        for (const auto& name : filesIn(spoolDir())) {
            if (name != "rejected" && name[0] != '.') names.insert(name);
        }
        return names;
    }

    // `belfry fire nightly` against a stopped belfryd: must give up and spool within the bound.
    void fireIntoSpool(const std::map<std::string, std::string>& env) {
        const auto started = std::chrono::steady_clock::now();
        const auto result = daemon_.cli({"fire", "nightly"}, env);
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(result.exitCode, 75) << result.err;
        EXPECT_THAT(result.err, HasSubstr("spooled the fire to " + spoolDir() + "/fire-"));
        EXPECT_LT(took, 10s) << "retrying before spooling is brief";
    }

    Poco::JSON::Array::Ptr runs(const std::string& query = "job=nightly") {
        return daemon_.request("GET", "/v1/runs?limit=1000&" + query).json->getArray("runs");
    }

    TestDaemon daemon_;
};

TEST_F(Spool, SpoolsFireWhenServiceIsDownAndRunsItAtStart) {
    daemon_.stop();
    fireIntoSpool(kTimerAt3);
    fireIntoSpool({});  // an admin's `systemctl start`, no timer
    EXPECT_EQ(waiting().size(), 2u);

    daemon_.start();
    const auto list = runs();
    ASSERT_EQ(list->size(), 2u) << daemon_.log();
    std::map<std::string, Poco::JSON::Object::Ptr> byTrigger;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto run = list->getObject(static_cast<unsigned>(i));
        byTrigger[run->getValue<std::string>("trigger")] = run;
    }
    ASSERT_EQ(byTrigger.count("schedule"), 1u);
    ASSERT_EQ(byTrigger.count("manual"), 1u);
    EXPECT_EQ(byTrigger["schedule"]->getValue<std::string>("slot"), kSlotAt3);
    EXPECT_TRUE(byTrigger["manual"]->isNull("slot"));
    for (const auto& [trigger, run] : byTrigger) {
        EXPECT_EQ(
            daemon_.waitForRunEnd(run->getValue<long long>("id"))->getValue<std::string>("state"),
            "succeeded")
            << trigger;
    }
    EXPECT_TRUE(waiting().empty()) << "a taken fire's file is deleted";
    EXPECT_TRUE(filesIn(spoolDir() + "/rejected").empty());
}

TEST_F(Spool, TheSameSpooledSlotTwiceRunsOnce) {
    daemon_.stop();
    fireIntoSpool(kTimerAt3);
    fireIntoSpool(kTimerAt3);  // a doubled timer elapse (systemd#16732)
    daemon_.start();
    const auto list = runs();
    ASSERT_EQ(list->size(), 2u) << daemon_.log();
    std::multiset<std::string> states;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto run = list->getObject(static_cast<unsigned>(i));
        EXPECT_EQ(run->getValue<std::string>("slot"), kSlotAt3);
        states.insert(
            daemon_.waitForRunEnd(run->getValue<long long>("id"))->getValue<std::string>("state"));
    }
    EXPECT_EQ(states, (std::multiset<std::string>{"skipped", "succeeded"}));
    EXPECT_TRUE(waiting().empty());
}

TEST_F(Spool, AFileTakenBeforeACrashIsNotTakenAgain) {
    daemon_.stop();
    fireIntoSpool({});  // a manual fire: no slot would stop it from running twice
    ASSERT_EQ(waiting().size(), 1u);
    const std::string name = *waiting().begin();
    std::string content;
    {
        std::ifstream in(spoolDir() + "/" + name);
        content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    daemon_.start();
    ASSERT_EQ(runs()->size(), 1u) << daemon_.log();
    daemon_.waitForRunEnd(runs()->getObject(0)->getValue<long long>("id"));
    EXPECT_TRUE(waiting().empty());

    // What belfryd dying between recording the run and removing the file leaves behind.
    daemon_.stop();
    std::ofstream(spoolDir() + "/" + name) << content;
    daemon_.start();
    EXPECT_EQ(runs()->size(), 1u) << "the spooled fire ran twice\n" << daemon_.log();
    EXPECT_TRUE(waiting().empty()) << "the file is removed all the same";
    daemon_.stop();  // the log file is complete once belfryd has stopped
    EXPECT_THAT(daemon_.log(), HasSubstr("was taken before, as run 1"));
}

TEST_F(Spool, CorruptAndForeignFilesAreSetAsideAndBelfrydServes) {
    daemon_.createJob(R"({"name": "paused", "enabled": false, "exec": {"argv": ["/bin/true"]}})");
    daemon_.stop();
    const auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(spoolDir() + "/" + name) << content;
    };
    const std::string good =
        R"({"format":"belfry-spooled-fire","version":1,"id":"0123456789abcdef0123456789abcdef",)"
        R"("job":"nightly","trigger":"schedule","elapsed_usec":1767236400400000,)"
        R"("spooled_at":"2026-01-01T03:00:03Z"})";
    write("fire-1-torn.json", good.substr(0, 40));
    write("notes.txt", "remember to water the plants\n");
    write("fire-2-future.json", R"({"format":"belfry-spooled-fire","version":7})");
    std::string unknownJob = good;
    unknownJob.replace(unknownJob.find("\"nightly\""), 9, "\"weekly\"");
    write("fire-3-unknown-job.json", unknownJob);
    std::string disabledJob = good;
    disabledJob.replace(disabledJob.find("\"nightly\""), 9, "\"paused\"");
    write("fire-4-disabled-job.json", disabledJob);
    write("fire-5-good.json", good);
    write(".fire-6-in-progress.json.tmp", good.substr(0, 10));

    daemon_.start();
    EXPECT_EQ(daemon_.request("GET", "/v1/health", "", false).status, 200);
    const auto list = runs();
    ASSERT_EQ(list->size(), 1u) << "the good file is taken despite the bad ones\n" << daemon_.log();
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("slot"), kSlotAt3);

    EXPECT_THAT(filesIn(spoolDir() + "/rejected"),
                UnorderedElementsAre("fire-1-torn.json", "notes.txt", "fire-2-future.json",
                                     "fire-3-unknown-job.json", "fire-4-disabled-job.json"));
    EXPECT_THAT(filesIn(spoolDir()),
                UnorderedElementsAre("rejected", ".fire-6-in-progress.json.tmp"))
        << "a writer's temp file is left alone";
    const auto log = daemon_.log();
    EXPECT_THAT(log, HasSubstr("fire-1-torn.json: not a spooled fire belfryd can take: not JSON"));
    EXPECT_THAT(log, HasSubstr("notes.txt: not a spooled fire belfryd can take: not JSON"));
    EXPECT_THAT(log, HasSubstr("fire-2-future.json: not a spooled fire belfryd can take: "
                               "version 7: this belfryd reads version 1 only"));
    EXPECT_THAT(log, HasSubstr("fire-3-unknown-job.json: job weekly does not exist"));
    EXPECT_THAT(log, HasSubstr("fire-4-disabled-job.json: job paused is disabled"));
    // Still serving: the API answers and a live fire works.
    EXPECT_EQ(daemon_.cli({"fire", "nightly"}).exitCode, 0);
}

TEST_F(Spool, AFireSpooledWhileBelfrydRunsIsTakenByTheSweep) {
    // belfryd is up, but this `belfry fire` cannot reach it (as when it gave up just before
    // belfryd listened): the fire lands in the spool of the running belfryd.
    const auto result = daemon_.cli({"--endpoint", "127.0.0.1:1", "fire", "nightly"}, kTimerAt3);
    ASSERT_EQ(result.exitCode, 75) << result.err;
    ASSERT_EQ(waiting().size(), 1u);
    ASSERT_TRUE(eventually([&] { return runs()->size() == 1; }, 25s))
        << "the sweep (every 10 s) takes it\n"
        << daemon_.log();
    const auto run = runs()->getObject(0);
    EXPECT_EQ(run->getValue<std::string>("trigger"), "schedule");
    EXPECT_EQ(run->getValue<std::string>("slot"), kSlotAt3);
    EXPECT_TRUE(eventually([&] { return waiting().empty(); }, 5s));
}

}  // namespace
}  // namespace belfry::test
