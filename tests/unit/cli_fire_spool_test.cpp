// `belfry fire` when belfryd cannot take the fire: which failures are retried and spooled (and exit
// 75), which are reported and not spooled, and the exit 73 when even the spool cannot be written.
// The spool file is read back with the same parser belfryd uses.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "belfry/spool/spooled_fire.h"
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

constexpr const char* kTimerElapse = "1767236400000000";

class CliFireSpool : public ::testing::Test {
  protected:
    // `belfry fire backup` with the spool in spoolDir_, millisecond retry pauses.
    int fire(const std::string& listen, bool fromTimer) {
        const std::string config = state_.write(
            "belfry.properties", "http.listen = " + listen + "\nstate.dir = " + state_.path() +
                                     "\nspool.dir = " + spoolDir_ + "\n");
        CliEnvironment environment;
        environment.out = out_.file();
        environment.err = err_.file();
        environment.env = [fromTimer](const std::string& name) -> std::optional<std::string> {
            if (fromTimer && name == "TRIGGER_TIMER_REALTIME_USEC") return kTimerElapse;
            return std::nullopt;
        };
        environment.systemConfigPath = "/nonexistent";
        environment.retryDelays = {1ms, 1ms, 1ms, 1ms};
        environment.longPollWait = 0s;
        return runCli({"--config", config, "fire", "backup"}, environment);
    }

    // Every file in the spool directory, temp files included, as (name, content).
    std::vector<std::pair<std::string, std::string>> spooled() const {
        std::vector<std::pair<std::string, std::string>> files;
        std::error_code absent;
        for (const auto& entry : std::filesystem::directory_iterator(spoolDir_, absent)) {
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            files.emplace_back(entry.path().filename().string(), text.str());
        }
        return files;
    }

    spool::SpooledFire onlySpooledFire() const {
        const auto files = spooled();
        spool::SpooledFire fire;
        if (files.size() != 1) {
            ADD_FAILURE() << files.size() << " files in the spool; stderr: " << err_.text();
            return fire;
        }
        std::string error;
        EXPECT_TRUE(spool::parseSpooledFire(files[0].second, &fire, &error)) << error;
        EXPECT_EQ(files[0].first, spool::spoolFileName(fire));
        return fire;
    }

    static std::string unreachable() {
        return "127.0.0.1:" + std::to_string(testing::unusedPort());
    }

    TempDir state_;
    std::string spoolDir_ = state_.path() + "/deeper/spool";  // missing levels are created
    CapturedStream out_;
    CapturedStream err_;
};

TEST_F(CliFireSpool, SpoolsATimerFireWhenTheServiceIsDown) {
    const auto before = std::chrono::system_clock::now();
    EXPECT_EQ(fire(unreachable(), true), kExitTempFail);
    const auto fire = onlySpooledFire();
    EXPECT_EQ(fire.job, "backup");
    EXPECT_EQ(fire.trigger, spool::FireTrigger::Schedule);
    EXPECT_EQ(fire.elapsedUsec, std::stoull(kTimerElapse));
    EXPECT_GE(fire.spooledAt,
              std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count());
    const std::string error = err_.text();
    EXPECT_NE(error.find("cannot reach belfryd"), std::string::npos) << error;
    EXPECT_NE(error.find("gave up after 5 attempts"), std::string::npos) << error;
    EXPECT_NE(error.find("spooled the fire to " + spoolDir_ + "/fire-"), std::string::npos)
        << error;
    const auto mode =
        std::filesystem::status(spoolDir_ + "/" + spool::spoolFileName(fire)).permissions();
    EXPECT_EQ(mode & std::filesystem::perms::others_all, std::filesystem::perms::none);
}

TEST_F(CliFireSpool, SpoolsAManualFireAsManual) {
    EXPECT_EQ(fire(unreachable(), false), kExitTempFail);
    const auto fire = onlySpooledFire();
    EXPECT_EQ(fire.trigger, spool::FireTrigger::Manual);
    EXPECT_FALSE(fire.elapsedUsec);
}

