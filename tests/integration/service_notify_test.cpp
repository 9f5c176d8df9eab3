// belfryd speaks systemd's readiness protocol for its Type=notify unit: READY=1 once the API
// listens, STOPPING=1 when shutdown begins, both from belfryd's own pid (the unit's
// NotifyAccess=main accepts nothing else). A datagram socket stands in for the service manager.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <Poco/TemporaryFile.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "test_daemon.h"

namespace belfry::test {
namespace {

using namespace std::chrono_literals;

struct Notification {
    std::string text;
    pid_t sender = 0;
};

// What systemd binds for $NOTIFY_SOCKET: an AF_UNIX datagram socket that learns each sender's
// pid (SO_PASSCRED), which is how the manager tells the main process from its children.
class FakeServiceManager {
  public:
    // `abstract`: a socket in Linux's abstract namespace, which $NOTIFY_SOCKET names "@...".
    explicit FakeServiceManager(bool abstract = false)
        : path_(Poco::TemporaryFile::tempName("/tmp")), abstract_(abstract) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (fd_ < 0 || path_.size() >= sizeof address.sun_path)
            throw std::runtime_error("cannot create the notify socket");
        std::memcpy(address.sun_path, path_.data(), path_.size());
        if (abstract_) {
            address.sun_path[0] = '\0';
            path_[0] = '@';
        } else {
            // tempName() repeats across processes that get the same pid: a socket an earlier,
            // killed test left under this name would make bind() fail.
            ::unlink(path_.c_str());
        }
        const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
        const int on = 1;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
            ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
            throw std::runtime_error("cannot bind " + path_ + ": " + std::strerror(errno));
        }
    }
    ~FakeServiceManager() {
        ::close(fd_);
        if (!abstract_) ::unlink(path_.c_str());
    }
    FakeServiceManager(const FakeServiceManager&) = delete;
    FakeServiceManager& operator=(const FakeServiceManager&) = delete;

    const std::string& path() const { return path_; }

    // The next message, or an empty text after `timeout`.
    Notification receive(std::chrono::milliseconds timeout) {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return {};
        char buffer[4096];
        iovec data{buffer, sizeof buffer};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
        msghdr message{};
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const auto size = ::recvmsg(fd_, &message, 0);
        if (size < 0) return {};
        Notification result{std::string(buffer, static_cast<std::size_t>(size)), 0};
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                ucred credentials{};
                std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
                result.sender = credentials.pid;
            }
        }
        return result;
    }

  private:
    std::string path_;
    bool abstract_;
    int fd_ = -1;
};

TEST(ServiceNotify, ReportsReadyOnceListeningAndStoppingAtShutdown) {
    FakeServiceManager manager;
    TestDaemon daemon;
    daemon.start({{"NOTIFY_SOCKET", manager.path()}});

    const auto ready = manager.receive(10s);
    EXPECT_NE(ready.text.find("READY=1"), std::string::npos) << ready.text;
    EXPECT_NE(
        ready.text.find("STATUS=listening on http://127.0.0.1:" + std::to_string(daemon.port())),
        std::string::npos)
        << ready.text;
    EXPECT_EQ(ready.sender, daemon.pid());
    EXPECT_EQ(daemon.request("GET", "/v1/health", "", /*authorized=*/false).status, 200);
    EXPECT_EQ(manager.receive(200ms).text, "") << "only one message until the stop";

    const int pid = daemon.pid();
    EXPECT_EQ(daemon.stop(), 0);
    const auto stopping = manager.receive(10s);
    EXPECT_NE(stopping.text.find("STOPPING=1"), std::string::npos) << stopping.text;
    EXPECT_EQ(stopping.sender, pid);
}

TEST(ServiceNotify, AnAbstractNamespaceSocketIsNotifiedToo) {
    FakeServiceManager manager(/*abstract=*/true);
    ASSERT_EQ(manager.path()[0], '@');
    TestDaemon daemon;
    daemon.start({{"NOTIFY_SOCKET", manager.path()}});
    const auto ready = manager.receive(10s);
    EXPECT_NE(ready.text.find("READY=1"), std::string::npos) << ready.text;
    EXPECT_EQ(ready.sender, daemon.pid());
}

TEST(ServiceNotify, JobsDoNotGetTheNotifySocket) {
    FakeServiceManager manager;
    TestDaemon daemon;
    daemon.start({{"NOTIFY_SOCKET", manager.path()}});
    daemon.createJob(
        R"({"name": "notify-env", "exec": {"argv": ["/bin/sh", "-c", "echo \"[${NOTIFY_SOCKET-unset}]\""]}})");
    const auto run = daemon.waitForRunEnd(daemon.runNow("notify-env"));
    EXPECT_EQ(run->getValue<std::string>("state"), "succeeded");
    EXPECT_EQ(run->getValue<std::string>("output"), "[unset]\n");
}

}  // namespace
}  // namespace belfry::test
