// belfry-systemd-helper against the sandboxed manager: the packaged setup in miniature. belfryd
// runs as an unprivileged account (nobody) that can write neither the unit directory nor talk to
// the manager; the helper runs as root with the same configuration file and registers the timers.
// What the helper accepts is checked with hostile requests sent straight to its socket.
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "fresh_temp_dir.h"
#include "sandbox_jobs_fixture.h"
#include "systemd_sandbox.h"
#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kAccount = "nobody";

std::set<std::string> filesIn(const std::string& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        names.insert(it->path().filename().string());
    return names;
}

// One request line to the socket at `path`, the answer line back ("" if none).
std::string ask(const std::string& path, const std::string& line) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        const std::string error = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return error;
    }
    const std::string framed = line + "\n";
    [[maybe_unused]] const auto sent = ::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
    std::string answer;
    char buffer[4096];
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (answer.find('\n') == std::string::npos) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer.substr(0, answer.find('\n'));
}

class SystemdHelper : public SandboxJobs {
  protected:
    void SetUp() override {
        SandboxJobs::SetUp();
        if (HasFatalFailure()) return;
        socketDir_ = freshTempDirectory("/tmp/belfry-helper-test-");
        ::chmod(socketDir_.c_str(), 0755);
        socket_ = socketDir_ + "/helper.sock";
        auto config = systemdBackendConfig();
        config.push_back("systemd.helper = " + socket_);
        config.push_back(std::string("systemd.helper.account = ") + kAccount);
        daemon_ = std::make_unique<TestDaemon>(config, env_);
    }

    // The helper as a plain process of the test, listening itself, on the daemon's configuration
    // as the packaged one is: the same file, but in a directory of root's (the daemon's own
    // directory becomes nobody's, and the helper refuses a file its client could replace).
    void startHelper() {
        ASSERT_FALSE(fs::exists(socket_)) << "a stopped helper left its socket behind";
        const auto config = socketDir_ + "/belfry.properties";
        fs::copy_file(daemon_->configPath(), config, fs::copy_options::overwrite_existing);
        ::chmod(config.c_str(), 0644);
        helperPid_ = startCommand({BELFRY_SYSTEMD_HELPER_PATH, "--config", config}, env_);
        ASSERT_TRUE(eventually([&] { return fs::exists(socket_); }, 10s))
            << "belfry-systemd-helper did not listen on " << socket_;
    }

    void TearDown() override {
        SandboxJobs::TearDown();
        daemon_.reset();
        if (helperPid_ > 0) {
            ::kill(helperPid_, SIGTERM);
            EXPECT_EQ(waitForExit(helperPid_, 10s), 0) << "the helper did not stop on SIGTERM";
        }
        fs::remove_all(socketDir_);
    }

    void startUnprivilegedDaemon() {
        daemon_->runAs(kAccount);
        daemon_->start();
    }

    std::string socketDir_;
    std::string socket_;
    int helperPid_ = 0;
};

TEST_F(SystemdHelper, AnUnprivilegedBelfrydGetsRealTimersThroughTheHelper) {
    startHelper();
    startUnprivilegedDaemon();
    const auto health = daemon_->request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "systemd");
    EXPECT_THAT(health.json->getValue<std::string>("scheduler_choice"),
                HasSubstr("through the helper at " + socket_));

    createJob("helped", R"({"cron": "*/2 * * * * *"})");
    // The units are root's, written by the helper: belfryd's account could not have.
    struct stat timer {};
    ASSERT_EQ(::stat((unitDir_ + "/belfry-helped.timer").c_str(), &timer), 0);
    EXPECT_EQ(timer.st_uid, 0u);
    EXPECT_TRUE(os("helped")->getValue<bool>("enabled"));

    // The manager fires them through `belfry fire`, into the unprivileged belfryd.
    EXPECT_TRUE(eventually(
        [&] {
            const auto runs = daemon_->request("GET", "/v1/runs?job=helped&state=succeeded")
                                  .json->getArray("runs");
            return runs->size() >= 2 &&
                   runs->getObject(0)->getValue<std::string>("trigger") == "schedule";
        },
        20s))
        << daemon_->log();

    // What an admin does in systemd is read back through the helper.
    const auto disabled = sandboxSystemctl({"disable", "--now", "belfry-helped.timer"});
    ASSERT_EQ(disabled.exitCode, 0) << disabled.err;
    const auto state = os("helped");
    EXPECT_FALSE(state->getValue<bool>("enabled"));
    EXPECT_THAT(drift("helped"), Contains("timer disabled in systemd (systemctl disable)"));

    // Deleting the job removes its units, through the helper again.
    ASSERT_EQ(daemon_->request("DELETE", "/v1/jobs/helped").status, 204);
    EXPECT_FALSE(fs::exists(unitDir_ + "/belfry-helped.timer"));
    EXPECT_FALSE(fs::exists(unitDir_ + "/belfry-helped.service"));
}

