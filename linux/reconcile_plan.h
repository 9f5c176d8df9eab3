// The reconcile plan for systemd: from what Belfry wants (the rendered units of every job) and
// what is there (the belfry-* unit files in the unit directory and the manager's view of them),
// the action per job and the batched operations that carry it out. Pure: no files, no manager;
// SystemdScheduler::reconcile observes, plans with planReconcile(), then applies the plan with a
// handful of systemctl calls and a single daemon-reload.
//
// The rules (README "Reconciliation"):
//  - a job without units gets them (created), enabled and started when the job is enabled;
//  - a job whose units are Belfry's own (valid digest, no drop-ins, timer enablement as Belfry
//    left it) but differ from what Belfry would write now — the definition changed, or the
//    OnCalendar= translation was re-done before its validUntil — is re-written (updated);
//  - anything an admin did is drift and left alone: a unit edited outside Belfry (no valid
//    digest), a drop-in, a timer disabled (or enabled, or stopped) behind Belfry's back;
//  - belfry-* units of no job (or of a job without a schedule) are removed (disabled, stopped,
//    deleted) unless an admin edited them or added drop-ins: then they are drift too.
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "belfry/scheduler/os_scheduler.h"
#include "systemd_units.h"

namespace belfry::systemd {

// One job as Belfry wants it.
struct DesiredJobUnits {
    std::string job;
    bool enabled = true;
    bool hasSchedule = true;        // false: the job must have no units (an orphan if it has)
    std::optional<JobUnits> units;  // nullopt: could not be rendered, see `error`
    std::string error;
};

// One job's units as found: file contents (nullopt: no such file) and, for files that exist, what
// `systemctl show` says.
struct ObservedJobUnits {
    std::optional<std::string> timerFile;
    std::optional<std::string> serviceFile;
    std::string timerUnitFileState;  // UnitFileState: enabled, disabled, ...
    std::string timerActiveState;    // ActiveState: active, inactive, ...
    std::string timerDropIns;        // DropInPaths, space-separated; "" when none
    std::string serviceDropIns;
};

struct ReconcilePlan {
    std::vector<ReconcileEntry> entries;        // one per job, sorted by job name
    std::map<std::string, std::string> writes;  // unit file name -> content
    std::vector<std::string> deletes;           // unit file names
    std::vector<std::string> disable;           // timers to `disable --now` (orphans)
    std::vector<std::string> enable;            // timers to `enable` (new, enabled jobs)
    std::vector<std::string> start;             // timers to start after the reload
    std::map<std::string, std::vector<std::string>> unitsOfJob;  // job -> units the plan touches

    bool changesUnits() const { return !writes.empty() || !deletes.empty(); }
    bool empty() const {
        return !changesUnits() && disable.empty() && enable.empty() && start.empty();
    }
};

// `observed` is keyed by job name (belfry-NAME.timer / .service).
ReconcilePlan planReconcile(const std::vector<DesiredJobUnits>& desired,
                            const std::map<std::string, ObservedJobUnits>& observed);

// The job name in a unit file name `belfry-NAME.timer` or `belfry-NAME.service` when NAME is a
// valid job name; nullopt for anything else (other units, temp files, drop-in directories).
std::optional<std::string> jobOfUnitFile(const std::string& fileName);

}  // namespace belfry::systemd
