// OsScheduler: the one interface between Belfry and whatever decides *when* jobs fire — systemd
// timers, the Windows Task Scheduler, or the in-process fallback. Like LevelDB's Env, it is the
// seam where the operating system enters: the service talks only to this interface, and each
// backend turns these calls into its own units, tasks or timers.
//
// Contract: the scheduler owns *when* and *whether*; Belfry owns *what*. A backend fires a job by
// making `belfry fire NAME` happen (or, in-process, by calling the fire callback with the slot),
// and reports back what the OS itself believes in OsJobState — never what Belfry wished.
// Errors are returned as messages naming the job, the operation and the cause.
//
// Thread-safety: implementations must allow every method to be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "belfry/schedule/schedule.h"

namespace belfry {

// What a scheduler needs to know about one job: its name (validated; it becomes part of OS
// unit and task names), when it fires, and the few numbers an OS unit or task carries. Nothing
// else a user typed reaches an OS scheduler. Backends use what they can express and ignore the
// rest (the internal scheduler: timeout, catchUp and jitter; the service applies them itself).
struct ScheduledJob {
    std::string name;
    schedule::Schedule schedule;
    bool enabled = true;
    std::chrono::milliseconds timeout{0};  // the job's own timeout; 0 = none
    bool catchUp = true;                   // run a missed fire late (systemd Persistent=)
    std::chrono::milliseconds jitter{0};   // random delay up to this (RandomizedDelaySec=)
};

// The scheduler's own view of a job, as the job's "os" object in the API shows it.
struct OsJobState {
    bool registered = false;  // the scheduler knows the job at all
    bool enabled = false;
    std::optional<schedule::Instant> next;
    std::optional<schedule::Instant> last;
    std::optional<std::string> lastResult;
    std::vector<std::string> drift;  // where the OS differs from Belfry's definition, in words
};

// What reconcile() did (or, in a dry run, would do) about one job's registration.
enum class ReconcileAction {
    Created,    // registered: it was missing
    Updated,    // re-written: the definition or its translation changed, and the registration was
                // still Belfry's own
    Removed,    // an orphan (no such job, or a job without a schedule) was unregistered
    Unchanged,  // already as Belfry would register it
    Drift,      // differs because of someone else (an admin): left alone, `detail` says how
    Failed,     // could not be done: `detail` says why
};

// "created", "updated", "removed", "unchanged", "drift", "failed": the words the API and CLI show.
const char* reconcileActionName(ReconcileAction action);

struct ReconcileEntry {
    std::string job;
    ReconcileAction action = ReconcileAction::Unchanged;
    std::string detail;  // why, in words; "" when there is nothing to say
};

// One reconcile() batch: an entry per job (desired or orphaned), sorted by job name, and what the
// batch cost the OS scheduler.
struct ReconcileReport {
    bool dryRun = false;
    std::vector<ReconcileEntry> entries;
    int managerReloads = 0;  // systemd: daemon-reloads issued (at most one per batch)
    int managerCalls = 0;    // calls into the OS scheduler (systemctl runs), reloads included
    std::chrono::milliseconds managerTime{0};  // of `elapsed`, spent waiting for those calls
    std::chrono::milliseconds elapsed{0};

    std::size_t count(ReconcileAction action) const;
    // "200 created, 0 updated, 1 removed, 3 unchanged, 1 drift, 0 failed (1 reload, 5 calls, 812
    // ms)", with "dry run: " in front of a dry run: belfryd's log line.
    std::string summary() const;
};

class OsScheduler {
  public:
    virtual ~OsScheduler() = default;

    // "internal", "systemd" or "taskscheduler": what /v1/health reports.
    virtual std::string backendName() const = 0;

    // Registers or updates one job. A job whose schedule is Kind::None is removed instead: it
    // never fires by itself. Returns "" on success, else a message for the operator.
    virtual std::string upsert(const ScheduledJob& job) = 0;
    // Removes a job's registration; removing an unknown job is not an error.
    virtual std::string remove(const std::string& name) = 0;
    virtual OsJobState state(const std::string& name) const = 0;
    // The state of each of `names`, in the same order: what `GET /v1/jobs` shows. A backend that
    // asks an OS tool overrides it to ask once for all of them.
    virtual std::vector<OsJobState> states(const std::vector<std::string>& names) const {
        std::vector<OsJobState> result;
        result.reserve(names.size());
        for (const auto& name : names) result.push_back(state(name));
        return result;
    }

    // Every job Belfry has, as the scheduler should register it.
    using DesiredJobs = std::function<std::vector<ScheduledJob>()>;

    // Makes the OS scheduler's registrations match the desired jobs in one batch: registers
    // missing jobs, re-writes those whose definition or translation changed, removes
    // registrations of jobs that do not exist (or have no schedule), and leaves alone — reporting
    // it as drift — whatever an admin changed in the OS tool. With `dryRun`, changes nothing and
    // reports what it would do. A failure with one job does not stop the others.
    // `desired` is called once, while upsert() and remove() are held off, so a job created or
    // deleted meanwhile through them is never mistaken for an orphan or resurrected.
    virtual ReconcileReport reconcile(const DesiredJobs& desired, bool dryRun) = 0;
};

}  // namespace belfry
