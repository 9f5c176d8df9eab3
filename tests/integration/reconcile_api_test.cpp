// POST /v1/reconcile against a real belfryd with the internal scheduler: the report's shape, the
// dry run, and requests that are refused without changing anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using ::testing::HasSubstr;

class ReconcileApi : public ::testing::Test {
  protected:
    void SetUp() override {
        daemon_.start();
        daemon_.createJob(
            R"({"name": "hourly", "schedule": {"cron": "0 * * * *"}, "exec": {"argv": ["/bin/true"]}})");
    }
    TestDaemon daemon_{{"scheduler.backend = internal"}};
};

TEST_F(ReconcileApi, ReportsEveryJobWithItsAction) {
    const auto result = daemon_.request("POST", "/v1/reconcile");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_FALSE(result.json->getValue<bool>("dry_run"));
    EXPECT_EQ(result.json->getValue<std::string>("backend"), "internal");
    EXPECT_EQ(result.json->getObject("summary")->getValue<int>("unchanged"), 1);
    const auto jobs = result.json->getArray("jobs");
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ(jobs->getObject(0)->getValue<std::string>("job"), "hourly");
    EXPECT_EQ(jobs->getObject(0)->getValue<std::string>("action"), "unchanged");
}

TEST_F(ReconcileApi, DryRunIsAQueryParameter) {
    const auto result = daemon_.request("POST", "/v1/reconcile?dry_run=true");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_TRUE(result.json->getValue<bool>("dry_run"));
}

TEST_F(ReconcileApi, RefusesBadRequests) {
    EXPECT_EQ(daemon_.request("POST", "/v1/reconcile", "", false).status, 401);
    EXPECT_EQ(daemon_.request("GET", "/v1/reconcile").status, 405);
    const auto badValue = daemon_.request("POST", "/v1/reconcile?dry_run=maybe");
    EXPECT_EQ(badValue.status, 400);
    EXPECT_THAT(badValue.body, HasSubstr("dry_run: must be true or false"));
    EXPECT_EQ(daemon_.request("POST", "/v1/reconcile?force=1").status, 400);
    // A dry run asked for in the body must not turn into a real reconcile.
    const auto body = daemon_.request("POST", "/v1/reconcile", R"({"dry_run": true})");
    EXPECT_EQ(body.status, 400);
    EXPECT_THAT(body.body, HasSubstr("?dry_run=true"));
    EXPECT_EQ(daemon_.request("POST", "/v1/reconcile", "{}").status, 200);
}

}  // namespace
}  // namespace belfry::test
