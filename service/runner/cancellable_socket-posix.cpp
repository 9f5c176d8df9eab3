#include "cancellable_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>

namespace belfry {

void CancellableSocketImpl::init(int af) {
    StreamSocketImpl::init(af);
    // Poco creates sockets without close-on-exec; jobs must not inherit our connections.
    const int fd = sockfd();
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int CancellableSocketImpl::sendFlags() {
    return MSG_NOSIGNAL;
}

CancellableSocketImpl::Wait CancellableSocketImpl::waitUntilReady(int selectMode) {
    // POLLIN also reports EOF and errors (POLLHUP/POLLERR are always reported): the following
    // recv/send then returns them, which is what the caller wants.
    const short events = (selectMode & SELECT_WRITE) ? POLLOUT : POLLIN;
    for (;;) {
        if (cancel_.cancelled()) return Wait::Cancelled;
        int timeout = -1;
        if (deadline_) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                *deadline_ - std::chrono::steady_clock::now());
            if (left.count() <= 0) return Wait::TimedOut;
            timeout = static_cast<int>(std::min<std::int64_t>(left.count(), INT_MAX));
        }
        pollfd fds[2] = {{sockfd(), events, 0}, {cancel_.nativeHandle(), POLLIN, 0}};
        const int rc = ::poll(fds, 2, timeout);
        if (rc < 0 && errno != EINTR) error(errno);  // throws
        if (fds[1].revents != 0) return Wait::Cancelled;
        if (fds[0].revents != 0) return Wait::Ready;
    }
}

}  // namespace belfry
