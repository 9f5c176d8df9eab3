// Waiting on two CancelSources at once (used as one-shot events), with a deadline. Internal to
// the handlers library; the platform part lives in either_cancelled-posix.cpp.
// Thread-safety: as CancelSource: any thread.
#pragma once

#include <chrono>

#include "cancel_source.h"

namespace belfry {

enum class FirstSignal { First, Second, Deadline };

// Blocks until `first` or `second` is cancelled (the first one is reported when both are) or the
// deadline passes.
FirstSignal waitForEither(const CancelSource& first, const CancelSource& second,
                          std::chrono::steady_clock::time_point deadline);

}  // namespace belfry
