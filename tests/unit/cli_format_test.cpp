// What the CLI computes without the service: the job JSON of `jobs add`'s flag form, exit codes
// from a RUN, and its tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exit_codes.h"
#include "format.h"
#include "job_flags.h"

namespace belfry::cli {
namespace {

Json build(const std::vector<std::string>& args, std::string* error = nullptr) {
    Json job;
    std::string why;
    if (!buildJobFromFlags(args, &job, &why)) {
        if (error) *error = why;
        return nullptr;
    }
    return job;
}

TEST(CliJobFlags, CronExecJobBecomesTheDesignJson) {
    const Json job = build({"nightly-backup", "--cron", "0 3 * * *", "--tz", "Europe/Paris",
                            "--timeout", "30m", "--description=Back up", "--concurrency", "skip",
                            "--", "/usr/local/bin/backup", "--full", "--json"});
    const Json expected = Json::parse(R"({
        "name": "nightly-backup", "description": "Back up",
        "schedule": {"cron": "0 3 * * *", "timezone": "Europe/Paris"},
        "exec": {"argv": ["/usr/local/bin/backup", "--full", "--json"]},
        "timeout": "30m", "concurrency": "skip", "enabled": true})");
    EXPECT_EQ(job, expected) << job.dump();
}

TEST(CliJobFlags, HttpJobEveryIntervalDisabled) {
    const Json job = build({"--every", "15m", "ping", "--http-url", "http://127.0.0.1/tick",
                            "--http-method", "post", "--disabled"});
    const Json expected = Json::parse(R"({
        "name": "ping", "schedule": {"every": "15m"},
        "http": {"method": "POST", "url": "http://127.0.0.1/tick"}, "enabled": false})");
    EXPECT_EQ(job, expected) << job.dump();
    EXPECT_EQ(build({"once", "--at", "2026-12-01T03:00:00Z", "--http-url",
                     "http://x/"})["http"]["method"],
              "GET");
}

TEST(CliJobFlags, NoScheduleMeansManualOnly) {
    const Json job = build({"manual", "--", "/bin/true"});
    EXPECT_FALSE(job.contains("schedule"));
}

TEST(CliJobFlags, InvalidNameIsRejectedWithTheSharedMessage) {
    std::string error;
    EXPECT_TRUE(build({"Nightly", "--", "/bin/true"}, &error).is_null());
    EXPECT_EQ(error, "invalid job name 'Nightly': must start with a lower-case letter or a digit");
    EXPECT_TRUE(build({"a/b", "--", "/bin/true"}, &error).is_null());
    EXPECT_NE(error.find("invalid job name"), std::string::npos);
}

TEST(CliJobFlags, RejectsContradictionsAndTypos) {
    const std::vector<std::vector<std::string>> bad = {
        {},           // no name
        {"x"},        // no action
        {"x", "--"},  // no program
        {"x", "--cron", "* * * * *", "--every", "1m", "--", "/bin/true"},
        {"x", "--tz", "UTC", "--", "/bin/true"},  // --tz without --cron
        {"x", "--every", "soon", "--", "/bin/true"},
        {"x", "--every", "0s", "--", "/bin/true"},
        {"x", "--timeout", "5 minutes", "--", "/bin/true"},
        {"x", "--concurrency", "sometimes", "--", "/bin/true"},
        {"x", "--http-url", "http://a/", "--", "/bin/true"},  // two actions
        {"x", "--http-method", "POST", "--", "/bin/true"},    // method without URL
        {"x", "--http-url", "http://a/", "--http-method", "GE T"},
        {"x", "y", "--", "/bin/true"},  // stray word
        {"x", "--frobnicate", "--", "/bin/true"},
        {"x", "--cron"},  // missing value
        {"x", "--timeout", "1m", "--timeout", "2m", "--", "/bin/true"},
    };
    for (const auto& args : bad) {
        std::string error;
        EXPECT_TRUE(build(args, &error).is_null()) << ::testing::PrintToString(args);
        EXPECT_FALSE(error.empty());
    }
}

