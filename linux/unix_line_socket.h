// Newline-framed messages over a Unix stream socket, with deadlines: the transport between
// belfryd and belfry-systemd-helper (helper_protocol.h). Every wait is bounded, so a helper that
// hangs cannot hang belfryd's API, and a client that stalls cannot hold the helper.
//
// Thread-safety: a LineSocket is used by one thread at a time; distinct objects are independent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace belfry::systemd {

class LineSocket {
  public:
    using Clock = std::chrono::steady_clock;

    LineSocket() = default;
    explicit LineSocket(int fd) : fd_(fd) {}
    ~LineSocket();
    LineSocket(LineSocket&& other) noexcept : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
        other.fd_ = -1;
    }
    LineSocket& operator=(LineSocket&&) = delete;
    LineSocket(const LineSocket&) = delete;
    LineSocket& operator=(const LineSocket&) = delete;

    // Connects to the socket at `path`; an invalid LineSocket and `error` when it cannot.
    static LineSocket connectTo(const std::string& path, std::string* error);

    bool valid() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    // Writes `line` and a newline (the line must not contain one). False and `error` on failure
    // or when `deadline` passes first.
    bool send(const std::string& line, Clock::time_point deadline, std::string* error);
    // The next line without its newline; nullopt and `error` on end of stream, a line longer than
    // `maxLength`, a failure, or when `deadline` passes first ("" in `error` for a clean end of
    // stream before any byte of a new line).
    std::optional<std::string> receive(Clock::time_point deadline, std::size_t maxLength,
                                       std::string* error);

    // The peer's user id (SO_PEERCRED), nullopt when the system cannot say.
    std::optional<uid_t> peerUid() const;

  private:
    int fd_ = -1;
    std::string buffer_;  // bytes received after the last line returned
};

// A listening socket at `path` (a stale socket file there is replaced) with the file's mode set to
// `mode`; -1 and `error` on failure.
int listenOnUnixSocket(const std::string& path, mode_t mode, std::string* error);

}  // namespace belfry::systemd
