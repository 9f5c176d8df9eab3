#include "reconcile_plan.h"

#include <algorithm>

#include "belfry/job_name.h"

namespace belfry::systemd {
namespace {

std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
    return text;
}

bool isEnabledState(const std::string& unitFileState) {
    return unitFileState == "enabled" || unitFileState == "enabled-runtime";
}

// What an admin changed in files: edits (no valid digest) and drop-ins.
std::vector<std::string> fileDrift(const std::string& job, const ObservedJobUnits& seen) {
    std::vector<std::string> reasons;
    const struct {
        std::string unit;
        const std::optional<std::string>& file;
        const std::string& dropIns;
    } units[] = {{timerUnitName(job), seen.timerFile, seen.timerDropIns},
                 {serviceUnitName(job), seen.serviceFile, seen.serviceDropIns}};
    for (const auto& unit : units) {
        if (unit.file && isUnitEditedOutsideBelfry(*unit.file)) {
            reasons.push_back(unit.unit + " was edited outside Belfry");
        }
        if (!unit.dropIns.empty()) {
            reasons.push_back(unit.unit + " is changed by drop-ins: " + unit.dropIns);
        }
    }
    return reasons;
}

// What an admin changed with systemctl: the timer's enablement or activity against the job's.
std::optional<std::string> enablementDrift(bool jobEnabled, const ObservedJobUnits& seen) {
    if (!seen.timerFile) return std::nullopt;
    const bool enabled = isEnabledState(seen.timerUnitFileState);
    if (jobEnabled && !enabled) return "timer disabled in systemd (systemctl disable)";
    if (!jobEnabled && enabled) {
        return "timer enabled in systemd while the job is disabled in Belfry";
    }
    if (enabled && seen.timerActiveState != "active") {
        return "timer enabled but not active in systemd (systemctl stop)";
    }
    return std::nullopt;
}

void planDesired(const DesiredJobUnits& job, const ObservedJobUnits* seen, ReconcilePlan* plan) {
    auto& touched = plan->unitsOfJob[job.job];
    if (!job.units) {
        plan->entries.push_back({job.job, ReconcileAction::Failed, job.error});
        return;
    }
    const auto& units = *job.units;
    if (!seen || (!seen->timerFile && !seen->serviceFile)) {
        plan->writes[units.timerName] = units.timer;
        plan->writes[units.serviceName] = units.service;
        touched = {units.timerName, units.serviceName};
        if (job.enabled) {
            plan->enable.push_back(units.timerName);
            plan->start.push_back(units.timerName);
        }
        plan->entries.push_back({job.job, ReconcileAction::Created,
                                 job.enabled ? "" : "the job is disabled: timer not enabled"});
        return;
    }
    auto reasons = fileDrift(job.job, *seen);
    if (const auto drift = enablementDrift(job.enabled, *seen)) reasons.push_back(*drift);
    if (!reasons.empty()) {
        plan->entries.push_back(
            {job.job, ReconcileAction::Drift, joined(reasons) + "; left as it is"});
        return;
    }
    std::vector<std::string> rewritten;
    for (const auto& [unit, file, content] :
         {std::tuple{units.timerName, &seen->timerFile, &units.timer},
          std::tuple{units.serviceName, &seen->serviceFile, &units.service}}) {
        if (*file == *content) continue;
        plan->writes[unit] = *content;
        touched.push_back(unit);
        rewritten.push_back(unit + (*file ? " re-written" : " re-created"));
    }
    if (rewritten.empty()) {
        plan->entries.push_back({job.job, ReconcileAction::Unchanged, ""});
        return;
    }
    // A timer file that was missing was not enabled either (enablementDrift only looks at
    // existing timers): enable it like a new one.
    if (job.enabled && !seen->timerFile) plan->enable.push_back(units.timerName);
    if (job.enabled) plan->start.push_back(units.timerName);
    plan->entries.push_back({job.job, ReconcileAction::Updated,
                             joined(rewritten) + " (the definition or its translation changed)"});
}

void planOrphan(const std::string& job, const ObservedJobUnits& seen, const std::string& why,
                ReconcilePlan* plan) {
    if (const auto reasons = fileDrift(job, seen); !reasons.empty()) {
        plan->entries.push_back(
            {job, ReconcileAction::Drift, why + ", but " + joined(reasons) + "; left as it is"});
        return;
    }
    auto& touched = plan->unitsOfJob[job];
    if (seen.timerFile) {
        plan->disable.push_back(timerUnitName(job));
        plan->deletes.push_back(timerUnitName(job));
        touched.push_back(timerUnitName(job));
    }
    if (seen.serviceFile) {
        plan->deletes.push_back(serviceUnitName(job));
        touched.push_back(serviceUnitName(job));
    }
    plan->entries.push_back({job, ReconcileAction::Removed, why});
}

}  // namespace

ReconcilePlan planReconcile(const std::vector<DesiredJobUnits>& desired,
                            const std::map<std::string, ObservedJobUnits>& observed) {
    ReconcilePlan plan;
    std::map<std::string, const DesiredJobUnits*> byName;
    for (const auto& job : desired) byName[job.job] = &job;
    for (const auto& [name, job] : byName) {
        const auto it = observed.find(name);
        const auto* seen = it == observed.end() ? nullptr : &it->second;
        if (job->hasSchedule) {
            planDesired(*job, seen, &plan);
        } else if (seen && (seen->timerFile || seen->serviceFile)) {
            planOrphan(name, *seen, "the job has no schedule", &plan);
        }
    }
    for (const auto& [name, seen] : observed) {
        if (!byName.count(name) && (seen.timerFile || seen.serviceFile)) {
            planOrphan(name, seen, "no such job", &plan);
        }
    }
    std::sort(plan.entries.begin(), plan.entries.end(),
              [](const auto& a, const auto& b) { return a.job < b.job; });
    return plan;
}

std::optional<std::string> jobOfUnitFile(const std::string& fileName) {
    const std::string prefix = "belfry-";
    if (fileName.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    for (const std::string suffix : {".timer", ".service"}) {
        if (fileName.size() > prefix.size() + suffix.size() &&
            fileName.compare(fileName.size() - suffix.size(), suffix.size(), suffix) == 0) {
            auto name =
                fileName.substr(prefix.size(), fileName.size() - prefix.size() - suffix.size());
            if (isValidJobName(name, nullptr)) return name;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace belfry::systemd
