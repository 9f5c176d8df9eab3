// SystemdScheduler::reconcile: observe the unit directory and the manager once, plan
// (reconcile_plan.h), apply the plan in a fixed number of systemctl calls.
//
// Why the order below: `enable --no-reload` only creates the [Install] symlinks (the manager reads
// the unit files from disk for that, loaded or not), so every file change and every enablement
// can share the one daemon-reload, after which `start` finds the new timers loaded. Orphans are
// stopped and disabled before their files go, so the manager never keeps an active timer whose
// file is gone.
#include <algorithm>
#include <filesystem>
#include <set>

#include "reconcile_plan.h"
#include "systemd_scheduler.h"
#include "unit_files.h"

namespace belfry::systemd {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Marks the entries of the jobs owning `units` as failed with `reason` (keeps the first reason).
void failUnits(const std::vector<std::string>& units, const std::string& reason,
               ReconcileReport* report) {
    std::set<std::string> jobs;
    for (const auto& unit : units) {
        if (const auto job = jobOfUnitFile(unit)) jobs.insert(*job);
    }
    for (auto& entry : report->entries) {
        if (jobs.count(entry.job) && entry.action != ReconcileAction::Failed) {
            entry.action = ReconcileAction::Failed;
            entry.detail = reason;
        }
    }
}

void dropUnits(const std::set<std::string>& failed, std::vector<std::string>* units) {
    units->erase(std::remove_if(units->begin(), units->end(),
                                [&](const auto& unit) { return failed.count(unit) > 0; }),
                 units->end());
}

}  // namespace

ReconcileReport SystemdScheduler::reconcile(const DesiredJobs& desiredJobs, bool dryRun) {
    const auto started = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    ReconcileReport report;
    report.dryRun = dryRun;
    const auto finish = [&] {
        report.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        return report;
    };
    const auto call = [&](std::vector<std::string> args) {
        ++report.managerCalls;
        if (!args.empty() && args.front() == "daemon-reload") ++report.managerReloads;
        return systemctl(args);
    };

    // What Belfry wants.
    const auto desired = desiredJobs();
    const auto now = schedule::currentInstant();
    std::vector<DesiredJobUnits> wanted;
    for (const auto& job : desired) {
        DesiredJobUnits units;
        units.job = job.name;
        units.enabled = job.enabled;
        units.hasSchedule = job.schedule.kind() != schedule::Schedule::Kind::None;
        if (units.hasSchedule) {
            units.units = renderJobUnits(job, options_.units, now, &units.error);
            if (!units.units)
                units.error = "cannot register " + timerUnitName(job.name) + ": " + units.error;
        }
        wanted.push_back(std::move(units));
    }

    // What is there: the files, then one `show` of all of them.
    std::map<std::string, ObservedJobUnits> observed;
    std::vector<std::string> shownUnits;
    std::error_code ec;
    for (fs::directory_iterator it(options_.unitDir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto file = it->path().filename().string();
        const auto job = jobOfUnitFile(file);
        if (!job || !it->is_regular_file(ec)) continue;
        const auto content = readUnitFile(it->path().string());
        if (!content) continue;
        auto& seen = observed[*job];
        (file == timerUnitName(*job) ? seen.timerFile : seen.serviceFile) = content;
        shownUnits.push_back(file);
    }
    if (ec && ec != std::errc::no_such_file_or_directory) {
        for (const auto& job : wanted) {
            report.entries.push_back(
                {job.job, ReconcileAction::Failed,
                 "cannot read the unit directory " + options_.unitDir + ": " + ec.message()});
        }
        return finish();
    }
    if (!shownUnits.empty()) {
        std::vector<std::string> args{"show", "-p", "Id,UnitFileState,ActiveState,DropInPaths"};
        args.insert(args.end(), shownUnits.begin(), shownUnits.end());
        const auto shown = call(args);
        if (!shown.ok()) {
            for (const auto& job : wanted) {
                report.entries.push_back(
                    {job.job, ReconcileAction::Failed,
                     "cannot read the belfry-* units from systemd: " + shown.reason()});
            }
            return finish();
        }
        for (const auto& block : parseShow(shown.out)) {
            const auto id = propertyValue(block, "Id");
            const auto job = jobOfUnitFile(id);
            if (!job || !observed.count(*job)) continue;
            auto& seen = observed[*job];
            if (id == timerUnitName(*job)) {
                seen.timerUnitFileState = propertyValue(block, "UnitFileState");
                seen.timerActiveState = propertyValue(block, "ActiveState");
                seen.timerDropIns = propertyValue(block, "DropInPaths");
            } else {
                seen.serviceDropIns = propertyValue(block, "DropInPaths");
            }
        }
    }

    auto plan = planReconcile(wanted, observed);
    report.entries = plan.entries;
    if (dryRun || plan.empty()) {
        if (!dryRun) rememberReconciled(wanted, report);
        return finish();
    }

    // Apply. A failed call fails the jobs it was about; the rest of the batch goes on.
    std::set<std::string> failed;
    const auto batch = [&](const std::vector<std::string>& verb,
                           const std::vector<std::string>& units) {
        if (units.empty()) return;
        auto args = verb;
        args.insert(args.end(), units.begin(), units.end());
        const auto result = call(args);
        if (!result.ok()) {
            failUnits(units, "systemctl " + verb.front() + ": " + result.reason(), &report);
            failed.insert(units.begin(), units.end());
        }
    };
    batch({"disable", "--now", "--no-reload"}, plan.disable);
    for (const auto& unit : plan.deletes) {
        if (failed.count(unit)) continue;
        if (!fs::remove(path(unit), ec) && ec) {
            failUnits({unit}, "cannot delete " + path(unit) + ": " + ec.message(), &report);
        }
    }
    if (!plan.writes.empty()) fs::create_directories(options_.unitDir, ec);
    for (const auto& [unit, content] : plan.writes) {
        if (const auto error = writeUnitFileAtomically(path(unit), content); !error.empty()) {
            failUnits({unit}, "cannot register " + unit + ": " + error, &report);
            // Neither enable nor start a timer whose service file could not be written.
            if (const auto job = jobOfUnitFile(unit)) failed.insert(timerUnitName(*job));
        }
    }
    dropUnits(failed, &plan.enable);
    batch({"enable", "--no-reload"}, plan.enable);
    if (plan.changesUnits() || !plan.enable.empty() || !plan.disable.empty()) {
        const auto reload = call({"daemon-reload"});
        if (!reload.ok()) {
            std::vector<std::string> touched;
            for (const auto& [job, units] : plan.unitsOfJob)
                touched.insert(touched.end(), units.begin(), units.end());
            failUnits(touched, "daemon-reload: " + reload.reason(), &report);
            rememberReconciled(wanted, report);
            return finish();
        }
    }
    dropUnits(failed, &plan.start);
    batch({"start"}, plan.start);
    rememberReconciled(wanted, report);
    return finish();
}

void SystemdScheduler::rememberReconciled(const std::vector<DesiredJobUnits>& wanted,
                                          const ReconcileReport& report) {
    std::map<std::string, ReconcileAction> actions;
    for (const auto& entry : report.entries) actions[entry.job] = entry.action;
    for (const auto& job : wanted) {
        if (!job.units) {
            if (!job.hasSchedule) known_.erase(job.job);
            continue;
        }
        known_[job.job] = Known{job.enabled, job.units->timer, job.units->service};
    }
    for (const auto& [job, action] : actions) {
        if (action == ReconcileAction::Removed) known_.erase(job);
    }
}

}  // namespace belfry::systemd
