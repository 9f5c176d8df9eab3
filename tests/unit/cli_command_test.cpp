// Whole `belfry` commands run in-process against a scripted service: what they send, print and
// exit with. The fire path gets the most attention: its exit code is what the OS scheduler records.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "cli_test_server.h"
#include "exit_codes.h"

namespace belfry::cli {
namespace {

using namespace std::chrono_literals;
using testing::CannedReply;
using testing::CapturedStream;
using testing::CliTestServer;
using testing::httpResponse;
using testing::ReceivedRequest;
using testing::TempDir;

// Runs `belfry --config <temp config> ARGS...` with a token in a temp state dir, quick retries and
// no long-poll wait, so the tests take milliseconds.
class CliCommand : public ::testing::Test {
  protected:
    int run(std::vector<std::string> args, std::map<std::string, std::string> variables = {}) {
        if (!configWritten_) {
            state_.write("admin.token", "tok3n\n");
            config_ =
                state_.write("belfry.properties", "[http]\nlisten = " + listen_ +
                                                      "\n[state]\ndir = " + state_.path() + "\n");
            configWritten_ = true;
        }
        args.insert(args.begin(), {"--config", config_});
        CliEnvironment environment;
        environment.in = in_;
        environment.out = out_.file();
        environment.err = err_.file();
        environment.env = [variables](const std::string& name) -> std::optional<std::string> {
            const auto it = variables.find(name);
            if (it == variables.end()) return std::nullopt;
            return it->second;
        };
        environment.systemConfigPath = "/nonexistent";
        environment.retryDelays = {1ms, 1ms, 1ms, 1ms};
        environment.longPollWait = 0s;
        return runCli(args, environment);
    }

    void listenOn(const std::string& listen) { listen_ = listen; }

    TempDir state_;
    std::string config_;
    std::string listen_ = "127.0.0.1:1";
    bool configWritten_ = false;
    std::FILE* in_ = stdin;
    CapturedStream out_;
    CapturedStream err_;
};

std::string runJson(const std::string& state, const std::string& extra = "") {
    return "{\"id\":7,\"job\":\"backup\",\"trigger\":\"schedule\",\"state\":\"" + state + "\"" +
           extra + "}";
}

TEST_F(CliCommand, FireWaitsForTheRunOnOneConnectionAndExitsWithItsStatus) {
    int polls = 0;
    CliTestServer server([&polls](const ReceivedRequest& request) {
        if (request.method == "POST" && request.target == "/v1/jobs/backup/fire") {
            return CannedReply{httpResponse(202, R"({"run":7,"duplicate":false})")};
        }
        if (request.method == "GET" && request.target == "/v1/runs/7?wait=0s") {
            return CannedReply{httpResponse(
                200, ++polls < 3 ? runJson("running")
                                 : runJson("failed", R"(,"exit_code":3,"error":"exit status 3")"))};
        }
        return CannedReply{httpResponse(404, R"({"error":"not found","detail":"?"})")};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}, {{"TRIGGER_TIMER_REALTIME_USEC", "1767236400000000"}}), 3);
    EXPECT_EQ(server.connections(), 1);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 4u);
    EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer tok3n");
    EXPECT_EQ(Json::parse(requests[0].body), Json::parse(R"({"elapsed_usec":1767236400000000})"));
    EXPECT_EQ(out_.text(), "");
    EXPECT_EQ(err_.text(), "belfry: run 7 of job backup failed with exit code 3: exit status 3\n");
}

TEST_F(CliCommand, FireReplacesAStaleTimerElapseTimeWithTheCurrentTime) {
    // systemd 252 repeats the first trigger's time at every later elapse of a timer; its
    // monotonic twin (here: 1 us after boot) gives it away.
    CliTestServer server([](const ReceivedRequest& request) {
        if (request.method == "POST") return CannedReply{httpResponse(202, R"({"run":7})")};
        return CannedReply{httpResponse(200, runJson("succeeded", R"(,"exit_code":0)"))};
    });
    listenOn(server.endpoint());
    const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    EXPECT_EQ(run({"fire", "backup"}, {{"TRIGGER_TIMER_REALTIME_USEC", "1767236400000000"},
                                       {"TRIGGER_TIMER_MONOTONIC_USEC", "1"}}),
              0);
    const auto sent = Json::parse(server.requests().at(0).body).at("elapsed_usec").get<long long>();
    EXPECT_GE(sent, before);
    EXPECT_LT(sent, before + 60'000'000);
}

