#include "cancel_source.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>

namespace belfry {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

bool readable(int fd) {
    pollfd pfd{fd, POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 1;
}

TEST(CancelSource, AHandleMadeAfterTheCancelIsReadyAtOnce) {
    CancelSource source;
    source.cancel(CancelReason::Shutdown);
    EXPECT_TRUE(readable(source.nativeHandle()));
    EXPECT_EQ(source.reason(), CancelReason::Shutdown);
}

TEST(CancelSource, AHandleMadeBeforeTurnsReadyOnCancelAndTheFirstReasonWins) {
    CancelSource source;
    const int handle = source.nativeHandle();
    EXPECT_FALSE(readable(handle));
    EXPECT_EQ(source.nativeHandle(), handle) << "one handle per source";
    source.cancel(CancelReason::Replaced);
    source.cancel(CancelReason::Cancelled);
    EXPECT_TRUE(readable(handle));
    EXPECT_EQ(source.reason(), CancelReason::Replaced);
}

TEST(CancelSource, WaitForWakesOnCancelFromAnotherThread) {
    CancelSource source;
    std::thread canceller([&] {
        std::this_thread::sleep_for(50ms);
        source.cancel(CancelReason::Cancelled);
    });
    const auto begin = Clock::now();
    EXPECT_TRUE(source.waitFor(10s));
    EXPECT_LT(Clock::now() - begin, 5s) << "woken by the cancel, not by the timeout";
    canceller.join();
}

}  // namespace
}  // namespace belfry
