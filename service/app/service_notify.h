// Readiness and stop notifications to the service manager (systemd's sd_notify protocol), so a
// `Type=notify` unit is "active" only once the API answers, and `systemctl stop` shows the
// service as stopping while running jobs wind down.
//
// Both calls are no-ops when belfryd was not started by a service manager that asked for them
// ($NOTIFY_SOCKET unset), and on platforms without the protocol. Failures to notify are ignored:
// the manager then falls back to its own timeouts, which is all a notification could change.
// Thread-safety: may be called from any thread; they only read the environment.
#pragma once

#include <string>

namespace belfry {

// READY=1: the API listens and the endpoint file is written. `status` is a one-line text the
// manager shows in `systemctl status` (STATUS=).
void notifyReady(const std::string& status);

// STOPPING=1: shutdown has begun (no new work; running jobs are being stopped).
void notifyStopping();

}  // namespace belfry