TEST_F(CliFireSpool, EveryFireGetsItsOwnFile) {
    EXPECT_EQ(fire(unreachable(), true), kExitTempFail);
    EXPECT_EQ(fire(unreachable(), true), kExitTempFail);
    EXPECT_EQ(spooled().size(), 2u) << "the same slot twice is two fires; belfryd deduplicates";
}

TEST_F(CliFireSpool, RetriesAndSpoolsWhileTheServiceAnswers503) {
    int fires = 0;
    CliTestServer server([&fires](const ReceivedRequest&) {
        ++fires;
        return CannedReply{
            httpResponse(503, R"({"error":"store unavailable","detail":"disk I/O error"})")};
    });
    EXPECT_EQ(fire(server.endpoint(), false), kExitTempFail);
    EXPECT_EQ(fires, 5);
    EXPECT_EQ(onlySpooledFire().trigger, spool::FireTrigger::Manual);
}

TEST_F(CliFireSpool, ARejectedFireIsNotSpooled) {
    CliTestServer server([](const ReceivedRequest&) {
        return CannedReply{
            httpResponse(409, R"({"error":"job disabled","detail":"job backup is disabled"})")};
    });
    EXPECT_EQ(fire(server.endpoint(), true), kExitRejected);
    EXPECT_TRUE(spooled().empty());
}

TEST_F(CliFireSpool, AManualFireWhoseReplyWasLostIsNotSpooled) {
    // It may have been recorded; a spooled copy could run the job twice.
    CliTestServer server([](const ReceivedRequest&) { return CannedReply{"", true}; });
    EXPECT_EQ(fire(server.endpoint(), false), kExitTempFail);
    EXPECT_TRUE(spooled().empty());
    EXPECT_NE(err_.text().find("no answer from belfryd"), std::string::npos) << err_.text();
}

TEST_F(CliFireSpool, ATimerFireWhoseReplyWasLostIsSpooled) {
    // belfryd records a (job, slot) once: a spooled copy of a fire that did arrive is a skipped
    // duplicate, never a second run.
    CliTestServer server([](const ReceivedRequest&) { return CannedReply{"", true}; });
    EXPECT_EQ(fire(server.endpoint(), true), kExitTempFail);
    EXPECT_EQ(onlySpooledFire().elapsedUsec, std::stoull(kTimerElapse));
}

TEST_F(CliFireSpool, Exits73WhenTheFireCannotBeSpooledEither) {
    spoolDir_ = state_.write("not-a-directory", "") + "/spool";
    EXPECT_EQ(fire(unreachable(), true), kExitCantCreate);
    const std::string error = err_.text();
    EXPECT_NE(error.find("the fire could not be spooled"), std::string::npos) << error;
    EXPECT_NE(error.find("NOT recorded"), std::string::npos) << error;
}

TEST_F(CliFireSpool, RootHandsTheSpooledFireToTheSpoolDirectorysOwner) {
    // A system timer unit runs `belfry fire` as root; belfryd, as its own account, must be able to
    // read and delete the file.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    spoolDir_ = state_.path() + "/spool";
    ASSERT_EQ(::mkdir(spoolDir_.c_str(), 0750), 0);
    ASSERT_EQ(::chown(spoolDir_.c_str(), 65534, 65534), 0);
    EXPECT_EQ(fire(unreachable(), true), kExitTempFail);
    const auto name = spool::spoolFileName(onlySpooledFire());
    struct stat status {};
    ASSERT_EQ(::stat((spoolDir_ + "/" + name).c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 65534u);
    EXPECT_EQ(status.st_gid, 65534u);
}

TEST_F(CliFireSpool, SpoolDirDefaultsToTheStateDirectory) {
    const std::string config = state_.write("belfry.properties", "state.dir = /srv/belfry\n");
    ClientConfig loaded;
    std::string error;
    ConfigSources sources;
    sources.configFlag = config;
    sources.env = nullptr;
    ASSERT_TRUE(loadClientConfig(sources, &loaded, &error)) << error;
    EXPECT_EQ(loaded.spoolDir, "/srv/belfry/spool");
}

}  // namespace
}  // namespace belfry::cli
