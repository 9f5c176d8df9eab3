#include <algorithm>

#include "belfry/scheduler/os_scheduler.h"

namespace belfry {

const char* reconcileActionName(ReconcileAction action) {
    switch (action) {
        case ReconcileAction::Created:
            return "created";
        case ReconcileAction::Updated:
            return "updated";
        case ReconcileAction::Removed:
            return "removed";
        case ReconcileAction::Unchanged:
            return "unchanged";
        case ReconcileAction::Drift:
            return "drift";
        case ReconcileAction::Failed:
            return "failed";
    }
    return "failed";
}

std::size_t ReconcileReport::count(ReconcileAction action) const {
    return static_cast<std::size_t>(std::count_if(
        entries.begin(), entries.end(), [&](const auto& entry) { return entry.action == action; }));
}

std::string ReconcileReport::summary() const {
    std::string text = dryRun ? "dry run: " : "";
    bool first = true;
    for (const auto action :
         {ReconcileAction::Created, ReconcileAction::Updated, ReconcileAction::Removed,
          ReconcileAction::Unchanged, ReconcileAction::Drift, ReconcileAction::Failed}) {
        text +=
            (first ? "" : ", ") + std::to_string(count(action)) + " " + reconcileActionName(action);
        first = false;
    }
    text += " (" + std::to_string(managerReloads) +
            (managerReloads == 1 ? " reload, " : " reloads, ") + std::to_string(managerCalls) +
            (managerCalls == 1 ? " call, " : " calls, ") + std::to_string(elapsed.count()) + " ms)";
    return text;
}

}  // namespace belfry