TEST_F(CliCommand, FireIsSilentOnSuccessAndSendsAnEmptyBodyWithoutTheTimerVariable) {
    CliTestServer server([](const ReceivedRequest& request) {
        if (request.method == "POST") {
            return CannedReply{httpResponse(202, R"({"run":7,"duplicate":true})")};
        }
        return CannedReply{httpResponse(200, runJson("succeeded", R"(,"exit_code":0)"))};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}), 0);
    EXPECT_EQ(server.requests().at(0).body, "{}");
    EXPECT_EQ(out_.text(), "");
    EXPECT_EQ(err_.text(), "");
}

TEST_F(CliCommand, FireExits75AfterRetryingAnUnreachableService) {
    listenOn("127.0.0.1:" + std::to_string(testing::unusedPort()));
    EXPECT_EQ(run({"fire", "backup"}), kExitTempFail);
    const std::string error = err_.text();
    EXPECT_NE(error.find("cannot reach belfryd"), std::string::npos) << error;
    EXPECT_NE(error.find("gave up after 5 attempts"), std::string::npos) << error;
}

TEST_F(CliCommand, FireRepeatsATimerFireWhoseReplyWasLost) {
    int fires = 0;
    CliTestServer server([&fires](const ReceivedRequest& request) {
        if (request.method == "POST" && ++fires == 1) return CannedReply{"", true};  // no reply
        if (request.method == "POST") return CannedReply{httpResponse(202, R"({"run":7})")};
        return CannedReply{httpResponse(200, runJson("succeeded"))};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}, {{"TRIGGER_TIMER_REALTIME_USEC", "1767236400000000"}}), 0)
        << err_.text();
    EXPECT_EQ(fires, 2);
}

TEST_F(CliCommand, FireWithoutATimerTimeIsNotRepeatedAfterALostReply) {
    // Without a slot the service records a new run per fire; a repeat could run the job twice.
    int fires = 0;
    CliTestServer server([&fires](const ReceivedRequest&) {
        ++fires;
        return CannedReply{"", true};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}), kExitTempFail);
    EXPECT_EQ(fires, 1);
    EXPECT_NE(err_.text().find("no answer from belfryd"), std::string::npos) << err_.text();
}

TEST_F(CliCommand, FireOfADisabledJobIsRejected) {
    CliTestServer server([](const ReceivedRequest&) {
        return CannedReply{
            httpResponse(409, R"({"error":"job disabled","detail":"job backup is disabled"})")};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}), kExitRejected);
    EXPECT_EQ(err_.text(), "belfry: job disabled: job backup is disabled\n");
}

TEST_F(CliCommand, FireCancelsTheRunWhenStopped) {
    const pthread_t waiter = pthread_self();
    CliTestServer server([waiter](const ReceivedRequest& request) {
        if (request.target == "/v1/jobs/backup/fire") {
            return CannedReply{httpResponse(202, R"({"run":7,"duplicate":false})")};
        }
        if (request.target == "/v1/runs/7/cancel") {
            return CannedReply{httpResponse(202, runJson("cancelled"))};
        }
        pthread_kill(waiter, SIGTERM);  // `systemctl stop` while the run is going
        return CannedReply{"", false, true};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"fire", "backup"}), kExitCancelled);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[2].method, "POST");
    EXPECT_EQ(requests[2].target, "/v1/runs/7/cancel");
    EXPECT_EQ(requests[2].headers.at("authorization"), "Bearer tok3n");
    EXPECT_NE(err_.text().find("cancelled run 7"), std::string::npos) << err_.text();
}

