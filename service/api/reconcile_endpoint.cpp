// POST /v1/reconcile[?dry_run=true]: reconciles the OS scheduler with the store now and answers
// with the report. Also the reconcile that belfryd runs at start and daily (reconcile.h).
#include <Poco/JSON/Array.h>

#include <spdlog/spdlog.h>

#include "api_router.h"
#include "belfry/job_name.h"
#include "belfry/utf8.h"
#include "job_json.h"
#include "reconcile.h"

namespace belfry {

ReconcileReport reconcileStoredJobs(Store& store, OsScheduler& scheduler, bool dryRun,
                                    const std::string& why) {
    const auto report = scheduler.reconcile(
        [&store] {
            std::vector<ScheduledJob> desired;
            for (const auto& job : store.jobs()) desired.push_back(scheduledJobFor(job));
            return desired;
        },
        dryRun);
    spdlog::info("reconcile ({}): {}", why, report.summary());
    for (const auto& entry : report.entries) {
        if (entry.action == ReconcileAction::Drift) {
            spdlog::warn("job {}: drift: {}", entry.job, entry.detail);
        } else if (entry.action == ReconcileAction::Failed) {
            spdlog::error("job {}: reconcile failed: {}", entry.job, entry.detail);
        }
    }
    return report;
}

Poco::JSON::Object::Ptr reconcileReportToJson(const ReconcileReport& report,
                                              const std::string& backend) {
    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("dry_run", report.dryRun);
    json->set("backend", backend);
    Poco::JSON::Object::Ptr summary = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto action :
         {ReconcileAction::Created, ReconcileAction::Updated, ReconcileAction::Removed,
          ReconcileAction::Unchanged, ReconcileAction::Drift, ReconcileAction::Failed}) {
        summary->set(reconcileActionName(action), report.count(action));
    }
    json->set("summary", summary);
    json->set("manager_reloads", report.managerReloads);
    json->set("manager_calls", report.managerCalls);
    json->set("manager_ms", static_cast<long long>(report.managerTime.count()));
    json->set("elapsed_ms", static_cast<long long>(report.elapsed.count()));
    Poco::JSON::Array::Ptr jobs = new Poco::JSON::Array;
    for (const auto& entry : report.entries) {
        Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        item->set("job", entry.job);
        item->set("action", reconcileActionName(entry.action));
        item->set("detail", sanitizeUtf8(entry.detail));
        jobs->add(item);
    }
    json->set("jobs", jobs);
    return json;
}

ApiResponse reconcileJobs(ApiContext& context, const ApiRequest& request) {
    bool dryRun = false;
    for (const auto& [key, value] : request.query) {
        if (key != "dry_run") {
            throw ValidationError(printableForMessage(key) + ": unknown query parameter");
        }
        if (value == "true" || value == "1") {
            dryRun = true;
        } else if (value != "false" && value != "0") {
            throw ValidationError("dry_run: must be true or false");
        }
    }
    // Options travel in the query only: a body such as {"dry_run": true} must not be mistaken
    // for a plain (changing) reconcile.
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
        const auto body = parseJsonObject(request.body);
        if (body->size() > 0) {
            throw ValidationError(
                "POST /v1/reconcile takes no body fields; use the query: ?dry_run=true");
        }
    }
    const auto report = reconcileStoredJobs(context.store, context.scheduler, dryRun,
                                            dryRun ? "API, dry run" : "API");
    return jsonResponse(200, reconcileReportToJson(report, context.scheduler.backendName()));
}

}  // namespace belfry