// The helper can restart on its own (a crash, `systemctl restart`, an upgrade) and forgets what
// it registered; belfryd notices the new instance and brings it up to date before its change, so
// disabling a job still disables its timer instead of being taken for an admin's doing.
TEST_F(SystemdHelper, AChangeAfterTheHelperRestartedIsStillApplied) {
    startHelper();
    startUnprivilegedDaemon();
    createJob("survivor", R"({"cron": "0 3 * * *"})");
    ASSERT_TRUE(os("survivor")->getValue<bool>("enabled"));

    ::kill(helperPid_, SIGTERM);
    ASSERT_EQ(waitForExit(helperPid_, 10s), 0);
    helperPid_ = 0;
    startHelper();

    ASSERT_EQ(daemon_->request("POST", "/v1/jobs/survivor/disable").status, 200);
    const auto state = os("survivor");
    EXPECT_FALSE(state->getValue<bool>("enabled"));
    EXPECT_EQ(state->getArray("drift")->size(), 0u)
        << daemon_->request("GET", "/v1/jobs/survivor").body;
    const auto shown = sandboxSystemctl({"is-enabled", "belfry-survivor.timer"});
    EXPECT_EQ(shown.out, "disabled\n");
}

TEST_F(SystemdHelper, ReconcileGoesThroughTheHelperInOneBatch) {
    startHelper();
    startUnprivilegedDaemon();
    for (const auto* name : {"batch-a", "batch-b", "batch-c"})
        createJob(name, R"({"cron": "0 3 * * *"})");
    // An orphan left by an earlier installation: the helper's reconcile removes it.
    ASSERT_TRUE(fs::copy_file(unitDir_ + "/belfry-batch-a.timer", unitDir_ + "/belfry-gone.timer"));
    ASSERT_TRUE(
        fs::copy_file(unitDir_ + "/belfry-batch-a.service", unitDir_ + "/belfry-gone.service"));
    const auto result = daemon_->request("POST", "/v1/reconcile");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.json->getObject("summary")->getValue<int>("unchanged"), 3) << result.body;
    EXPECT_EQ(result.json->getObject("summary")->getValue<int>("removed"), 1) << result.body;
    EXPECT_FALSE(fs::exists(unitDir_ + "/belfry-gone.timer"));
}

TEST_F(SystemdHelper, RefusesAnythingButJobNamesAndSchedulesAndChangesNothing) {
    startHelper();
    const auto before = filesIn(unitDir_);
    const std::string valid =
        R"("schedule": {"every": "1m"}, "enabled": true, "timeout_ms": 0, "catch_up": true, "jitter_ms": 0)";
    const std::vector<std::pair<std::string, std::string>> hostile{
        {R"({"op": "upsert", "job": {"name": "x\n[Service]\nExecStart=/bin/sh", )" + valid + "}}",
         "job.name"},
        {R"({"op": "upsert", "job": {"name": "../escape", )" + valid + "}}", "job.name"},
        {R"({"op": "upsert", "job": {"name": "ok", "exec": "/bin/sh", )" + valid + "}}",
         "unknown field 'exec'"},
        {R"({"op": "upsert", "job": {"name": "ok", "user": "root", )" + valid + "}}",
         "unknown field 'user'"},
        {R"({"op": "upsert", "job": {"name": "ok", "schedule": {"cron": "0 3 * * * * * *"}, "enabled": true, "timeout_ms": 0, "catch_up": true, "jitter_ms": 0}})",
         "job.schedule"},
        {R"({"op": "upsert", "job": {"name": "ok", "schedule": {"every": "1m"}, "enabled": true, "timeout_ms": -5, "catch_up": true, "jitter_ms": 0}})",
         "job.timeout_ms"},
        {R"({"op": "remove", "name": "../../etc/passwd"})", "name"},
        {R"({"op": "reconcile", "jobs": [{"name": "Upper", )" + valid + "}]}", "jobs[0]"},
        {R"({"op": "daemon-reload"})", "unknown op"},
        {"not json", "not JSON"},
    };
    for (const auto& [request, expected] : hostile) {
        const auto answer = ask(socket_, request);
        EXPECT_THAT(answer, HasSubstr(R"("ok":false)")) << request;
        EXPECT_THAT(answer, HasSubstr(expected)) << request;
    }
    EXPECT_EQ(filesIn(unitDir_), before);
}

