// The `belfry` CLI against a real belfryd: what an operator and an OS scheduler see.
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "fresh_temp_dir.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    TestDaemon daemon_;
};

TEST_F(CliTest, AddListShowRemoveAJobFromFlags) {
    const auto add = daemon_.cli({"jobs", "add", "backup", "--every", "15m", "--timeout", "30m",
                                  "--description", "nightly", "--", "/bin/echo", "a b", "$HOME"});
    ASSERT_EQ(add.exitCode, 0) << add.err;
    const auto job = daemon_.request("GET", "/v1/jobs/backup").json;
    ASSERT_TRUE(job);
    const auto argv = job->getObject("exec")->getArray("argv");
    ASSERT_EQ(argv->size(), 3u);
    EXPECT_EQ(argv->getElement<std::string>(1), "a b") << "arguments pass through unsplit";
    EXPECT_EQ(argv->getElement<std::string>(2), "$HOME") << "and unexpanded";
    EXPECT_EQ(job->getObject("schedule")->getValue<std::string>("every"), "15m");

    const auto list = daemon_.cli({"jobs", "list"});
    EXPECT_EQ(list.exitCode, 0);
    EXPECT_NE(list.out.find("backup"), std::string::npos) << list.out;
    const auto show = daemon_.cli({"jobs", "show", "backup"});
    EXPECT_NE(show.out.find("30m"), std::string::npos) << show.out;

    EXPECT_EQ(daemon_.cli({"jobs", "disable", "backup"}).exitCode, 0);
    EXPECT_FALSE(daemon_.request("GET", "/v1/jobs/backup").json->getValue<bool>("enabled"));
    EXPECT_EQ(daemon_.cli({"jobs", "rm", "backup"}).exitCode, 0);
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/backup").status, 404);
    EXPECT_EQ(daemon_.cli({"jobs", "show", "backup"}).exitCode, 66);
}

TEST_F(CliTest, AddFromAJsonFileAndPrintJson) {
    const auto path = daemon_.stateDir() + "/job.json";
    std::ofstream(path) << R"({"name": "from-file", "exec": {"argv": ["/bin/true"]}})";
    ASSERT_EQ(daemon_.cli({"jobs", "add", "--file", path}).exitCode, 0);
    const auto list = daemon_.cli({"--json", "jobs", "list"});
    ASSERT_EQ(list.exitCode, 0);
    Poco::JSON::Parser parser;
    const auto parsed = parser.parse(list.out).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(parsed->getArray("jobs")->getObject(0)->getValue<std::string>("name"), "from-file");
}

TEST_F(CliTest, HostileNameIsRefusedWithoutCreatingAnything) {
    for (const std::string name : {"x\n[Service]", "../x", "a b", "UPPER"}) {
        const auto add = daemon_.cli({"jobs", "add", name, "--", "/bin/true"});
        EXPECT_EQ(add.exitCode, 64) << name;
        EXPECT_NE(add.err.find("invalid job name"), std::string::npos) << add.err;
    }
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs").json->getArray("jobs")->size(), 0u);
}

TEST_F(CliTest, RunWaitExitsWithTheJobsStatusAndShowsOutput) {
    daemon_.createJob(R"({"name": "ok", "exec": {"argv": ["/bin/echo", "it worked"]}})");
    daemon_.createJob(R"({"name": "three", "exec": {"argv": ["/bin/sh", "-c", "exit 3"]}})");
    const auto ok = daemon_.cli({"run", "ok", "--wait"});
    EXPECT_EQ(ok.exitCode, 0) << ok.err;
    EXPECT_NE(ok.out.find("it worked"), std::string::npos) << ok.out;
    EXPECT_EQ(daemon_.cli({"run", "three", "--wait"}).exitCode, 3);
    const auto runs = daemon_.request("GET", "/v1/runs?job=ok").json->getArray("runs");
    EXPECT_EQ(runs->getObject(0)->getValue<std::string>("trigger"), "manual");
    const auto history = daemon_.cli({"runs", "three"});
    EXPECT_NE(history.out.find("failed"), std::string::npos) << history.out;
}

TEST_F(CliTest, FireWaitsForTheRunAndExitsWithItsStatus) {
    daemon_.createJob(R"({"name": "ok", "exec": {"argv": ["/bin/true"]}})");
    daemon_.createJob(R"({"name": "seven", "exec": {"argv": ["/bin/sh", "-c", "exit 7"]}})");
    daemon_.createJob(
        R"({"name": "slow", "timeout": "1s", "exec": {"argv": ["/bin/sleep", "60"]}})");
    EXPECT_EQ(daemon_.cli({"fire", "ok"}).exitCode, 0);
    EXPECT_EQ(daemon_.cli({"fire", "seven"}).exitCode, 7);
    EXPECT_EQ(daemon_.cli({"fire", "slow"}).exitCode, 124);
    EXPECT_EQ(daemon_.cli({"fire", "nope"}).exitCode, 66);
}

TEST_F(CliTest, FireUsesTheTimersElapseTimeAsTheSlot) {
    daemon_.createJob(R"({"name": "ok", "exec": {"argv": ["/bin/true"]}})");
    const std::map<std::string, std::string> timer{
        {"TRIGGER_TIMER_REALTIME_USEC", "1764057600000000"}};
    EXPECT_EQ(daemon_.cli({"fire", "ok"}, timer).exitCode, 0);
    EXPECT_EQ(daemon_.cli({"fire", "ok"}, timer).exitCode, 0)
        << "a doubled fire is a no-op, not an error";
    const auto runs =
        daemon_.request("GET", "/v1/runs?job=ok&state=succeeded").json->getArray("runs");
    ASSERT_EQ(runs->size(), 1u) << "the job ran once";
    EXPECT_EQ(runs->getObject(0)->getValue<std::string>("trigger"), "schedule");
    EXPECT_EQ(runs->getObject(0)->getValue<std::string>("slot"), "2025-11-25T08:00:00.000Z");
}

