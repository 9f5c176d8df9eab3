// The REST API as a client sees it: auth, validation, CRUD, errors. A real belfryd per test.
#include <gtest/gtest.h>

#include "test_daemon.h"

namespace belfry::test {
namespace {

class ApiTest : public ::testing::Test {
  protected:
    void SetUp() override { daemon_.start(); }
    TestDaemon daemon_;
};

constexpr const char* kEchoJob = R"({"name": "echo", "exec": {"argv": ["/bin/echo", "hello"]}})";

TEST_F(ApiTest, HealthNeedsNoTokenAndSaysWhoItIs) {
    const auto health = daemon_.request("GET", "/v1/health", "", /*authorized=*/false);
    ASSERT_EQ(health.status, 200) << health.body;
    EXPECT_EQ(health.json->getValue<std::string>("status"), "ok");
    EXPECT_FALSE(health.json->getValue<std::string>("version").empty());
    EXPECT_TRUE(health.json->has("scheduler"));
}

TEST_F(ApiTest, EverythingElseNeedsTheAdminToken) {
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/jobs"},
                                                          {"POST", "/v1/jobs"},
                                                          {"GET", "/v1/runs"},
                                                          {"GET", "/v1/jobs/x"},
                                                          {"POST", "/v1/jobs/x/fire"},
                                                          {"GET", "/v1/nothing-here"}}) {
        const auto anonymous = daemon_.request(method, path, "", /*authorized=*/false);
        EXPECT_EQ(anonymous.status, 401) << method << " " << path;
        EXPECT_EQ(anonymous.json->getValue<std::string>("error"), "unauthorized");
        const auto wrong = daemon_.request(method, path, "", true, "not-the-token");
        EXPECT_TRUE(wrong.status == 401 || wrong.status == 403) << method << " " << path;
    }
}

TEST_F(ApiTest, TokenFileIsPrivateToTheServiceAccount) {
    struct stat info {};
    ASSERT_EQ(::stat((daemon_.stateDir() + "/admin.token").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_GE(daemon_.token().size(), 32u);
}

TEST_F(ApiTest, JobLifecycleThroughCrud) {
    ASSERT_EQ(daemon_.request("POST", "/v1/jobs", kEchoJob).status, 201);
    auto got = daemon_.request("GET", "/v1/jobs/echo");
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json->getValue<std::string>("timeout"), "3d") << "defaults are spelled out";
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs").json->getArray("jobs")->size(), 1u);

    const auto put = daemon_.request(
        "PUT", "/v1/jobs/echo", R"({"exec": {"argv": ["/bin/echo", "bye"]}, "timeout": "5m"})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.json->getValue<std::string>("timeout"), "5m");

    const auto disabled = daemon_.request("POST", "/v1/jobs/echo/disable");
    ASSERT_EQ(disabled.status, 200);
    EXPECT_FALSE(disabled.json->getValue<bool>("enabled"));
    EXPECT_TRUE(daemon_.request("POST", "/v1/jobs/echo/enable").json->getValue<bool>("enabled"));

    EXPECT_EQ(daemon_.request("DELETE", "/v1/jobs/echo").status, 204);
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/echo").status, 404);
    EXPECT_EQ(daemon_.request("DELETE", "/v1/jobs/echo").status, 404);
}

TEST_F(ApiTest, DuplicateNameIsAConflictAndChangesNothing) {
    daemon_.createJob(kEchoJob);
    const auto again = daemon_.request("POST", "/v1/jobs",
                                       R"({"name": "echo", "exec": {"argv": ["/bin/false"]}})");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/echo")
                  .json->getObject("exec")
                  ->getArray("argv")
                  ->getElement<std::string>(0),
              "/bin/echo");
}

TEST_F(ApiTest, HostileNamesAreRefusedBeforeAnythingIsWritten) {
    const std::vector<std::string> names{"../x",  "a b", "x\\n[Service]", std::string(80, 'a'),
                                         "UPPER", ""};
    for (const auto& name : names) {
        const auto body = R"({"name": ")" + name + R"(", "exec": {"argv": ["/bin/true"]}})";
        const auto result = daemon_.request("POST", "/v1/jobs", body);
        EXPECT_EQ(result.status, 400) << name << ": " << result.body;
        ASSERT_TRUE(result.json) << result.body;
        EXPECT_NE(result.json->getValue<std::string>("detail").find("name"), std::string::npos);
    }
    // Names in the path are held to the same rule.
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/UPPER").status, 400);
    EXPECT_EQ(daemon_.request("POST", "/v1/jobs/a%20b/runs", "{}").status, 400);
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs").json->getArray("jobs")->size(), 0u);
}

TEST_F(ApiTest, MalformedJsonIsA400WithAReason) {
    for (const std::string body :
         {"{\"name\": ", "[]", "not json",
          "{\"name\": \"x\", \"exec\": {\"argv\": [\"true\"]}, \"timout\": \"5m\"}"}) {
        const auto result = daemon_.request("POST", "/v1/jobs", body);
        EXPECT_EQ(result.status, 400) << body;
        ASSERT_TRUE(result.json);
        EXPECT_FALSE(result.json->getValue<std::string>("detail").empty());
    }
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs").json->getArray("jobs")->size(), 0u);
}

TEST_F(ApiTest, OversizedBodyIsRefusedWith413) {
    const std::string huge = R"({"name": "big", "description": ")" + std::string(2 << 20, 'x') +
                             R"(", "exec": {"argv": ["true"]}})";
    const auto result = daemon_.request("POST", "/v1/jobs", huge);
    EXPECT_EQ(result.status, 413);
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/big").status, 404);
}