// Only root and the configured account may ask: the socket is 0660 root:GROUP, and the helper
// checks the caller's uid as well, for anyone else who happens to be in that group.
TEST_F(SystemdHelper, RefusesCallersOtherThanRootAndTheAccount) {
    startHelper();
    struct stat info {};
    ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0660u);
    const passwd* account = ::getpwnam(kAccount);
    ASSERT_NE(account, nullptr);
    EXPECT_EQ(info.st_gid, account->pw_gid);

    // uid 1 (daemon) in the account's group: past the file mode, refused by the uid check.
    int channel[2];
    ASSERT_EQ(::pipe(channel), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(channel[0]);
        const gid_t group = account->pw_gid;
        if (::setgroups(0, nullptr) != 0 || ::setgid(group) != 0 || ::setuid(1) != 0) ::_exit(2);
        const auto answer = ask(socket_, R"({"op": "hello"})");
        [[maybe_unused]] const auto written = ::write(channel[1], answer.data(), answer.size());
        ::_exit(0);
    }
    ::close(channel[1]);
    std::string answer;
    char buffer[1024];
    for (ssize_t n; (n = ::read(channel[0], buffer, sizeof buffer)) > 0;)
        answer.append(buffer, static_cast<std::size_t>(n));
    ::close(channel[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child could not switch";
    EXPECT_THAT(answer, HasSubstr("not allowed"));

    // Root is served.
    EXPECT_THAT(ask(socket_, R"({"op": "hello"})"), HasSubstr(R"("ok":true)"));
}

// The package's own unit files, under the sandboxed manager: belfry-systemd-helper.socket is
// listening before anyone asks, and belfryd's first request starts the helper with its
// hardening in place. Only the paths (and the group) differ from the packaged files.
TEST_F(SystemdHelper, ThePackagedSocketStartsTheHelperOnBelfrydsFirstRequest) {
    const auto group = ::getgrgid(::getpwnam(kAccount)->pw_gid);
    ASSERT_NE(group, nullptr);
    // The unit gives the helper a private /tmp, where the daemon's configuration is: it reads a
    // copy outside /tmp. The socket may stay there: the manager binds it and hands it over.
    const auto config = systemdSandboxDir() + "/helper-test.properties";
    fs::copy_file(daemon_->configPath(), config, fs::copy_options::overwrite_existing);
    ::chmod(config.c_str(), 0644);
    std::vector<std::pair<std::string, std::string>> paths{
        {"/usr/libexec/belfry/belfry-systemd-helper", BELFRY_SYSTEMD_HELPER_PATH},
        {"/etc/belfry/belfry.properties", config},
        {"/run/belfry-systemd-helper.sock", socket_},
        {"ReadWritePaths=/etc/systemd/system", "ReadWritePaths=" + unitDir_},
        {"SocketGroup=belfry", std::string("SocketGroup=") + group->gr_name},
        {"belfry-systemd-helper.socket", "test-belfry-helper.socket"},
    };
    // The packaged helper and its configuration are in /usr and /etc. Here the helper, the copy
    // of the configuration and the sandbox manager's socket are in the build tree, which a checkout
    // in a home directory or under /tmp would hide from it: only then is that one option relaxed.
    const std::string needed[] = {BELFRY_SYSTEMD_HELPER_PATH, config, systemdSandboxDir()};
    const auto anyUnder = [&](std::initializer_list<const char*> prefixes) {
        for (const auto& path : needed) {
            for (const auto* prefix : prefixes) {
                if (path.rfind(prefix, 0) == 0) return true;
            }
        }
        return false;
    };
    if (anyUnder({"/home/", "/root/", "/run/user/"}))
        paths.push_back({"ProtectHome=yes", "ProtectHome=no"});
    if (anyUnder({"/tmp/", "/var/tmp/"})) paths.push_back({"PrivateTmp=yes", "PrivateTmp=no"});
    for (const auto* suffix : {".socket", ".service"}) {
        std::ifstream in(std::string(BELFRY_SOURCE_DIR) + "/linux/belfry-systemd-helper" + suffix);
        std::stringstream text;
        text << in.rdbuf();
        auto unit = text.str();
        ASSERT_FALSE(unit.empty());
        for (const auto& [from, to] : paths) {
            for (auto at = unit.find(from); at != std::string::npos; at = unit.find(from, at)) {
                unit.replace(at, from.size(), to);
                at += to.size();
            }
        }
        std::ofstream(unitDir_ + "/test-belfry-helper" + suffix) << unit;
    }
    struct Cleanup {
        std::string unitDir;
        ~Cleanup() {
            sandboxSystemctl({"stop", "test-belfry-helper.socket", "test-belfry-helper.service"});
            fs::remove(unitDir + "/test-belfry-helper.socket");
            fs::remove(unitDir + "/test-belfry-helper.service");
            sandboxSystemctl({"daemon-reload"});
        }
    } cleanup{unitDir_};
    ASSERT_EQ(sandboxSystemctl({"daemon-reload"}).exitCode, 0);
    const auto started = sandboxSystemctl({"start", "test-belfry-helper.socket"});
    ASSERT_EQ(started.exitCode, 0) << started.err;
    struct stat info {};
    ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0660u);
    EXPECT_EQ(info.st_gid, group->gr_gid);
    EXPECT_NE(sandboxSystemctl({"is-active", "test-belfry-helper.service"}).exitCode, 0)
        << "the helper runs before anyone asked for it";

    startUnprivilegedDaemon();
    EXPECT_THAT(daemon_->request("GET", "/v1/health", "", false)
                    .json->getValue<std::string>("scheduler_choice"),
                HasSubstr("through the helper at " + socket_));
    createJob("activated", R"({"cron": "0 3 * * *"})");
    EXPECT_TRUE(fs::exists(unitDir_ + "/belfry-activated.timer"));
    EXPECT_TRUE(os("activated")->getValue<bool>("enabled"));
    EXPECT_EQ(sandboxSystemctl({"is-active", "test-belfry-helper.service"}).exitCode, 0);
}

