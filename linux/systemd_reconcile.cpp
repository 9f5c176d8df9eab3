// SystemdScheduler::reconcile: observe the unit directory and the manager once, plan
// (reconcile_plan.h), apply the plan in a fixed number of systemctl calls.
//
// Measured with 1,000 jobs against the sandboxed systemd 252 (2 shared cores), which is why the
// batch does some of systemctl's work itself:
//  - `systemctl show` (any property) of 2,000 belfry units after a reload: ~25 s, and
//    `list-unit-files 'belfry-*'` 14-26 s: the manager computes UnitFileState per unit by scanning
//    every .wants directory, O(N) per unit. `list-units --all 'belfry-*'` (ActiveState): 62 ms.
//    So the batch reads enablement from the timers.target.wants symlinks and drop-ins from the
//    drop-in directories itself, and asks the manager only for ActiveState.
//  - `systemctl enable --no-reload` of 1,000 timers: 4.5 s for the same reason. Belfry's timers
//    have a fixed `[Install] WantedBy=timers.target`, so enabling one is exactly one symlink
//    `timers.target.wants/belfry-NAME.timer` in the scope's configuration directory, which the
//    batch creates itself (and removes for orphans); `systemctl disable` by an admin removes it
//    like any other.
//  - an fsync per unit file: 2,000 take ~7 s here; the batch syncs once (unit_files.h).
//  - `daemon-reload` with 2,000 units: ~1.1 s; `start` of 1,000 timers: ~1.3 s.
// Order: files and symlinks first, then the one daemon-reload, then `start` of the timers it
// loaded. Orphans are stopped before their files go, so the manager never keeps an active timer
// whose file is gone.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

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

std::string environmentOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

// Where `systemctl enable` puts the [Install] symlinks for this scope (the persistent
// configuration directory), and the runtime one (`systemctl edit --runtime` drop-ins).
std::string configDir(Scope scope) {
    if (scope == Scope::System) return "/etc/systemd/system";
    return environmentOr("XDG_CONFIG_HOME", environmentOr("HOME", "/root") + "/.config") +
           "/systemd/user";
}
std::string runtimeDir(Scope scope) {
    if (scope == Scope::System) return "/run/systemd/system";
    return environmentOr("XDG_RUNTIME_DIR", "/run/user/0") + "/systemd/user";
}

// belfry-NAME.timer / .service -> "DIR/belfry-NAME.timer.d/x.conf ..." for the drop-in
// directories under `dirs` that hold at least one .conf file.
std::map<std::string, std::string> findDropIns(const std::vector<std::string>& dirs) {
    std::map<std::string, std::string> found;
    std::error_code ec;
    for (const auto& dir : dirs) {
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            auto name = it->path().filename().string();
            if (name.size() < 3 || name.compare(name.size() - 2, 2, ".d") != 0) continue;
            const auto unit = name.substr(0, name.size() - 2);
            if (!jobOfUnitFile(unit)) continue;
            std::error_code inner;
            for (fs::directory_iterator file(it->path(), inner), last; !inner && file != last;
                 file.increment(inner)) {
                if (file->path().extension() != ".conf") continue;
                auto& paths = found[unit];
                paths += (paths.empty() ? "" : " ") + file->path().string();
            }
        }
        ec.clear();
    }
    return found;
}

