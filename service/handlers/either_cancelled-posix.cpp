#include <poll.h>

#include <algorithm>
#include <cstdint>

#include "either_cancelled.h"

namespace belfry {

FirstSignal waitForEither(const CancelSource& first, const CancelSource& second,
                          std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (first.cancelled()) return FirstSignal::First;
        if (second.cancelled()) return FirstSignal::Second;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return FirstSignal::Deadline;
        pollfd fds[2] = {{first.nativeHandle(), POLLIN, 0}, {second.nativeHandle(), POLLIN, 0}};
        ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
    }
}

}  // namespace belfry
