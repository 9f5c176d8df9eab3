// belfry-systemd-helper: registers belfryd's job timers with the systemd manager on its behalf,
// so that belfryd itself can run unprivileged (README "Timers in the system manager").
//
//   belfry-systemd-helper --config FILE [--socket PATH]
//
// Runs as root, socket-activated by belfry-systemd-helper.socket (the socket systemd passes it,
// sd_listen_fds protocol), or listening itself on --socket / `systemd.helper` (mode 0660, group of
// the account). Everything that decides what a unit runs comes from FILE, which must not be
// writable by belfryd's account: `systemd.scope`, `systemd.unit_dir`, `bridge.client`, and
// `systemd.helper.account` (default `belfry`): the one account besides root allowed to connect,
// and, with the system manager, the User= that `belfry fire` runs as. belfryd sends job names
// and schedules only (helper_protocol.h).
//
// Exit codes: 0 after SIGTERM/SIGINT, 64 for a bad command line, 78 for a bad configuration,
// 1 when it cannot listen.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "belfry/executable_directory.h"
#include "helper_server.h"
#include "properties.h"
#include "systemd_scheduler.h"
#include "unix_line_socket.h"

namespace {

using namespace belfry;
using namespace belfry::systemd;

constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;

struct HelperConfig {
    Scope scope = Scope::System;
    std::string unitDir = "/etc/systemd/system";
    std::string client;
    std::string configFile;  // absolute: it goes into ExecStart=
    std::string socketPath;
    std::string account = "belfry";
    uid_t accountUid = 0;
    gid_t accountGid = 0;
};

[[noreturn]] void fail(int code, const std::string& message) {
    std::fprintf(stderr, "belfry-systemd-helper: %s\n", message.c_str());
    std::exit(code);
}

bool executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

// The `belfry` client: beside this program (the build tree) or in ../../bin (installed under
// PREFIX/libexec/belfry).
std::string defaultClient() {
    const auto directory = executableDirectory();
    for (const auto& candidate : {directory + "/belfry", directory + "/../../bin/belfry"}) {
        char resolved[PATH_MAX];
        if (executable(candidate) && ::realpath(candidate.c_str(), resolved)) return resolved;
    }
    return "/usr/bin/belfry";
}

HelperConfig loadConfig(const std::string& path, const std::string& socketOverride) {
    HelperConfig config;
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) fail(kExitConfig, "cannot find " + path);
    config.configFile = resolved;
    // The file decides what root writes into units: refuse one that anyone but its owner (root)
    // could have changed or replaced. Checked on the open file, so it cannot be swapped after the
    // check, and on its directory (a sticky one, like /tmp, protects a root-owned file too).
    const auto trusted = [](const struct stat& info) {
        return (info.st_uid == 0 || info.st_uid == ::geteuid()) &&
               (!(info.st_mode & (S_IWGRP | S_IWOTH)) ||
                (S_ISDIR(info.st_mode) && (info.st_mode & S_ISVTX)));
    };
    const std::string directory = config.configFile.substr(0, config.configFile.rfind('/') + 1);
    struct stat fileInfo {
    }, directoryInfo{};
    const int fd = ::open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || ::fstat(fd, &fileInfo) != 0 || !S_ISREG(fileInfo.st_mode) || !trusted(fileInfo) ||
        ::stat(directory.c_str(), &directoryInfo) != 0 || !trusted(directoryInfo)) {
        fail(kExitConfig, config.configFile +
                              " and its directory must be owned by root (or this helper's user) "
                              "and writable by their owner only: the file decides what the units "
                              "run");
    }
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    const auto properties =
        cli::Properties::parse(text, cli::Properties::syntaxForPath(config.configFile));
    const auto env = cli::processEnvironment();
    const auto scope = properties.get("systemd.scope", env).value_or("system");
    if (scope != "system" && scope != "user")
        fail(kExitConfig, "systemd.scope must be system or user, not '" + scope + "'");
    config.scope = scope == "user" ? Scope::User : Scope::System;
    config.unitDir = properties.get("systemd.unit_dir", env).value_or(config.unitDir);
    config.client = properties.get("bridge.client", env).value_or("");
    if (config.client.empty()) config.client = defaultClient();
    config.socketPath = socketOverride.empty() ? properties.get("systemd.helper", env).value_or("")
                                               : socketOverride;
    config.account = properties.get("systemd.helper.account", env).value_or(config.account);
    const passwd* account = ::getpwnam(config.account.c_str());
    if (!account)
        fail(kExitConfig, "systemd.helper.account: no such account '" + config.account + "'");
    config.accountUid = account->pw_uid;
    config.accountGid = account->pw_gid;
    return config;
}

