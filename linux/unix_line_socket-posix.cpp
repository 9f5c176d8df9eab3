#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "unix_line_socket.h"

namespace belfry::systemd {
namespace {

std::string systemError(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

bool fillAddress(const std::string& path, sockaddr_un* address, std::string* error) {
    std::memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address->sun_path) {
        *error = "socket path '" + path + "' is empty or too long";
        return false;
    }
    std::memcpy(address->sun_path, path.c_str(), path.size() + 1);
    return true;
}

// Milliseconds left until `deadline` for poll(); 0 when it has passed.
int millisLeft(LineSocket::Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - LineSocket::Clock::now())
            .count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// Waits for `events` on `fd`; false and `error` on timeout or failure.
bool waitFor(int fd, short events, LineSocket::Clock::time_point deadline, std::string* error) {
    for (;;) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, millisLeft(deadline));
        if (ready > 0) return true;
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            *error = systemError("poll");
            return false;
        }
        if (LineSocket::Clock::now() >= deadline) {
            *error = "timed out";
            return false;
        }
    }
}

}  // namespace

LineSocket::~LineSocket() {
    if (fd_ >= 0) ::close(fd_);
}

LineSocket LineSocket::connectTo(const std::string& path, std::string* error) {
    sockaddr_un address;
    if (!fillAddress(path, &address, error)) return LineSocket();
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = systemError("socket");
        return LineSocket();
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        *error = systemError("connect to " + path);
        ::close(fd);
        return LineSocket();
    }
    return LineSocket(fd);
}

bool LineSocket::send(const std::string& line, Clock::time_point deadline, std::string* error) {
    const std::string framed = line + "\n";
    std::size_t sent = 0;
    while (sent < framed.size()) {
        if (!waitFor(fd_, POLLOUT, deadline, error)) {
            *error = "sending: " + *error;
            return false;
        }
        const auto n =
            ::send(fd_, framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            *error = systemError("send");
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<std::string> LineSocket::receive(Clock::time_point deadline, std::size_t maxLength,
                                               std::string* error) {
    for (;;) {
        const auto end = buffer_.find('\n');
        if (std::min(end, buffer_.size()) > maxLength) {
            *error = "message longer than " + std::to_string(maxLength) + " bytes";
            return std::nullopt;
        }
        if (end != std::string::npos) {
            auto line = buffer_.substr(0, end);
            buffer_.erase(0, end + 1);
            return line;
        }
        if (!waitFor(fd_, POLLIN, deadline, error)) {
            *error = "waiting for an answer: " + *error;
            return std::nullopt;
        }
        char chunk[65536];
        const auto n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            *error = systemError("recv");
            return std::nullopt;
        }
        if (n == 0) {
            *error = buffer_.empty() ? "" : "connection closed in the middle of a message";
            return std::nullopt;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

std::optional<uid_t> LineSocket::peerUid() const {
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return std::nullopt;
    return credentials.uid;
}

int listenOnUnixSocket(const std::string& path, mode_t mode, std::string* error) {
    sockaddr_un address;
    if (!fillAddress(path, &address, error)) return -1;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = systemError("socket");
        return -1;
    }
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0 && S_ISSOCK(existing.st_mode)) ::unlink(path.c_str());
    // Bound with no access for anyone, then opened up to `mode`: no moment where a wider umask
    // lets someone else connect.
    const mode_t previous = ::umask(0777);
    const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::umask(previous);
    if (!bound || ::chmod(path.c_str(), mode) != 0 || ::listen(fd, 16) != 0) {
        *error = systemError("listen on " + path);
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace belfry::systemd