// Unit -> ActiveState from `systemctl list-units --all --plain --no-legend`: "UNIT LOAD ACTIVE SUB
// DESCRIPTION" lines.
std::map<std::string, std::string> parseListUnits(const std::string& text) {
    std::map<std::string, std::string> states;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string unit, load, active;
        if (words >> unit >> load >> active) states[unit] = active;
    }
    return states;
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
        const auto callStarted = Clock::now();
        auto result = systemctl(args);
        report.managerTime +=
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - callStarted);
        return result;
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

    // What is there: the files, the enablement symlinks and drop-ins, then one `list-units`.
    std::map<std::string, ObservedJobUnits> observed;
    std::error_code ec;
    for (fs::directory_iterator it(options_.unitDir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto file = it->path().filename().string();
        const auto job = jobOfUnitFile(file);
        std::error_code typeError;
        if (!job || !it->is_regular_file(typeError)) continue;
        const auto content = readUnitFile(it->path().string());
        if (!content) continue;
        auto& seen = observed[*job];
        (file == timerUnitName(*job) ? seen.timerFile : seen.serviceFile) = content;
    }
    if (ec && ec != std::errc::no_such_file_or_directory) {
        for (const auto& job : wanted) {
            report.entries.push_back(
                {job.job, ReconcileAction::Failed,
                 "cannot read the unit directory " + options_.unitDir + ": " + ec.message()});
        }
        return finish();
    }
    const auto wantsDir = configDir(options_.scope) + "/timers.target.wants";
    if (!observed.empty()) {
        const auto listed =
            call({"list-units", "--all", "--plain", "--no-legend", "--full", "belfry-*"});
        if (!listed.ok()) {
            for (const auto& job : wanted) {
                report.entries.push_back(
                    {job.job, ReconcileAction::Failed,
                     "cannot list the belfry-* units in systemd: " + listed.reason()});
            }
            return finish();
        }
        const auto active = parseListUnits(listed.out);
        const auto dropIns =
            findDropIns({options_.unitDir, configDir(options_.scope), runtimeDir(options_.scope)});
        for (auto& [job, seen] : observed) {
            const auto timer = timerUnitName(job);
            std::error_code linkError;
            seen.timerUnitFileState =
                fs::is_symlink(fs::symlink_status(wantsDir + "/" + timer, linkError)) ? "enabled"
                                                                                      : "disabled";
            if (const auto it = active.find(timer); it != active.end())
                seen.timerActiveState = it->second;
            if (const auto it = dropIns.find(timer); it != dropIns.end())
                seen.timerDropIns = it->second;
            if (const auto it = dropIns.find(serviceUnitName(job)); it != dropIns.end())
                seen.serviceDropIns = it->second;
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
    batch({"stop"}, plan.disable);
    for (const auto& unit : plan.disable) {
        if (failed.count(unit)) continue;
        const auto link = wantsDir + "/" + unit;
        if (!fs::remove(link, ec) && ec) {
            failUnits({unit}, "cannot disable " + unit + ": delete " + link + ": " + ec.message(),
                      &report);
            failed.insert(unit);
        }
    }
    for (const auto& unit : plan.deletes) {
        const auto job = jobOfUnitFile(unit);
        if (failed.count(unit) || (job && failed.count(timerUnitName(*job)))) continue;
        if (!fs::remove(path(unit), ec) && ec) {
            failUnits({unit}, "cannot delete " + path(unit) + ": " + ec.message(), &report);
        }
    }
    if (!plan.writes.empty()) fs::create_directories(options_.unitDir, ec);
    for (const auto& [unit, error] : writeUnitFilesAtomically(options_.unitDir, plan.writes)) {
        failUnits({unit}, "cannot register " + unit + ": " + error, &report);
        // Neither enable nor start a timer whose service file could not be written.
        if (const auto job = jobOfUnitFile(unit)) failed.insert(timerUnitName(*job));
    }
    dropUnits(failed, &plan.enable);
    if (!plan.enable.empty()) fs::create_directories(wantsDir, ec);
    for (const auto& unit : plan.enable) {
        // What `systemctl enable` does for `[Install] WantedBy=timers.target`.
        const auto link = wantsDir + "/" + unit;
        fs::remove(link, ec);
        fs::create_symlink(path(unit), link, ec);
        if (ec) {
            failUnits({unit}, "cannot enable " + unit + ": " + link + ": " + ec.message(), &report);
            failed.insert(unit);
        }
    }
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