// The socket systemd passed (LISTEN_FDS, first descriptor 3), or -1.
int socketFromSystemd() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid()) || std::atoi(fds) < 1)
        return -1;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    return 3;
}

}  // namespace

int main(int argc, char** argv) {
    std::string configPath = "/etc/belfry/belfry.properties", socketOverride;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--config" || arg == "--socket") && i + 1 < argc) {
            (arg == "--config" ? configPath : socketOverride) = argv[++i];
        } else if (arg == "--version") {
            std::printf("belfry-systemd-helper %s\n", BELFRY_VERSION);
            return 0;
        } else {
            fail(kExitUsage, "usage: belfry-systemd-helper --config FILE [--socket PATH]");
        }
    }
    const auto config = loadConfig(configPath, socketOverride);

    // SIGTERM/SIGINT are taken by a thread of their own (sigwait), so stopping is an ordinary
    // call; blocked before any other thread starts, so none of them takes the signal instead.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    int listenFd = socketFromSystemd();
    const bool ownSocket = listenFd < 0;
    if (ownSocket) {
        if (config.socketPath.empty())
            fail(kExitUsage, "not socket-activated: give --socket PATH or systemd.helper");
        std::string error;
        listenFd = listenOnUnixSocket(config.socketPath, 0660, &error);
        if (listenFd < 0) fail(1, error);
        if (::chown(config.socketPath.c_str(), 0, config.accountGid) != 0 && ::geteuid() == 0)
            fail(1, "chown " + config.socketPath + ": " + std::strerror(errno));
    }

    SystemdOptions options;
    options.scope = config.scope;
    options.unitDir = config.unitDir;
    options.units.client = config.client;
    options.units.configFile = config.configFile;
    // The system manager would run `belfry fire` as root; it runs as the account instead, which
    // owns belfryd's state (token, spool). A user manager runs everything as its own user.
    if (config.scope == Scope::System) options.units.user = config.account;
    SystemdScheduler scheduler(options);

    HelperServerOptions serverOptions;
    serverOptions.allowedUids = {0, config.accountUid};
    serverOptions.instance =
        std::to_string(::getpid()) + "-" +
        std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    const std::string where = std::string(config.scope == Scope::User ? "user" : "system") +
                              " manager, units in " + config.unitDir;
    serverOptions.ready = [&config, where](std::string* detail) {
        std::string why;
        if (!SystemdScheduler::managerReachable(config.scope, std::chrono::seconds(3), &why)) {
            *detail =
                "the systemd " + where.substr(0, where.find(',')) + " does not answer: " + why;
            return false;
        }
        std::string unitDirProblem;
        if (!SystemdScheduler::unitDirWritable(config.unitDir, &unitDirProblem)) {
            *detail = unitDirProblem;
            return false;
        }
        *detail = why + ", " + where;
        return true;
    };
    HelperServer server(scheduler, serverOptions);
    std::thread signals([&] {
        int signal = 0;
        sigwait(&stopSignals, &signal);
        server.stop();
    });
    std::fprintf(stderr,
                 "belfry-systemd-helper %s: serving uid 0 and %s (%u); %s; units run %s fire\n",
                 BELFRY_VERSION, config.account.c_str(), static_cast<unsigned>(config.accountUid),
                 where.c_str(), config.client.c_str());
    server.serve(listenFd);
    signals.detach();  // still in sigwait() when serve() ended for another reason
    // A socket of its own goes with it, so nobody mistakes the file for a listening helper.
    if (ownSocket) ::unlink(config.socketPath.c_str());
    return 0;
}
