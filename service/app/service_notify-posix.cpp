#include <systemd/sd-daemon.h>

#include "service_notify.h"

namespace belfry {

// sd_notify() returns 0 without doing anything when $NOTIFY_SOCKET is unset. It is called with
// unset_environment = 0 because belfryd notifies twice; jobs do not inherit the socket because
// the process runner leaves NOTIFY_SOCKET out of their environment.

void notifyReady(const std::string& status) {
    const std::string message = "READY=1\nSTATUS=" + status;
    sd_notify(0, message.c_str());
}

void notifyStopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: waiting for running jobs");
}

}  // namespace belfry