TEST(CliExitCodes, MapEveryTerminalState) {
    auto run = [](const char* json) { return exitCodeForRun(Json::parse(json)); };
    EXPECT_EQ(run(R"({"state":"succeeded","exit_code":0})"), 0);
    EXPECT_EQ(run(R"({"state":"skipped"})"), 0);
    EXPECT_EQ(run(R"({"state":"failed","exit_code":3,"signal":null})"), 3);
    EXPECT_EQ(run(R"({"state":"failed","exit_code":255})"), 255);
    EXPECT_EQ(run(R"({"state":"failed","exit_code":0})"), 1);
    EXPECT_EQ(run(R"({"state":"failed","exit_code":null,"http_status":500})"), 1);
    EXPECT_EQ(run(R"({"state":"failed"})"), 1);
    EXPECT_EQ(run(R"({"state":"failed","exit_code":null,"signal":9})"), 137);
    EXPECT_EQ(run(R"({"state":"timed_out","signal":9})"), 124);
    EXPECT_EQ(run(R"({"state":"cancelled"})"), 125);
    EXPECT_EQ(run(R"({"state":"interrupted"})"), 75);
    EXPECT_EQ(run(R"({"state":"exploded"})"), 69);
    EXPECT_EQ(run(R"({})"), 69);
}

TEST(CliExitCodes, MapHttpStatuses) {
    EXPECT_EQ(exitCodeForHttpStatus(202), 0);
    EXPECT_EQ(exitCodeForHttpStatus(400), 65);
    EXPECT_EQ(exitCodeForHttpStatus(409), 65);
    EXPECT_EQ(exitCodeForHttpStatus(401), 77);
    EXPECT_EQ(exitCodeForHttpStatus(403), 77);
    EXPECT_EQ(exitCodeForHttpStatus(404), 66);
    EXPECT_EQ(exitCodeForHttpStatus(500), 69);
    EXPECT_EQ(exitCodeForHttpStatus(503), 69);
}

TEST(CliExitCodes, TerminalStates) {
    for (const char* state :
         {"succeeded", "failed", "timed_out", "cancelled", "interrupted", "skipped"}) {
        EXPECT_TRUE(isTerminalRunState(state)) << state;
    }
    EXPECT_FALSE(isTerminalRunState("queued"));
    EXPECT_FALSE(isTerminalRunState("running"));
}

TEST(CliExitCodes, DescribeRunEndStaysOnOneLine) {
    const Json run = Json::parse(
        R"({"id":42,"job":"backup","state":"failed","exit_code":3,"error":"disk\nfull"})");
    EXPECT_EQ(describeRunEnd(run), "run 42 of job backup failed with exit code 3: disk full");
}

TEST(CliFormat, TableAlignsColumnsWithoutTrailingSpaces) {
    EXPECT_EQ(renderTable({"ID", "NAME"}, {{"1", "alpha"}, {"100", "b"}}),
              "ID   NAME\n"
              "1    alpha\n"
              "100  b\n");
    // Width counts characters, not UTF-8 bytes.
    EXPECT_EQ(renderTable({"A", "B"}, {{"\xc3\xa9", "x"}}), "A  B\n\xc3\xa9  x\n");
}

TEST(CliFormat, JobTableSummarisesScheduleAndAction) {
    const Json response = Json::parse(R"({"jobs":[
        {"name":"nightly-backup","enabled":true,
         "schedule":{"cron":"0 3 * * *","timezone":"Europe/Paris"},
         "exec":{"argv":["/usr/local/bin/backup","--full","two words"]}},
        {"name":"ping","enabled":false,"schedule":{"every":"15m"},
         "http":{"method":"POST","url":"http://127.0.0.1/tick"}},
        {"name":"adhoc","enabled":true,"os":{"enabled":false},"exec":{"argv":["/bin/true"]}}]})");
    EXPECT_EQ(formatJobTable(response),
              "NAME            ENABLED       SCHEDULE                       ACTION\n"
              "nightly-backup  yes           cron 0 3 * * * (Europe/Paris)  "
              "/usr/local/bin/backup --full 'two words'\n"
              "ping            no            every 15m                      "
              "HTTP POST http://127.0.0.1/tick\n"
              "adhoc           yes (os: no)  -                              /bin/true\n");
}