// What root writes into units comes from the helper's configuration file, so a file in a
// directory belfryd's account owns (it could put another file in its place) is refused.
TEST_F(SystemdHelper, RefusesAConfigurationTheClientCouldReplace) {
    daemon_->runAs(kAccount);  // its state directory, where its configuration is, is nobody's
    const auto refused =
        runCommand({BELFRY_SYSTEMD_HELPER_PATH, "--config", daemon_->configPath()}, env_, 10s);
    EXPECT_EQ(refused.exitCode, 78);
    EXPECT_THAT(refused.err, HasSubstr("its directory must be owned by root"));
    EXPECT_FALSE(fs::exists(socket_));
}

TEST(SystemdHelperChoice, SystemdBackendWithAnUnansweringHelperDoesNotStart) {
    TestDaemon daemon({"scheduler.backend = systemd", "systemd.scope = user",
                       "systemd.helper = /nonexistent-belfry/helper.sock"},
                      systemdSandboxEnv());
    const int pid = startCommand({BELFRYD_PATH, "--config", daemon.configPath()});
    EXPECT_EQ(waitForExit(pid, 30s), 69);  // EX_UNAVAILABLE: systemd restarts it later
}

TEST(SystemdHelperChoice, AutoWithAnUnansweringHelperFallsBackToTheInternalTimer) {
    TestDaemon daemon({"scheduler.backend = auto", "systemd.scope = user",
                       "systemd.helper = /nonexistent-belfry/helper.sock"},
                      systemdSandboxEnv());
    daemon.start();
    const auto health = daemon.request("GET", "/v1/health", "", false);
    EXPECT_EQ(health.json->getValue<std::string>("scheduler"), "internal");
    EXPECT_THAT(health.json->getValue<std::string>("scheduler_choice"),
                HasSubstr("auto: the systemd helper at /nonexistent-belfry/helper.sock"));
}

}  // namespace
}  // namespace belfry::test
