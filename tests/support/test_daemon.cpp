#include "test_daemon.h"
#include "fresh_temp_dir.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace belfry::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extraEnv,
          int outFd, int errFd) {
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const auto key = entry.substr(0, entry.find('='));
        if (!extraEnv.count(key)) envStrings.push_back(entry);
    }
    for (const auto& [key, value] : extraEnv) envStrings.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : envStrings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (outFd >= 0) posix_spawn_file_actions_adddup2(&actions, outFd, 1);
    if (errFd >= 0) posix_spawn_file_actions_adddup2(&actions, errFd, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    return pid;
}

// Waits for `pid` up to `timeout`; returns the wait status or -1 on timeout.
int waitFor(int pid, std::chrono::milliseconds timeout) {
    int status = 0;
    const bool exited =
        eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
    return exited ? status : -1;
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= deadline) return condition();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int startCommand(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& extraEnv) {
    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    const int pid = spawn(argv, extraEnv, devNull, devNull);
    ::close(devNull);
    return pid;
}

int waitForExit(int pid, std::chrono::milliseconds timeout) {
    const int status = waitFor(pid, timeout);
    if (status == -1) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandResult runCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& extraEnv,
                         std::chrono::milliseconds timeout) {
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    const int pid = spawn(argv, extraEnv, outPipe[1], errPipe[1]);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    CommandResult result;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    const auto deadline = Clock::now() + timeout;
    int open = 2;
    bool killed = false;
    while (open > 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 && !killed) {
            ::kill(pid, SIGKILL);
            killed = true;
        }
        if (::poll(fds, 2, killed ? 1000 : static_cast<int>(left.count())) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buffer[65536];
            const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed) result.err += "\n[test: killed after timeout]";
    return result;
}

TestDaemon::TestDaemon(std::vector<std::string> extraConfig,
                       std::map<std::string, std::string> environment)
    : environment_(std::move(environment)) {
    stateDir_ = freshTempDirectory("/tmp/belfry-test-");
    configPath_ = stateDir_ + "/belfry.properties";
    std::ofstream config(configPath_);
    config << "http.listen = 127.0.0.1:0\n"
           << "state.dir = " << stateDir_ << "\n"
           << "log.file = " << stateDir_ << "/belfryd.log\n"
           << "log.level = debug\n"
           << "workers = 4\n"
           << "shutdown.grace = 5s\n"
           // Never the host's own systemd (auto would register timers there); systemd tests
           // override this with the sandbox's user manager.
           << "scheduler.backend = internal\n"
           // Never the host's belfry-systemd-helper either (its default socket, when the
           // package is installed); the helper tests name their own.
           << "systemd.helper =\n";
    for (const auto& line : extraConfig) config << line << '\n';
}

TestDaemon::~TestDaemon() {
    if (pid_ > 0) killHard();
    Poco::File(stateDir_).remove(true);
}

void TestDaemon::runAs(const std::string& account) {
    const passwd* entry = ::getpwnam(account.c_str());
    ASSERT_NE(entry, nullptr) << "no account " << account;
    ASSERT_EQ(::chown(stateDir_.c_str(), entry->pw_uid, entry->pw_gid), 0) << std::strerror(errno);
    launcher_ = {"/usr/bin/setpriv", "--reuid=" + std::to_string(entry->pw_uid),
                 "--regid=" + std::to_string(entry->pw_gid), "--clear-groups"};
}

void TestDaemon::start(const std::map<std::string, std::string>& extraEnv) {
    const auto endpointFile = stateDir_ + "/endpoint";
    if (Poco::File(endpointFile).exists()) Poco::File(endpointFile).remove();
    const int logFd = ::open((stateDir_ + "/stderr.log").c_str(),
                             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    auto environment = environment_;
    for (const auto& [key, value] : extraEnv) environment[key] = value;
    auto argv = launcher_;
    argv.insert(argv.end(), {BELFRYD_PATH, "--config", configPath_});
    pid_ = spawn(argv, environment, logFd, logFd);
    ::close(logFd);
    const bool up = eventually([&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            return true;
        }
        return Poco::File(endpointFile).exists();
    });
    ASSERT_TRUE(up && pid_ > 0) << "belfryd did not start:\n"
                                << readFile(stateDir_ + "/stderr.log");
    const auto endpoint = readFile(endpointFile);
    port_ = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    token_ = readFile(stateDir_ + "/admin.token");
    while (!token_.empty() && std::isspace(static_cast<unsigned char>(token_.back())))
        token_.pop_back();
}

int TestDaemon::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int status = waitFor(pid_, std::chrono::seconds(30));
    if (status == -1) {
        killHard();
        ADD_FAILURE() << "belfryd did not stop within 30 s of SIGTERM";
        return -1;
    }
    pid_ = 0;
    return status;
}

void TestDaemon::killHard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitFor(pid_, std::chrono::seconds(10));
    pid_ = 0;
}

HttpResult TestDaemon::request(const std::string& method, const std::string& path,
                               const std::string& body, bool authorized,
                               const std::string& tokenOverride) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (authorized)
        req.set("Authorization", "Bearer " + (tokenOverride.empty() ? token_ : tokenOverride));
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    auto& in = session.receiveResponse(res);
    HttpResult result;
    result.status = res.getStatus();
    Poco::StreamCopier::copyToString(in, result.body);
    if (!result.body.empty() && result.body.front() == '{') {
        Poco::JSON::Parser parser;
        result.json = parser.parse(result.body).extract<Poco::JSON::Object::Ptr>();
    }
    return result;
}

std::string TestDaemon::rawRequest(const std::string& bytes) {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    std::string reply;
    char buffer[4096];
    try {
        for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) reply.append(buffer, n);
    } catch (const Poco::Exception&) {
        // a reset after the answer is fine: the answer is what the test reads
    }
    return reply;
}

void TestDaemon::createJob(const std::string& json) {
    const auto result = request("POST", "/v1/jobs", json);
    ASSERT_EQ(result.status, 201) << result.body;
}

long long TestDaemon::runNow(const std::string& job) {
    const auto result = request("POST", "/v1/jobs/" + job + "/runs", "{}");
    EXPECT_EQ(result.status, 202) << result.body;
    return result.json ? result.json->getValue<long long>("run") : 0;
}

Poco::JSON::Object::Ptr TestDaemon::waitForRunEnd(long long id, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const auto waitMs = std::max<long long>(0, std::min<long long>(left.count(), 10'000));
        const auto result = request(
            "GET", "/v1/runs/" + std::to_string(id) + "?wait=" + std::to_string(waitMs) + "ms");
        if (result.status != 200 || !result.json) {
            ADD_FAILURE() << "GET run " << id << " answered " << result.status << ": "
                          << result.body;
            return nullptr;
        }
        const auto state = result.json->getValue<std::string>("state");
        if (state != "queued" && state != "running") return result.json;
        if (Clock::now() >= deadline) {
            ADD_FAILURE() << "run " << id << " still " << state << " after " << timeout.count()
                          << " ms";
            return result.json;
        }
    }
}

std::string TestDaemon::runState(long long id) {
    const auto result = request("GET", "/v1/runs/" + std::to_string(id));
    return result.json ? result.json->getValue<std::string>("state") : "";
}

std::vector<std::string> TestDaemon::cliArgv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{BELFRY_CLI_PATH, "--config", configPath_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

CommandResult TestDaemon::cli(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& extraEnv) {
    return runCommand(cliArgv(args), extraEnv);
}

std::string TestDaemon::log() const {
    return readFile(stateDir_ + "/belfryd.log");
}

}  // namespace belfry::test