TEST(CliFormat, JobDetailsAreKeyValueLines) {
    const Json job = Json::parse(R"({"name":"nightly-backup","description":"Back up\nthe db",
        "schedule":{"cron":"0 3 * * *"},
        "exec":{"argv":["/bin/backup"],"cwd":"/var/backups","env":{"LEVEL":"full"}},
        "timeout":"30m","retry":{"max":10,"backoff":"exponential"},"enabled":true,
        "created_at":"2026-01-01T00:00:00Z"})");
    EXPECT_EQ(formatJobDetails(job),
              "name:           nightly-backup\n"
              "description:    Back up\\nthe db\n"
              "enabled:        true\n"
              "schedule:       cron 0 3 * * *\n"
              "action:         /bin/backup\n"
              "exec.cwd:       /var/backups\n"
              "exec.env.LEVEL: full\n"
              "timeout:        30m\n"
              "retry.max:      10\n"
              "retry.backoff:  exponential\n"
              "created_at:     2026-01-01T00:00:00Z\n");
}

TEST(CliFormat, RunTableShowsDurationAndExit) {
    const Json response = Json::parse(R"({"runs":[
        {"id":12,"job":"backup","trigger":"schedule","state":"failed",
         "queued_at":"2026-03-01T03:00:00.123456Z","started_at":"2026-03-01T03:00:00.200Z",
         "finished_at":"2026-03-01T03:01:30.700Z","exit_code":3,"signal":null},
        {"id":11,"job":"ping","trigger":"manual","state":"running",
         "queued_at":"2026-03-01T02:00:00Z","started_at":"2026-03-01T02:00:01Z",
         "finished_at":null,"exit_code":null,"signal":null,"http_status":null},
        {"id":10,"job":"ping","trigger":"api","state":"failed",
         "queued_at":"2026-03-01T01:00:00Z","started_at":"2026-03-01T01:00:00Z",
         "finished_at":"2026-03-01T01:00:00.250Z","exit_code":null,"http_status":503}],
        "next_before":10})");
    EXPECT_EQ(formatRunTable(response),
              "ID  JOB     TRIGGER   STATE    QUEUED                DURATION  EXIT\n"
              "12  backup  schedule  failed   2026-03-01T03:00:00Z  1m31s     3\n"
              "11  ping    manual    running  2026-03-01T02:00:00Z  -         -\n"
              "10  ping    api       failed   2026-03-01T01:00:00Z  250ms     HTTP 503\n");
}

TEST(CliFormat, ParsesIsoTimestampsWithOffsets) {
    EXPECT_EQ(parseIsoTimestamp("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parseIsoTimestamp("1970-01-01T00:00:01.5Z"), 1500);
    EXPECT_EQ(parseIsoTimestamp("2026-03-01T04:00:00+01:00"),
              parseIsoTimestamp("2026-03-01T03:00:00Z"));
    EXPECT_EQ(parseIsoTimestamp("2000-03-01T00:00:00Z"), 951868800000);
    EXPECT_EQ(parseIsoTimestamp("2026-03-01T03:00:00"), std::nullopt);
    EXPECT_EQ(parseIsoTimestamp("yesterday"), std::nullopt);
    EXPECT_EQ(formatElapsed(12'345), "12.3s");
    EXPECT_EQ(formatElapsed(2 * 3600'000 + 5 * 60'000), "2h5m");
}

TEST(CliFormat, RunReportEndsWithTheOutput) {
    const Json run = Json::parse(R"({"id":5,"job":"x","state":"succeeded","exit_code":0,
        "started_at":"2026-03-01T03:00:00Z","finished_at":"2026-03-01T03:00:02Z",
        "output":"hello\nworld"})");
    EXPECT_EQ(formatRunReport(run), "run 5 of job x succeeded (2.0s)\nhello\nworld\n");
}

}  // namespace
}  // namespace belfry::cli
