// The POSIX transport of HttpClient: non-blocking sockets, every wait in ppoll() so that deadlines
// hold and a stop signal (stop_signal.h) can interrupt it without a race.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http_client.h"
#include "stop_signal-posix.h"
#include "stop_signal.h"

namespace belfry::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText(int number) {
    return std::strerror(number);
}

// Waits until `fd` is ready for `events` or the deadline passes. On a timeout reports
// `timeoutKind` with "`what`: timed out".
bool waitFor(int fd, short events, Clock::time_point deadline, bool interruptible,
             HttpErrorKind timeoutKind, const std::string& what, HttpError* error) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            error->kind = timeoutKind;
            error->message = what + ": timed out";
            return false;
        }
        timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                         static_cast<long>(left.count() % 1'000'000'000)};
        pollfd pfd{fd, events, 0};
        const int ready = ppoll(&pfd, 1, &timeout, stopSignalWaitMask());
        if (ready > 0) return true;  // errors and hang-ups show up in the call that follows
        if (ready == 0) continue;    // the deadline check above reports it
        if (errno != EINTR) {
            error->kind = HttpErrorKind::kConnectionLost;
            error->message = what + ": " + errnoText(errno);
            return false;
        }
        if (interruptible && stopRequested()) {
            error->kind = HttpErrorKind::kInterrupted;
            error->message = what + ": interrupted by a stop signal";
            return false;
        }
    }
}

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

// Address literals are converted directly, so the common case (a loopback address) never touches
// the resolver and its NSS modules; names go through getaddrinfo.
std::vector<Address> resolve(const std::string& host, std::uint16_t port, std::string* error) {
    std::vector<Address> addresses;
    Address address;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        address.length = sizeof(sockaddr_in);
        addresses.push_back(address);
        return addresses;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        address.length = sizeof(sockaddr_in6);
        addresses.push_back(address);
        return addresses;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) {
        *error = rc == EAI_SYSTEM ? errnoText(errno) : gai_strerror(rc);
        return addresses;
    }
    for (const addrinfo* entry = list; entry; entry = entry->ai_next) {
        if (entry->ai_addrlen > sizeof(address.storage)) continue;
        Address resolved;
        std::memcpy(&resolved.storage, entry->ai_addr, entry->ai_addrlen);
        resolved.length = entry->ai_addrlen;
        addresses.push_back(resolved);
    }
    freeaddrinfo(list);
    return addresses;
}

}  // namespace

bool HttpClient::openTransport(const HttpRequest& request, Clock::time_point deadline,
                               HttpError* error) {
    const std::string what = "connect to " + describe();
    std::string resolveError;
    const std::vector<Address> addresses = resolve(host_, port_, &resolveError);
    if (addresses.empty()) {
        error->kind = HttpErrorKind::kUnreachable;
        error->message = what + ": " + resolveError;
        return false;
    }
    const auto connectDeadline = std::min(deadline, Clock::now() + connectTimeout_);
    for (const Address& address : addresses) {
        const int fd =
            ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error->kind = HttpErrorKind::kUnreachable;
            error->message = what + ": socket: " + errnoText(errno);
            continue;
        }
        int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
        if (rc != 0 && errno == EINPROGRESS) {
            if (waitFor(fd, POLLOUT, connectDeadline, request.interruptible,
                        HttpErrorKind::kUnreachable, what, error)) {
                int socketError = 0;
                socklen_t size = sizeof socketError;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &size);
                rc = socketError == 0 ? 0 : -1;
                errno = socketError;
            } else {
                ::close(fd);
                if (error->kind == HttpErrorKind::kInterrupted) return false;
                continue;
            }
        }
        if (rc == 0) {
            socket_ = fd;
            return true;
        }
        error->kind = HttpErrorKind::kUnreachable;
        error->message = what + ": " + errnoText(errno);
        ::close(fd);
    }
    return false;
}

bool HttpClient::writeAll(std::string_view data, const HttpRequest& request,
                          Clock::time_point deadline, HttpError* error) {
    const int fd = static_cast<int>(socket_);
    while (!data.empty()) {
        // MSG_NOSIGNAL: a peer that went away must be an error value, not a SIGPIPE.
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            data.remove_prefix(static_cast<std::size_t>(sent));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!waitFor(fd, POLLOUT, deadline, request.interruptible, HttpErrorKind::kTimeout,
                         "send to " + describe(), error)) {
                return false;
            }
        } else if (errno != EINTR) {
            error->kind = HttpErrorKind::kConnectionLost;
            error->message = "send to " + describe() + ": " + errnoText(errno);
            return false;
        }
    }
    return true;
}

bool HttpClient::readSome(const HttpRequest& request, Clock::time_point deadline, bool* eof,
                          HttpError* error) {
    const int fd = static_cast<int>(socket_);
    char chunk[16384];
    for (;;) {
        if (!waitFor(fd, POLLIN, deadline, request.interruptible, HttpErrorKind::kTimeout,
                     "response from " + describe(), error)) {
            return false;
        }
        const ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
        if (received > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(received));
            *eof = false;
            return true;
        }
        if (received == 0) {
            *eof = true;
            return true;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            error->kind = HttpErrorKind::kConnectionLost;
            error->message = "receive from " + describe() + ": " + errnoText(errno);
            return false;
        }
    }
}

void HttpClient::closeTransport() {
    ::close(static_cast<int>(socket_));
}

}  // namespace belfry::cli
