// Reconciliation of the OS scheduler with the store (README "Reconciliation"): what belfryd runs
// at start and daily, and what POST /v1/reconcile runs on request. The store's jobs are read while
// the scheduler holds off upserts and removes (OsScheduler::reconcile), so a job created or
// deleted through the API at the same moment is handled consistently.
//
// Thread-safety: may be called from any thread; concurrent calls are serialised by the scheduler.
#pragma once

#include <Poco/JSON/Object.h>

#include "belfry/scheduler/os_scheduler.h"
#include "store.h"

namespace belfry {

// Reconciles every stored job and logs the summary line ("reconcile (WHY): ...") plus one line per
// job that drifted (warning) or failed (error).
ReconcileReport reconcileStoredJobs(Store& store, OsScheduler& scheduler, bool dryRun,
                                    const std::string& why);

// {"dry_run", "backend", "summary": {"created": n, ...}, "manager_reloads", "manager_calls",
//  "manager_ms", "elapsed_ms", "jobs": [{"job", "action", "detail"}]}
Poco::JSON::Object::Ptr reconcileReportToJson(const ReconcileReport& report,
                                              const std::string& backend);

}  // namespace belfry
