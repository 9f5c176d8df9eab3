// The belfryd <-> belfry-systemd-helper protocol without a manager: what crosses the socket
// survives the trip unchanged, and the helper's request handling refuses what it must before the
// scheduler behind it sees anything. The scheduler here is the real in-process one (no manager
// needed); the systemd slice runs the same server in front of the real systemd.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "belfry/scheduler/internal_scheduler.h"
#include "helper_protocol.h"
#include "helper_server.h"
#include "unix_line_socket.h"

namespace belfry::systemd {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

ScheduledJob nightly() {
    ScheduledJob job;
    job.name = "nightly-backup";
    job.schedule = *schedule::Schedule::fromFields({"0 3 * * *", "Europe/Paris", {}, {}});
    job.enabled = false;
    job.timeout = std::chrono::minutes(30);
    job.catchUp = false;
    job.jitter = std::chrono::seconds(90);
    return job;
}

TEST(HelperProtocol, AScheduledJobSurvivesTheTrip) {
    std::string error;
    const auto back =
        scheduledJobFromJson(json::parse(scheduledJobToJson(nightly()).dump()), &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->name, "nightly-backup");
    EXPECT_EQ(back->schedule, nightly().schedule);
    EXPECT_FALSE(back->enabled);
    EXPECT_EQ(back->timeout, std::chrono::minutes(30));
    EXPECT_FALSE(back->catchUp);
    EXPECT_EQ(back->jitter, std::chrono::seconds(90));
}

TEST(HelperProtocol, StatesAndReportsSurviveTheTrip) {
    OsJobState state;
    state.registered = true;
    state.enabled = true;
    state.next = schedule::Instant(std::chrono::seconds(1'800'000'000));
    state.lastResult = "exit-code (exit status 3)";
    state.drift = {"timer disabled in systemd (systemctl disable)"};
    const auto stateBack = osJobStateFromJson(json::parse(osJobStateToJson(state).dump()));
    EXPECT_EQ(stateBack.next, state.next);
    EXPECT_FALSE(stateBack.last);
    EXPECT_EQ(stateBack.lastResult, state.lastResult);
    EXPECT_EQ(stateBack.drift, state.drift);

    ReconcileReport report;
    report.entries = {{"a", ReconcileAction::Created, ""}, {"b", ReconcileAction::Drift, "edited"}};
    report.managerReloads = 1;
    report.managerCalls = 3;
    report.elapsed = std::chrono::milliseconds(812);
    const auto reportBack =
        reconcileReportFromJson(json::parse(reconcileReportToJson(report).dump()));
    EXPECT_EQ(reportBack.summary(), report.summary());
    EXPECT_EQ(reportBack.entries[1].detail, "edited");
}

TEST(HelperProtocol, AJobIsRefusedForAnyFieldOutsideTheContract) {
    const auto base = scheduledJobToJson(nightly());
    const std::vector<std::pair<std::function<void(json&)>, std::string>> cases{
        {[](json& j) { j["name"] = "a b"; }, "job.name"},
        {[](json& j) { j["name"] = std::string(80, 'a'); }, "job.name"},
        {[](json& j) { j["command"] = "/bin/sh"; }, "unknown field 'command'"},
        {[](json& j) { j["schedule"]["cron"] = "0 3 * * * ; rm"; }, "job.schedule"},
        {[](json& j) { j["schedule"]["timezone"] = "../../etc/passwd"; }, "job.schedule"},
        {[](json& j) { j["schedule"]["shell"] = "x"; }, "unknown field 'shell'"},
        {[](json& j) { j["timeout_ms"] = 31LL * 24 * 3600 * 1000; }, "job.timeout_ms"},
        {[](json& j) { j["jitter_ms"] = "1s"; }, "job.jitter_ms"},
        {[](json& j) { j["enabled"] = 1; }, "job.enabled"},
        {[](json& j) { j.erase("catch_up"); }, "job.catch_up is missing"},
    };
    for (const auto& [change, expected] : cases) {
        auto job = base;
        change(job);
        std::string error;
        EXPECT_FALSE(scheduledJobFromJson(job, &error)) << job.dump();
        EXPECT_THAT(error, HasSubstr(expected)) << job.dump();
    }
}

class HelperServerAnswers : public ::testing::Test {
  protected:
    static HelperServerOptions options() {
        HelperServerOptions options;
        options.allowedUids = {0};
        options.ready = [](std::string* detail) {
            *detail = "in-process timer";
            return true;
        };
        options.instance = "test-instance";
        return options;
    }

    HelperServerAnswers()
        : scheduler_([](const std::string&, schedule::Instant) {}),
          server_(scheduler_, options()) {}

    json ask(const json& request) { return json::parse(server_.answer(request.dump())); }

    InternalScheduler scheduler_;
    HelperServer server_;
};

TEST_F(HelperServerAnswers, AValidUpsertReachesTheSchedulerAndAnInvalidOneDoesNot) {
    auto job = scheduledJobToJson(nightly());
    job["enabled"] = true;
    const auto accepted = ask({{"op", "upsert"}, {"job", job}});
    EXPECT_EQ(accepted["ok"], true);
    EXPECT_EQ(accepted["instance"], "test-instance");  // belfryd notices a restarted helper by it
    EXPECT_TRUE(scheduler_.state("nightly-backup").registered);

    job["name"] = "Evil";
    const auto refused = ask({{"op", "upsert"}, {"job", job}});
    EXPECT_EQ(refused["ok"], false);
    EXPECT_THAT(refused["error"].get<std::string>(), HasSubstr("job.name"));
    EXPECT_FALSE(scheduler_.state("Evil").registered);
}

TEST_F(HelperServerAnswers, OneBadJobRefusesTheWholeReconcile) {
    auto good = scheduledJobToJson(nightly());
    auto bad = good;
    bad["name"] = "x\n[Service]";
    const auto answer = ask({{"op", "reconcile"}, {"jobs", {good, bad}}});
    EXPECT_EQ(answer["ok"], false);
    EXPECT_THAT(answer["error"].get<std::string>(), HasSubstr("jobs[1]"));
    EXPECT_FALSE(scheduler_.state("nightly-backup").registered);
}

TEST_F(HelperServerAnswers, StatesComeBackInTheOrderAsked) {
    for (const auto* name : {"b-job", "a-job"}) {
        auto job = scheduledJobToJson(nightly());
        job["name"] = name;
        job["enabled"] = true;
        ASSERT_EQ(ask({{"op", "upsert"}, {"job", job}})["ok"], true);
    }
    const auto answer = ask({{"op", "states"}, {"names", {"a-job", "unknown", "b-job"}}});
    ASSERT_EQ(answer["states"].size(), 3u);
    EXPECT_EQ(answer["states"][0]["registered"], true);
    EXPECT_EQ(answer["states"][1]["registered"], false);
    EXPECT_EQ(answer["states"][2]["registered"], true);
}

TEST(LineSocket, LinesArriveWholeAndAnOverlongOneIsRefused) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    LineSocket left(pair[0]), right(pair[1]);
    const auto deadline = LineSocket::Clock::now() + std::chrono::seconds(5);
    std::string error;
    const std::string big(200'000, 'x');  // more than one socket buffer's worth
    std::thread writer([&] {
        std::string writeError;
        left.send("first", deadline, &writeError);
        left.send(big, deadline, &writeError);
        left.send(std::string(2000, 'y'), deadline, &writeError);
    });
    EXPECT_EQ(right.receive(deadline, 1 << 20, &error), "first");
    EXPECT_EQ(right.receive(deadline, 1 << 20, &error), big);
    EXPECT_FALSE(right.receive(deadline, 1000, &error));
    EXPECT_THAT(error, HasSubstr("longer than 1000 bytes"));
    writer.join();
    EXPECT_EQ(left.peerUid(), ::geteuid());
}

TEST(LineSocket, AReceiveGivesUpAtItsDeadline) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    LineSocket left(pair[0]), right(pair[1]);
    std::string error;
    const auto started = LineSocket::Clock::now();
    EXPECT_FALSE(right.receive(started + std::chrono::milliseconds(100), 1000, &error));
    EXPECT_THAT(error, HasSubstr("timed out"));
    EXPECT_LT(LineSocket::Clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace belfry::systemd
