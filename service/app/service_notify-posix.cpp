// The notify protocol spoken directly, not through libsystemd's sd_notify(): one datagram with
// the message to the AF_UNIX socket named in $NOTIFY_SOCKET ("@..." is the abstract namespace);
// the kernel attaches the sender's pid, which is how the manager checks NotifyAccess=main.
//
// Why not libsystemd: systemd documents this protocol as stable and independently
// reimplementable (sd_notify(3), "Standalone Implementations"; the Interface Portability and
// Stability chart), and recommends exactly this to programs that need nothing else from it.
// belfryd needed nothing else, and linking libsystemd mapped it and six libraries it depends on
// (gcrypt, gpg-error, lz4, lzma, zstd, cap): about 1 MiB of belfryd's idle RSS.
//
// $NOTIFY_SOCKET stays set (belfryd notifies twice); jobs do not inherit it because the process
// runner leaves NOTIFY_SOCKET out of their environment.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "service_notify.h"

namespace belfry {
namespace {

void notify(const std::string& message) {
    const char* name = std::getenv("NOTIFY_SOCKET");
    if (name == nullptr || (name[0] != '/' && name[0] != '@')) return;  // no manager, or vsock
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(name);
    if (length < 2 || length >= sizeof address.sun_path) return;
    std::memcpy(address.sun_path, name, length);
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract: no terminating NUL
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), size) == 0) {
        // A datagram is sent whole or not at all; a failure is ignored (see the header).
        [[maybe_unused]] const auto sent = ::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
    }
    ::close(fd);
}

}  // namespace

void notifyReady(const std::string& status) {
    notify("READY=1\nSTATUS=" + status);
}

void notifyStopping() {
    notify("STOPPING=1\nSTATUS=stopping: waiting for running jobs");
}

}  // namespace belfry
