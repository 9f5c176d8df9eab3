#include "cancel_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace belfry {

CancelSource::CancelSource() {
    // Non-blocking so that signal() can never stall the cancelling thread; close-on-exec so that
    // no job inherits it.
    handle_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (handle_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CancelSource::~CancelSource() {
    ::close(handle_);
}

void CancelSource::signal() {
    // Nobody ever reads the counter back: it stays non-zero, so the fd stays readable and every
    // waiter, present or future, sees the cancellation. A failed write is impossible here (the
    // counter is far from overflowing and the fd is ours), so the result is not checked.
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(handle_, &one, sizeof one);
}

bool CancelSource::waitFor(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!cancelled()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd pfd{handle_, POLLIN, 0};
        ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
    }
    return cancelled();
}

}  // namespace belfry
