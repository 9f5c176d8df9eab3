// The systemd unit writer: what goes into belfry-NAME.timer / .service, how operator paths are
// quoted for ExecStart=, and that systemd itself (systemd-analyze verify) accepts the result.
#include "systemd_units.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_daemon.h"

namespace belfry::systemd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const schedule::Instant kFrom{std::chrono::seconds(1'780'000'000)};  // 2026-05-28

ScheduledJob cronJob(const std::string& name, const std::string& cron) {
    ScheduledJob job;
    job.name = name;
    std::string error;
    schedule::ScheduleFields fields;
    fields.cron = cron;
    auto parsed = schedule::Schedule::fromFields(fields, &error);
    EXPECT_TRUE(parsed) << error;
    if (parsed) job.schedule = *parsed;
    job.timeout = std::chrono::minutes(30);
    return job;
}

UnitOptions plainOptions() {
    return {"/usr/bin/belfry", "/etc/belfry/belfry.properties", ""};
}

JobUnits render(const ScheduledJob& job, const UnitOptions& options = plainOptions()) {
    std::string error;
    auto units = renderJobUnits(job, options, kFrom, &error);
    EXPECT_TRUE(units) << error;
    return units.value_or(JobUnits{});
}

TEST(SystemdUnits, NamesUnitsAfterTheJob) {
    const auto units = render(cronJob("nightly-backup", "0 3 * * *"));
    EXPECT_EQ(units.timerName, "belfry-nightly-backup.timer");
    EXPECT_EQ(units.serviceName, "belfry-nightly-backup.service");
}

TEST(SystemdUnits, TimerCarriesTranslatedCalendarAndPolicy) {
    auto job = cronJob("nightly", "0 3 * * *");
    job.jitter = std::chrono::milliseconds(1500);
    const auto timer = render(job).timer;
    EXPECT_THAT(timer, StartsWith("# Managed by Belfry; edits are reported as drift.\n"));
    EXPECT_THAT(timer, HasSubstr("\nOnCalendar=*-*-* 03:00:00 UTC\n"));
    EXPECT_THAT(timer, HasSubstr("\nPersistent=true\n"));
    EXPECT_THAT(timer, HasSubstr("\nAccuracySec=1s\n"));
    EXPECT_THAT(timer, HasSubstr("\nRandomizedDelaySec=2s\n"));
    EXPECT_THAT(timer, HasSubstr("\nUnit=belfry-nightly.service\n"));
    EXPECT_THAT(timer, HasSubstr("\n[Install]\nWantedBy=timers.target\n"));
}

TEST(SystemdUnits, CatchUpNoneIsNotPersistent) {
    auto job = cronJob("nightly", "0 3 * * *");
    job.catchUp = false;
    EXPECT_THAT(render(job).timer, HasSubstr("\nPersistent=false\n"));
}

TEST(SystemdUnits, OneOnCalendarLinePerTranslatedLine) {
    // Vixie's OR rule needs two lines.
    const auto timer = render(cronJob("vixie", "0 3 1 * mon")).timer;
    std::size_t lines = 0;
    for (auto at = timer.find("\nOnCalendar="); at != std::string::npos;
         at = timer.find("\nOnCalendar=", at + 1)) {
        ++lines;
    }
    EXPECT_EQ(lines, 2u) << timer;
}

TEST(SystemdUnits, ServiceIsOneshotBelfryFireWithTimeoutMargin) {
    const auto service = render(cronJob("nightly", "0 3 * * *")).service;
    EXPECT_THAT(service, StartsWith("# Managed by Belfry; edits are reported as drift.\n"));
    EXPECT_THAT(service, HasSubstr("\nType=oneshot\n"));
    EXPECT_THAT(service, HasSubstr("\nExecStart=\"/usr/bin/belfry\" --config "
                                   "\"/etc/belfry/belfry.properties\" fire nightly\n"));
    EXPECT_THAT(service, HasSubstr("\nTimeoutStartSec=1860s\n"));  // 30 min + 1 min
    EXPECT_THAT(service, Not(HasSubstr("User=")));
}

TEST(SystemdUnits, SystemScopeServiceRunsBelfryFireAsTheServiceAccount) {
    auto options = plainOptions();
    options.user = "belfry";
    EXPECT_THAT(render(cronJob("nightly", "0 3 * * *"), options).service,
                HasSubstr("\nUser=belfry\n"));
}

TEST(SystemdUnits, RefusesAnAccountNameThatIsNotPlain) {
    const std::vector<std::string> hostile = {
        "belfry\nExecStartPre=/bin/evil", "Root", "a b", "%n", "-x", std::string(33, 'a')};
    for (const auto& user : hostile) {
        auto options = plainOptions();
        options.user = user;
        std::string error;
        EXPECT_FALSE(renderJobUnits(cronJob("nightly", "0 3 * * *"), options, kFrom, &error))
            << user;
        EXPECT_THAT(error, HasSubstr("service account")) << user;
    }
}

TEST(SystemdUnits, ServiceWithoutConfigFileOmitsTheOption) {
    const auto service =
        render(cronJob("nightly", "0 3 * * *"), {"/usr/bin/belfry", "", ""}).service;
    EXPECT_THAT(service, HasSubstr("\nExecStart=\"/usr/bin/belfry\" fire nightly\n"));
}

TEST(SystemdUnits, QuotesHostileConfigPathForExecStart) {
    const auto service =
        render(cronJob("nightly", "0 3 * * *"),
               {"/opt/my belfry/100%/belfry", "/etc/a b/%h \"q\" \\x $HOME 'y'.properties", ""})
            .service;
    EXPECT_THAT(service, HasSubstr("\nExecStart=\"/opt/my belfry/100%%/belfry\" --config "
                                   "\"/etc/a b/%%h \\\"q\\\" \\\\x $$HOME 'y'.properties\" "
                                   "fire nightly\n"));
}

TEST(SystemdUnits, RefusesPathsSystemdCannotTakeSafely) {
    std::string error;
    const auto job = cronJob("nightly", "0 3 * * *");
    EXPECT_FALSE(renderJobUnits(job, {"/usr/bin/belfry", "/etc/a\nb", ""}, kFrom, &error));
    EXPECT_THAT(error, HasSubstr("control characters"));
    EXPECT_FALSE(renderJobUnits(job, {"/opt/a\"b/belfry", "", ""}, kFrom, &error));
    EXPECT_THAT(error, HasSubstr("bridge.client"));
    EXPECT_FALSE(renderJobUnits(job, {"/opt/a\\b/belfry", "", ""}, kFrom, &error));
    EXPECT_FALSE(renderJobUnits(job, {"belfry", "", ""}, kFrom, &error));
    EXPECT_THAT(error, HasSubstr("absolute"));
    EXPECT_FALSE(
        renderJobUnits(job, {"/usr/bin/belfry", "relative.properties", ""}, kFrom, &error));
    EXPECT_THAT(error, HasSubstr("absolute"));
    EXPECT_FALSE(
        renderJobUnits(job, {"/usr/bin/belfry", "/etc/\xff.properties", ""}, kFrom, &error));
}

TEST(SystemdUnits, JobWithoutScheduleHasNoUnits) {
    ScheduledJob job;
    job.name = "manual";
    std::string error;
    EXPECT_FALSE(renderJobUnits(job, plainOptions(), kFrom, &error));
    EXPECT_THAT(error, HasSubstr("no schedule"));
}

TEST(SystemdUnits, DigestRecognisesEditsOutsideBelfry) {
    const auto units = render(cronJob("nightly", "0 3 * * *"));
    EXPECT_FALSE(isUnitEditedOutsideBelfry(units.timer));
    EXPECT_FALSE(isUnitEditedOutsideBelfry(units.service));
    auto edited = units.timer;
    edited.replace(edited.find("03:00:00"), 8, "04:00:00");
    EXPECT_TRUE(isUnitEditedOutsideBelfry(edited));
    EXPECT_TRUE(isUnitEditedOutsideBelfry("[Timer]\nOnCalendar=daily\n"));
}

// systemd's own parser on the written files: calendar lines, quoting of a hostile directory
// (spaces, %, quotes in the config path) and that ExecStart= names the real executable.
TEST(SystemdUnits, SystemdAnalyzeVerifiesWrittenUnits) {
    if (::access("/usr/bin/systemd-analyze", X_OK) != 0 &&
        ::access("/bin/systemd-analyze", X_OK) != 0) {
        GTEST_SKIP() << "systemd-analyze is not installed";
    }
    namespace fs = std::filesystem;
    const fs::path root =
        fs::temp_directory_path() / ("belfry-units-" + std::to_string(::getpid()));
    const fs::path clientDir = root / "my belfry 100%";
    const fs::path unitDir = root / "units";
    const fs::path runtimeDir = root / "run";
    fs::create_directories(clientDir);
    fs::create_directories(unitDir);
    fs::create_directories(runtimeDir);
    fs::permissions(runtimeDir, fs::perms::owner_all, fs::perm_options::replace);
    fs::create_symlink("/bin/true", clientDir / "belfry");

    auto job = cronJob("verify-me", "*/2 * * * * *");
    job.jitter = std::chrono::seconds(5);
    const auto units =
        render(job, {(clientDir / "belfry").string(),
                     (root / "conf dir %h \"q\" \\x $Y" / "belfry.properties").string(), "root"});
    std::ofstream(unitDir / units.timerName) << units.timer;
    std::ofstream(unitDir / units.serviceName) << units.service;

    const auto verify = [&] {
        return test::runCommand(
            {"/usr/bin/systemd-analyze", "--user", "verify", (unitDir / units.timerName).string(),
             (unitDir / units.serviceName).string()},
            {{"XDG_RUNTIME_DIR", runtimeDir.string()}});
    };
    const auto good = verify();
    EXPECT_EQ(good.exitCode, 0) << good.out << good.err;
    EXPECT_EQ(good.err, "");

    // The check has teeth: a missing executable is refused.
    fs::remove(clientDir / "belfry");
    const auto bad = verify();
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_THAT(bad.err, HasSubstr("is not executable"));
    fs::remove_all(root);
}

}  // namespace
}  // namespace belfry::systemd
