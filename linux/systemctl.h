// Runs `systemctl [--user] ARGS...` as a child process (posix_spawn, never a shell) and captures
// its exit status, stdout and stderr, killing it after a deadline so a hung manager cannot hang
// belfryd. This is how the systemd bridge talks to the manager in this slice.
//
// Why systemctl and not sd-bus (measured against the sandboxed `systemd --user` 252 on this
// project's 2 shared cores, load ~2.7, 20 calls each, median [min-max]): `show -p Version`
// 13.7 ms [9.0-22.7]; state()'s one `show` of timer and service 19.9 ms [15.8-26.0];
// `daemon-reload` 107 ms [94-121] (the manager's own work, the same over D-Bus); exec of
// /bin/true alone 2.9 ms. So a call costs ~10-20 ms of exec, dynamic loading and bus setup, and a
// job changed through the API (write, reload, enable --now) ~150 ms, dominated by the reload. For
// one job at a time that is acceptable, and systemctl brings systemd's own error texts, [Install]
// enablement (symlinks) and scope handling for free. sd-bus (libsystemd) would save the ~10-20 ms
// per call and let one connection reload once and Enable/Start many units; that is the 200-job
// batch work, behind this same interface. GET /v1/jobs costs one `show` per job until then.
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