TEST_F(CliCommand, InvalidNamesNeverReachTheNetwork) {
    CliTestServer server(
        [](const ReceivedRequest&) { return CannedReply{httpResponse(200, "{}")}; });
    listenOn(server.endpoint());
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"fire", "../etc"},
                                               {"jobs", "add", "Bad", "--", "/bin/true"},
                                               {"jobs", "show", "a b"},
                                               {"run", "UPPER"},
                                               {"runs", "x/y"}}) {
        EXPECT_EQ(run(args), kExitUsage) << ::testing::PrintToString(args);
    }
    EXPECT_EQ(server.connections(), 0);
    EXPECT_NE(err_.text().find("belfry: invalid job name 'Bad': must start with a lower-case"),
              std::string::npos)
        << err_.text();
}

TEST_F(CliCommand, JobsAddFlagFormPostsTheJobJson) {
    CliTestServer server([](const ReceivedRequest& request) {
        return CannedReply{httpResponse(201, request.body)};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"jobs", "add", "tick", "--every", "1m", "--", "/usr/bin/echo", "-n", "hi"}), 0)
        << err_.text();
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].target, "/v1/jobs");
    EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
    EXPECT_EQ(Json::parse(requests[0].body), Json::parse(R"({"name":"tick",
        "schedule":{"every":"1m"},"exec":{"argv":["/usr/bin/echo","-n","hi"]},"enabled":true})"));
    EXPECT_EQ(out_.text(), "job tick created\n");
}

TEST_F(CliCommand, JobsEditSendsTheFileWithoutComputedMembers) {
    TempDir dir;
    const std::string file = dir.write(
        "job.json",
        R"({"name":"tick","exec":{"argv":["/bin/true"]},"created_at":"2026-01-01T00:00:00Z",
                        "updated_at":"2026-01-01T00:00:00Z","os":{"enabled":true}})");
    CliTestServer server([](const ReceivedRequest& request) {
        return CannedReply{httpResponse(200, request.body)};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"--json", "jobs", "edit", "tick", "--file", file}), 0) << err_.text();
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "PUT");
    EXPECT_EQ(requests[0].target, "/v1/jobs/tick");
    EXPECT_EQ(Json::parse(requests[0].body),
              Json::parse(R"({"name":"tick","exec":{"argv":["/bin/true"]}})"));
    EXPECT_EQ(Json::parse(out_.text()), Json::parse(requests[0].body));

    const std::string broken = dir.write("broken.json", "{\"name\": ");
    EXPECT_EQ(run({"jobs", "add", "--file", broken}), kExitRejected);
    EXPECT_EQ(run({"jobs", "add", "--file", dir.path() + "/missing.json"}), kExitNotFound);
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(CliCommand, JobsListPrintsATableOrTheServersJson) {
    const std::string jobs =
        R"({"jobs":[{"name":"tick","enabled":true,"schedule":{"every":"1m"},"exec":{"argv":["/bin/true"]}}]})";
    CliTestServer server([&jobs](const ReceivedRequest&) {
        return CannedReply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           [&] {
                               char size[16];
                               std::snprintf(size, sizeof size, "%zx", jobs.size());
                               return std::string(size);
                           }() +
                           "\r\n" + jobs + "\r\n0\r\n\r\n"};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"jobs", "list"}), 0) << err_.text();
    EXPECT_EQ(out_.text(),
              "NAME  ENABLED  SCHEDULE  ACTION\n"
              "tick  yes      every 1m  /bin/true\n");
    EXPECT_EQ(server.requests().at(0).target, "/v1/jobs");
}

TEST_F(CliCommand, ServiceErrorsBecomeDocumentedExitCodes) {
    int status = 0;
    CliTestServer server([&status](const ReceivedRequest&) {
        return CannedReply{httpResponse(status, R"({"error":"nope","detail":"because"})")};
    });
    listenOn(server.endpoint());
    for (const auto& [code, expected] : std::vector<std::pair<int, int>>{
             {400, 65}, {401, 77}, {403, 77}, {404, 66}, {409, 65}, {500, 69}, {503, 69}}) {
        status = code;
        EXPECT_EQ(run({"jobs", "show", "tick"}), expected) << code;
    }
    EXPECT_NE(err_.text().find("belfry: nope: because\n"), std::string::npos) << err_.text();
}

