// Runs `systemctl [--user] ARGS...` as a child process (posix_spawn, never a shell) and captures
// its exit status, stdout and stderr, killing it after a deadline so a hung manager cannot hang
// belfryd. This is how the systemd bridge talks to the manager in this slice.
//
// Why systemctl and not sd-bus: one `systemctl --user show -p Version` costs 37-48 ms wall here
// (2 shared cores, load ~4; most of it is exec + dynamic loading, the manager answers in well
// under a millisecond), a `daemon-reload` ~30 ms plus ~0.35 ms per active timer, `enable --now`
// 5-6 ms per unit inside one call. For one job changed through the API that is well within an
// API call's budget, and systemctl brings systemd's own error texts, unit-file enablement logic
// (symlinks, [Install]) and scope handling for free. D-Bus through libsystemd (sd-bus) saves the
// exec per call and lets one connection batch a reload and many Enable/Start calls; it comes with
// the 200-job batch work, behind this same interface.
//
// Thread-safety: runSystemctl() may be called from many threads at once; each call owns its
// child and pipes. It copies belfryd's environment at each spawn (XDG_RUNTIME_DIR and
// DBUS_SESSION_BUS_ADDRESS select the user manager), with TZ=UTC and LC_ALL=C added so that
// timestamps and messages have one parseable form.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace belfry::systemd {

enum class Scope { System, User };

struct SystemctlResult {
    int exitCode = -1;  // 128+N when killed by signal N; -1 when it could not start
    bool timedOut = false;
    std::string out;
    std::string err;  // systemctl's stderr, or why it could not start

    bool ok() const { return exitCode == 0 && !timedOut; }
    // A one-line reason for an operator: stderr trimmed, else the exit status.
    std::string reason() const;
};

// Runs /bin/systemctl (or $PATH's systemctl when that does not exist) with `--user` for
// Scope::User, `--no-pager --no-ask-password`, then `args`.
SystemctlResult runSystemctl(Scope scope, const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace belfry::systemd
