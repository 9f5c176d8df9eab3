#include "job_json.h"

#include <gtest/gtest.h>

#include <sstream>

#include <Poco/JSON/Stringifier.h>

namespace belfry {
namespace {

Job parse(const std::string& text) {
    return jobFromJson(*parseJsonObject(text));
}

std::string errorFor(const std::string& text) {
    try {
        parse(text);
    } catch (const ValidationError& e) {
        return e.what();
    }
    return "";
}

TEST(JobJson, ParsesTheDesignExample) {
    const auto job = parse(R"({
      "name": "nightly-backup", "description": "Back up the database",
      "schedule": {"cron": "0 3 * * *", "timezone": "Europe/Paris"},
      "exec": {"argv": ["/usr/local/bin/backup", "--full"], "cwd": "/var/backups",
               "env": {"LEVEL": "full"}},
      "timeout": "30m",
      "retry": {"max": 10, "backoff": "exponential", "initial": "30s", "max_delay": "1h"},
      "concurrency": "skip", "catch_up": "one", "jitter": "0s", "enabled": true})");
    EXPECT_EQ(job.name, "nightly-backup");
    ASSERT_EQ(job.schedule.kind(), schedule::Schedule::Kind::Cron);
    EXPECT_EQ(job.schedule.toFields().cron, "0 3 * * *");
    EXPECT_EQ(job.schedule.timeZone().name(), "Europe/Paris");
    ASSERT_TRUE(job.exec);
    EXPECT_EQ(job.exec->argv.size(), 2u);
    EXPECT_EQ(job.exec->env.at("LEVEL"), "full");
    EXPECT_EQ(job.timeout, std::chrono::minutes(30));
    EXPECT_EQ(job.retry.max, 10);
}

TEST(JobJson, FillsDocumentedDefaults) {
    const auto job = parse(R"({"name": "x", "exec": {"argv": ["true"]}})");
    EXPECT_EQ(job.schedule.kind(), schedule::Schedule::Kind::None);
    EXPECT_EQ(job.timeout, std::chrono::hours(72));
    EXPECT_EQ(job.concurrency, Concurrency::Skip);
    EXPECT_EQ(job.catchUp, CatchUp::One);
    EXPECT_TRUE(job.enabled);
    EXPECT_EQ(job.retry.max, 0);
}

TEST(JobJson, CanonicalFormRoundTrips) {
    const auto job = parse(R"({"name": "web-ping", "schedule": {"every": "90s"},
        "http": {"method": "GET", "url": "http://127.0.0.1:8080/ping", "expect_status": "204"}})");
    std::ostringstream text;
    Poco::JSON::Stringifier::stringify(jobToJson(job), text);
    const auto again = parse(text.str());
    EXPECT_EQ(again.schedule.period(), std::chrono::seconds(90));
    EXPECT_EQ(again.http->expectLow, 204);
    EXPECT_EQ(again.http->expectHigh, 204);
    EXPECT_EQ(again.http->method, "GET");
}

TEST(JobJson, RejectsEachBadFieldWithItsName) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"exec": {"argv": ["true"]}})", "name: is required"},
        {R"({"name": "../x", "exec": {"argv": ["true"]}})", "invalid job name"},
        {R"({"name": "x"})", "exactly one action"},
        {R"({"name": "x", "exec": {"argv": []}})", "exec.argv"},
        {R"({"name": "x", "exec": {"argv": "rm -rf /"}})", "exec.argv"},
        {R"({"name": "x", "exec": {"argv": ["true"], "cwd": "relative"}})", "exec.cwd"},
        {R"({"name": "x", "exec": {"argv": ["true"], "env": {"A B": "1"}}})", "exec.env"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "timout": "5m"})", "timout: unknown field"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "timeout": "5 minutes"})", "timeout"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "timeout": "0s"})", "timeout"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "concurrency": "many"})", "concurrency"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "enabled": "yes"})", "enabled"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "schedule": {}})", "schedule"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "schedule": {"every": "0s"}})",
         "every must be"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "schedule": {"at": "2026-12-01 03:00"}})",
         "no UTC offset"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "schedule": {"cron": "0 0 30 2 *"}})",
         "never"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "schedule": {"cron": "0 0 1W * *"}})", "W"},
        {R"({"name": "x", "exec": {"argv": ["true"]},
             "schedule": {"cron": "0 3 * * *", "timezone": "Mars/Olympus"}})",
         "Mars/Olympus"},
        {R"({"name": "x", "http": {"url": "ftp://x"}})", "http.url"},
        {R"({"name": "x", "http": {"url": "http://x", "headers": {"A": "b\r\nX: y"}}})",
         "http.headers"},
        {R"({"name": "x", "http": {"url": "http://x", "expect_status": "299-200"}})",
         "http.expect_status"},
        {R"({"name": "x", "exec": {"argv": ["true"]}, "retry": {"max": 1000}})", "retry.max"},
    };
    for (const auto& [body, expected] : cases) {
        const auto error = errorFor(body);
        EXPECT_NE(error.find(expected), std::string::npos) << body << " gave: " << error;
    }
}

TEST(JobJson, MalformedJsonIsAValidationError) {
    EXPECT_THROW(parseJsonObject("{\"name\": "), ValidationError);
    EXPECT_THROW(parseJsonObject("[1, 2]"), ValidationError);
    EXPECT_THROW(parseJsonObject(""), ValidationError);
}

TEST(JobJson, AcceptsReadOnlyFieldsEchoedFromAGet) {
    const auto job = parse(R"({"name": "x", "exec": {"argv": ["true"]},
        "created_at": "2026-01-01T00:00:00.000Z", "os": {"enabled": true}})");
    EXPECT_EQ(job.name, "x");
}

}  // namespace
}  // namespace belfry
