#include "cancel_source.h"

namespace belfry {

std::string_view toString(CancelReason reason) {
    switch (reason) {
        case CancelReason::None:
            return "none";
        case CancelReason::Cancelled:
            return "cancelled";
        case CancelReason::Shutdown:
            return "shutdown";
        case CancelReason::Replaced:
            return "replaced";
    }
    return "unknown";
}

void CancelSource::cancel(CancelReason reason) {
    if (reason == CancelReason::None) return;
    CancelReason expected = CancelReason::None;
    // The reason is published before the handle is signalled, so a waiter woken by the handle
    // always reads the reason that woke it.
    if (reason_.compare_exchange_strong(expected, reason, std::memory_order_acq_rel)) signal();
}

}  // namespace belfry