TEST_F(CliCommand, UnauthorizedWithoutATokenSaysWhy) {
    CliTestServer server([](const ReceivedRequest&) {
        return CannedReply{
            httpResponse(401, R"({"error":"unauthorized","detail":"bearer token required"})")};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"jobs", "list"}), kExitNoPermission);  // a token, but a rejected one
    std::remove((state_.path() + "/admin.token").c_str());
    EXPECT_EQ(run({"jobs", "list"}), kExitNoPermission);
    EXPECT_EQ(server.requests().at(1).headers.count("authorization"), 0u);
    EXPECT_NE(err_.text().find("no token was sent: cannot read " + state_.path() + "/admin.token"),
              std::string::npos)
        << err_.text();
}

TEST_F(CliCommand, RunWaitPrintsHowTheRunEndedAndItsOutput) {
    CliTestServer server([](const ReceivedRequest& request) {
        if (request.method == "POST") return CannedReply{httpResponse(202, R"({"run":7})")};
        return CannedReply{httpResponse(
            200, runJson("timed_out",
                         R"(,"signal":9,"output":"working...\n","error":"timed out after 30m")"))};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"run", "backup", "--wait"}), kExitTimedOut);
    EXPECT_EQ(out_.text(), "run 7 of job backup timed out: timed out after 30m\nworking...\n");
    const auto requests = server.requests();
    EXPECT_EQ(requests[0].target, "/v1/jobs/backup/runs");
    EXPECT_EQ(Json::parse(requests[0].body), Json::parse(R"({"trigger":"manual"})"));
}

TEST_F(CliCommand, RunWithoutWaitPrintsTheId) {
    CliTestServer server(
        [](const ReceivedRequest&) { return CannedReply{httpResponse(202, R"({"run":1234})")}; });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"run", "backup"}), 0);
    EXPECT_EQ(out_.text(), "1234\n");
}

TEST_F(CliCommand, RunsBuildsItsQuery) {
    CliTestServer server([](const ReceivedRequest&) {
        return CannedReply{httpResponse(200, R"({"runs":[],"next_before":null})")};
    });
    listenOn(server.endpoint());
    EXPECT_EQ(run({"runs", "backup", "--state", "failed", "--limit", "5"}), 0);
    EXPECT_EQ(run({"runs", "--before", "99"}), 0);
    EXPECT_EQ(run({"runs", "--state", "broken"}), kExitUsage);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].target, "/v1/runs?job=backup&state=failed&limit=5");
    EXPECT_EQ(requests[1].target, "/v1/runs?before=99");
}

TEST_F(CliCommand, PortZeroFollowsTheEndpointFile) {
    CliTestServer server(
        [](const ReceivedRequest&) { return CannedReply{httpResponse(200, R"({"jobs":[]})")}; });
    listenOn("0.0.0.0:0");
    EXPECT_EQ(run({"jobs", "list"}), kExitTempFail);
    state_.write("endpoint", server.endpoint() + "\n");
    EXPECT_EQ(run({"jobs", "list"}), 0) << err_.text();
    EXPECT_EQ(server.connections(), 1);
}

TEST_F(CliCommand, UsageVersionAndHelp) {
    EXPECT_EQ(run({}), kExitUsage);
    EXPECT_EQ(run({"frobnicate"}), kExitUsage);
    EXPECT_EQ(run({"jobs"}), kExitUsage);
    EXPECT_EQ(run({"fire"}), kExitUsage);
    EXPECT_EQ(run({"--version"}), 0);
    EXPECT_EQ(run({"help"}), 0);
    const std::string out = out_.text();
    EXPECT_NE(out.find("belfry " BELFRY_VERSION "\n"), std::string::npos);
    EXPECT_NE(out.find("Exit status:"), std::string::npos);
    EXPECT_NE(out.find("fire NAME"), std::string::npos);
}

}  // namespace
}  // namespace belfry::cli
