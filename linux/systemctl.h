// Runs `systemctl [--user] ARGS...` as a child process (posix_spawn, never a shell) and captures
// its exit status, stdout and stderr, killing it after a deadline so a hung manager cannot hang
// belfryd. This is how the systemd bridge talks to the manager in this slice.
//
// Why systemctl and not sd-bus (measured against the sandboxed `systemd --user` 252 on this
// project's 2 shared cores, load ~2.7, 20 calls each, median [min-max]): `show -p Version`
// 13.7 ms [9.0-22.7]; state()'s one `show` of timer and service 19.9 ms [15.8-26.0];
// `daemon-reload` 107 ms [94-121] (the manager's own work, the same over D-Bus); exec of
// /bin/true alone 2.9 ms. So a call costs ~10-20 ms of exec, dynamic loading and bus setup, and a
// job changed through the API (write, reload, enable --now) ~150 ms, dominated by the reload.
//
// Re-measured for the reconcile batch (the decision point the issue names), same sandbox, load
// ~2.7: a small C client on sd-bus over the private socket takes 2.9 ms for connect +
// GetUnitFileState and 0.77 ms per call on an open connection, against 4.3-5.1 ms for
// `systemctl is-enabled`; a Reload is 42 ms over sd-bus and 47-51 ms through systemctl. A
// reconcile makes at most four systemctl calls whatever the number of jobs (list-units, stop,
// daemon-reload, start; systemd_reconcile.cpp), so sd-bus would save ~10-20 ms of a batch that
// costs 0.3 s for one job and seconds for 1,000 — where the time goes to the manager's own
// per-unit work (UnitFileState, enable and show are O(N) per unit: ~25 s for `show` of 2,000
// units) and to the file system, neither of which a different transport changes. systemctl
// stays: one code path, systemd's own error texts, scope handling and [Install] logic for the
// per-job API path. sd-bus is used only in the systemd tests, to count the manager's Reloading
// signals (tests/systemd/manager_reloads.h).
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
