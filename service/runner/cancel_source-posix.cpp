#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "cancel_source.h"

namespace belfry {

CancelSource::NativeHandle CancelSource::makeHandle(bool ready) {
    // Non-blocking so that makeReady() can never stall the cancelling thread; close-on-exec so
    // that no job inherits it.
    const int fd = ::eventfd(ready ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    return fd;
}

void CancelSource::makeReady(NativeHandle handle) {
    // Nobody ever reads the counter back: it stays non-zero, so the fd stays readable and every
    // poller, present or future, sees the cancellation. A failed write is impossible here (the
    // counter is far from overflowing and the fd is ours), so the result is not checked.
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(handle, &one, sizeof one);
}

void CancelSource::closeHandle(NativeHandle handle) {
    ::close(handle);
}

}  // namespace belfry