TEST_F(ApiTest, UnknownJobIs404AndWrongMethodIs405) {
    EXPECT_EQ(daemon_.request("GET", "/v1/jobs/nope").status, 404);
    EXPECT_EQ(daemon_.request("POST", "/v1/jobs/nope/runs", "{}").status, 404);
    EXPECT_EQ(daemon_.request("POST", "/v1/jobs/nope/fire", "{}").status, 404);
    EXPECT_EQ(daemon_.request("GET", "/v1/runs/999999").status, 404);
    EXPECT_EQ(daemon_.request("GET", "/v1/runs/abc").status, 400);
    EXPECT_EQ(daemon_.request("DELETE", "/v1/runs").status, 405);
}

TEST_F(ApiTest, HistoryIsNewestFirstFilteredAndPaged) {
    daemon_.createJob(kEchoJob);
    daemon_.createJob(R"({"name": "fails", "exec": {"argv": ["/bin/false"]}})");
    std::vector<long long> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(daemon_.runNow("echo"));
    const auto failing = daemon_.runNow("fails");
    for (auto id : ids) daemon_.waitForRunEnd(id);
    daemon_.waitForRunEnd(failing);

    const auto all = daemon_.request("GET", "/v1/runs");
    const auto runs = all.json->getArray("runs");
    ASSERT_EQ(runs->size(), 4u);
    EXPECT_EQ(runs->getObject(0)->getValue<long long>("id"), failing);

    const auto failed = daemon_.request("GET", "/v1/runs?state=failed").json->getArray("runs");
    ASSERT_EQ(failed->size(), 1u);
    EXPECT_EQ(failed->getObject(0)->getValue<std::string>("job"), "fails");

    const auto page1 = daemon_.request("GET", "/v1/runs?job=echo&limit=2").json;
    ASSERT_EQ(page1->getArray("runs")->size(), 2u);
    const auto cursor = page1->getValue<long long>("next_before");
    const auto page2 =
        daemon_.request("GET", "/v1/runs?job=echo&limit=2&before=" + std::to_string(cursor)).json;
    ASSERT_EQ(page2->getArray("runs")->size(), 1u);
    EXPECT_EQ(page2->getArray("runs")->getObject(0)->getValue<long long>("id"), ids.front());

    EXPECT_EQ(daemon_.request("GET", "/v1/runs?state=bogus").status, 400);
    EXPECT_EQ(daemon_.request("GET", "/v1/runs?limit=0").status, 400);
}

TEST_F(ApiTest, FireIsIdempotentPerTimerElapse) {
    daemon_.createJob(kEchoJob);
    const std::string body = R"({"elapsed_usec": 1764057600123456})";
    const auto first = daemon_.request("POST", "/v1/jobs/echo/fire", body);
    const auto second = daemon_.request("POST", "/v1/jobs/echo/fire", body);
    ASSERT_EQ(first.status, 202) << first.body;
    ASSERT_EQ(second.status, 202) << second.body;
    EXPECT_FALSE(first.json->getValue<bool>("duplicate"));
    EXPECT_TRUE(second.json->getValue<bool>("duplicate"));
    EXPECT_EQ(first.json->getValue<long long>("run"), second.json->getValue<long long>("run"));
    const auto run = daemon_.waitForRunEnd(first.json->getValue<long long>("run"));
    EXPECT_EQ(run->getValue<std::string>("trigger"), "schedule");
    EXPECT_EQ(run->getValue<std::string>("slot"), "2025-11-25T08:00:00.000Z");
    // The doubled fire is on record as skipped, pointing at the run that took the slot.
    const auto runs = daemon_.request("GET", "/v1/runs?job=echo").json->getArray("runs");
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ(runs->getObject(0)->getValue<std::string>("state"), "skipped");
    EXPECT_NE(runs->getObject(0)->getValue<std::string>("error").find(
                  "run " + std::to_string(first.json->getValue<long long>("run"))),
              std::string::npos);
    EXPECT_EQ(
        daemon_.request("GET", "/v1/runs?job=echo&state=succeeded").json->getArray("runs")->size(),
        1u);
}

TEST_F(ApiTest, FireWithoutATimerIsAManualRunAndNeverDeduplicated) {
    daemon_.createJob(kEchoJob);
    const auto a = daemon_.request("POST", "/v1/jobs/echo/fire", "");
    const auto b = daemon_.request("POST", "/v1/jobs/echo/fire", "");
    ASSERT_EQ(a.status, 202);
    EXPECT_NE(a.json->getValue<long long>("run"), b.json->getValue<long long>("run"));
    EXPECT_EQ(
        daemon_.waitForRunEnd(a.json->getValue<long long>("run"))->getValue<std::string>("trigger"),
        "manual");
}

TEST_F(ApiTest, DisabledJobRefusesTimerFiresButRunsByHand) {
    daemon_.createJob(R"({"name": "off", "enabled": false, "exec": {"argv": ["/bin/true"]}})");
    EXPECT_EQ(daemon_.request("POST", "/v1/jobs/off/fire", "{}").status, 409);
    const auto id = daemon_.runNow("off");
    EXPECT_EQ(daemon_.waitForRunEnd(id)->getValue<std::string>("state"), "succeeded");
}

}  // namespace
}  // namespace belfry::test
