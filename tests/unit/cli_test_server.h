// Test helpers for the `belfry` CLI's unit tests: a scripted HTTP server on a loopback port, served
// by one background thread over raw sockets (so the client is tested against bytes we choose:
// chunked, Content-Length, keep-alive, closes, stalls), temporary directories, and captured output.
// Each server handles one connection at a time, which is all a CLI process ever opens at once.
// Thread-safety: the accessors lock; the handler runs on the server thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace belfry::cli::testing {

struct ReceivedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    int connection = 0;  // 1 for the first connection accepted, 2 for the next, ...
};

struct CannedReply {
    std::string raw;     // bytes to send as they are
    bool close = false;  // close the connection after sending `raw`
    bool hold = false;   // send nothing; keep the connection until the client closes it
};

// A complete response with Content-Length.
inline std::string httpResponse(int status, const std::string& body,
                                const std::string& extraHeaders = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
           extraHeaders + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class CliTestServer {
  public:
    using Handler = std::function<CannedReply(const ReceivedRequest&)>;

    explicit CliTestServer(Handler handler) : handler_(std::move(handler)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, 8) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("test server: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~CliTestServer() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
    }

    std::uint16_t port() const { return port_; }
    std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

    std::vector<ReceivedRequest> requests() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }
    int connections() const { return connections_; }

  private:
    bool waitReadable(int fd) {
        while (!stop_) {
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 20) > 0) return true;
        }
        return false;
    }

    void serve() {
        while (waitReadable(listener_)) {
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            const int connection = ++connections_;
            serveConnection(fd, connection);
            ::close(fd);
        }
    }

    // Reads requests off one connection and answers each as the handler says.
    void serveConnection(int fd, int connection) {
        std::string buffer;
        for (;;) {
            const auto headEnd = buffer.find("\r\n\r\n");
            if (headEnd != std::string::npos) {
                ReceivedRequest request = parseHead(buffer.substr(0, headEnd));
                request.connection = connection;
                const auto length = request.headers.count("content-length")
                                        ? std::stoul(request.headers["content-length"])
                                        : 0UL;
                if (buffer.size() >= headEnd + 4 + length) {
                    request.body = buffer.substr(headEnd + 4, length);
                    buffer.erase(0, headEnd + 4 + length);
                    {
                        std::lock_guard<std::mutex> lock(mutex_);
                        requests_.push_back(request);
                    }
                    const CannedReply reply = handler_(request);
                    if (reply.hold) {
                        drainUntilClosed(fd);
                        return;
                    }
                    sendAll(fd, reply.raw);
                    if (reply.close) return;
                    continue;
                }
            }
            if (!waitReadable(fd)) return;
            char chunk[4096];
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void drainUntilClosed(int fd) {
        char chunk[4096];
        while (waitReadable(fd) && ::recv(fd, chunk, sizeof chunk, 0) > 0) {
        }
    }

    static void sendAll(int fd, const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    static ReceivedRequest parseHead(const std::string& head) {
        ReceivedRequest request;
        const auto firstLineEnd = head.find("\r\n");
        const std::string firstLine = head.substr(0, firstLineEnd);
        const auto space1 = firstLine.find(' ');
        const auto space2 = firstLine.find(' ', space1 + 1);
        request.method = firstLine.substr(0, space1);
        request.target = firstLine.substr(space1 + 1, space2 - space1 - 1);
        std::size_t pos = firstLineEnd == std::string::npos ? head.size() : firstLineEnd + 2;
        while (pos < head.size()) {
            auto end = head.find("\r\n", pos);
            if (end == std::string::npos) end = head.size();
            const std::string line = head.substr(pos, end - pos);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (char& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                request.headers[name] = value;
            }
            pos = end + 2;
        }
        return request;
    }

    Handler handler_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<ReceivedRequest> requests_;
    std::thread thread_;
};

// A fresh directory under the system temp dir, removed with everything in it at scope end.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "belfry-cli-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::string& path() const { return path_; }

    // Writes `content` to `name` inside the directory and returns the full path.
    std::string write(const std::string& name, const std::string& content) const {
        const std::string file = path_ + "/" + name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

  private:
    std::string path_;
};

// A tmpfile() standing in for stdout or stderr, read back as text.
class CapturedStream {
  public:
    CapturedStream() : file_(std::tmpfile()) {}
    ~CapturedStream() { std::fclose(file_); }
    CapturedStream(const CapturedStream&) = delete;
    CapturedStream& operator=(const CapturedStream&) = delete;

    std::FILE* file() const { return file_; }
    std::string text() const {
        std::fflush(file_);
        std::rewind(file_);
        std::string content;
        char buffer[4096];
        std::size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) content.append(buffer, n);
        return content;
    }

  private:
    std::FILE* file_;
};

// A loopback port nothing listens on: bound, then released.
inline std::uint16_t unusedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace belfry::cli::testing