TEST_F(CliTest, SigtermToFireCancelsTheRun) {
    daemon_.createJob(R"({"name": "long", "exec": {"argv": ["/bin/sleep", "300"]}})");
    const int pid = startCommand(daemon_.cliArgv({"fire", "long"}));
    long long id = 0;
    ASSERT_TRUE(eventually([&] {
        const auto runs =
            daemon_.request("GET", "/v1/runs?job=long&state=running").json->getArray("runs");
        if (runs->size() == 0) return false;
        id = runs->getObject(0)->getValue<long long>("id");
        return true;
    }));
    ::kill(pid, SIGTERM);
    EXPECT_EQ(waitForExit(pid, 20s), 125);
    EXPECT_EQ(daemon_.waitForRunEnd(id)->getValue<std::string>("state"), "cancelled");
}

TEST_F(CliTest, WrongTokenExits77) {
    const auto dir = daemon_.stateDir() + "/other";
    ::mkdir(dir.c_str(), 0700);
    std::ofstream(dir + "/admin.token") << "wrong-token\n";
    std::ofstream(dir + "/belfry.properties")
        << "http.listen = 127.0.0.1:" << daemon_.port() << "\nstate.dir = " << dir << "\n";
    const auto result =
        runCommand({BELFRY_CLI_PATH, "--config", dir + "/belfry.properties", "jobs", "list"});
    EXPECT_EQ(result.exitCode, 77) << result.err;
}

TEST_F(CliTest, UnreachableServiceExits75) {
    daemon_.stop();
    const auto result = daemon_.cli({"fire", "anything"});
    EXPECT_EQ(result.exitCode, 75) << result.err;
    EXPECT_FALSE(result.err.empty());
}

}  // namespace
}  // namespace belfry::test

namespace belfry::test {
namespace {

TEST(CliNext, PrintsFireTimesWithTheirOffsetsAcrossDst) {
    const auto result = runCommand({BELFRY_CLI_PATH, "next", "30 2 * * *", "--tz", "Europe/Berlin",
                                    "--from", "2027-03-27T00:00:00Z", "-n", "3"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    // 02:30 does not exist on 2027-03-28 in Berlin: it fires once, at the first valid instant.
    EXPECT_EQ(result.out,
              "2027-03-27T02:30:00+01:00\n2027-03-28T03:00:00+02:00\n2027-03-29T02:30:00+02:00\n");
}

TEST(CliNext, SaysWhichHelperIsMissingInsteadOfFailingSilently) {
    // `next` runs in belfry-schedule beside belfry; a belfry copied alone must say so.
    const std::string directory = freshTempDirectory("/tmp");
    const std::string lonely = directory + "/belfry";
    std::filesystem::copy_file(BELFRY_CLI_PATH, lonely);
    std::filesystem::permissions(lonely, std::filesystem::perms::owner_all);
    const auto result = runCommand({lonely, "next", "0 3 * * *"});
    std::filesystem::remove_all(directory);
    EXPECT_EQ(result.exitCode, 69);
    EXPECT_NE(result.err.find("cannot run belfry-schedule"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
}

TEST(CliNext, RefusesImpossibleAndUnsupportedExpressions) {
    for (const std::string expression : {"0 0 30 2 *", "0 0 1W * *", "61 * * * *", "* * *"}) {
        const auto result = runCommand({BELFRY_CLI_PATH, "next", expression});
        EXPECT_EQ(result.exitCode, 64) << expression;
        EXPECT_NE(result.err.find("cron"), std::string::npos) << result.err;
    }
}

}  // namespace
}  // namespace belfry::test

namespace belfry::test {
namespace {

TEST(CliTranslate, PrintsOnCalendarLinesForSystemd) {
    const auto result = runCommand({BELFRY_CLI_PATH, "translate", "systemd", "0 0 1,15 * 5",
                                    "--from", "2026-11-25T00:00:00Z"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    // Vixie's OR rule needs two lines: systemd ANDs weekday and date within one.
    EXPECT_NE(result.out.find("OnCalendar=*-*-01,15 00:00:00 UTC\n"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("OnCalendar=Fri *-*-* 00:00:00 UTC\n"), std::string::npos)
        << result.out;
}

TEST(CliTranslate, PrintsTriggerXmlForTaskScheduler) {
    const auto result = runCommand({BELFRY_CLI_PATH, "translate", "taskscheduler", "0 3 * * 5L",
                                    "--from", "2026-11-25T00:00:00Z"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("<ScheduleByMonthDayOfWeek>"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("<Week>Last</Week>"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("<StartBoundary>2026-11-27T03:00:00Z</StartBoundary>"),
              std::string::npos)
        << result.out;
}

TEST(CliTranslate, RefusesAnUnknownTargetOrExpression) {
    EXPECT_EQ(runCommand({BELFRY_CLI_PATH, "translate", "cron", "0 3 * * *"}).exitCode, 64);
    EXPECT_EQ(runCommand({BELFRY_CLI_PATH, "translate", "systemd", "0 0 1W * *"}).exitCode, 64);
}

}  // namespace
}  // namespace belfry::test
