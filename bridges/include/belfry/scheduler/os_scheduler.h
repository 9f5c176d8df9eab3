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
};

}  // namespace belfry
