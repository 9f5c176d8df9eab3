#include "systemctl.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace belfry::systemd {
namespace {

using Clock = std::chrono::steady_clock;

std::string systemctlPath() {
    for (const char* candidate : {"/bin/systemctl", "/usr/bin/systemctl"}) {
        if (::access(candidate, X_OK) == 0) return candidate;
    }
    return "systemctl";  // posix_spawnp looks it up in PATH
}

// belfryd's environment with the overrides applied.
std::vector<std::string> childEnvironment() {
    const std::map<std::string, std::string> overrides{
        {"TZ", "UTC"}, {"LC_ALL", "C"}, {"SYSTEMD_PAGER", ""}, {"SYSTEMD_COLORS", "0"}};
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        if (!overrides.count(entry.substr(0, entry.find('=')))) env.push_back(entry);
    }
    for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
    return env;
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string SystemctlResult::reason() const {
    auto text = err;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (auto& c : text) {
        if (c == '\n') c = ' ';
    }
    if (timedOut) return "systemctl did not answer in time" + (text.empty() ? "" : ": " + text);
    if (!text.empty()) return text;
    return "systemctl exited with status " + std::to_string(exitCode);
}

SystemctlResult runSystemctl(Scope scope, const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
    SystemctlResult result;
    std::vector<std::string> argv{systemctlPath()};
    if (scope == Scope::User) argv.push_back("--user");
    argv.push_back("--no-pager");
    argv.push_back("--no-ask-password");
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& arg : argv) cargs.push_back(arg.data());
    cargs.push_back(nullptr);
    auto envStrings = childEnvironment();
    std::vector<char*> envp;
    for (auto& entry : envStrings) envp.push_back(entry.data());
    envp.push_back(nullptr);

    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0) {
        result.err = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    Fd outRead{outPipe[0]}, outWrite{outPipe[1]};
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        result.err = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    Fd errRead{errPipe[0]}, errWrite{errPipe[1]};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outWrite.fd, 1);
    posix_spawn_file_actions_adddup2(&actions, errWrite.fd, 2);
    // belfryd blocks termination signals in all threads; systemctl must start with a clean mask
    // and default dispositions, or a stuck one could not be stopped.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc =
        ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, cargs.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        result.err = "cannot start " + argv[0] + ": " + std::strerror(rc);
        return result;
    }
    ::close(outWrite.fd);
    outWrite.fd = -1;
    ::close(errWrite.fd);
    errWrite.fd = -1;

    pollfd fds[2] = {{outRead.fd, POLLIN, 0}, {errRead.fd, POLLIN, 0}};
    const auto deadline = Clock::now() + timeout;
    int open = 2;
    while (open > 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            ::kill(pid, SIGKILL);
            result.timedOut = true;
            break;
        }
        const int ready = ::poll(fds, 2, static_cast<int>(left));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buffer[16384];
            const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace belfry::systemd
