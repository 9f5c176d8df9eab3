// The internal fallback scheduler: an in-process timer on the same cron engine, for machines
// without a reachable OS scheduler (containers, development). It fires by calling the fire
// callback with the job's slot — the nominal fire time — which the service feeds into the very
// same fire path and slot logic that `belfry fire` uses, so a job behaves the same whichever
// backend drives it.
//
// Timing: one thread sleeps until the earliest next fire among enabled jobs and wakes early when
// jobs change. Waits are capped at a minute so that a wall-clock step (NTP, an admin's `date`)
// is noticed; a fire that became late because of such a step still fires once, with its slot.
// Fires missed while the process was down are not this class's business: the service catches up
// at start according to each job's catch_up.
//
// Thread-safety: every method may be called from any thread. The callback runs on the
// scheduler's thread, one fire at a time, and must not call back into this object's
// stop() (upsert/remove are fine).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "belfry/scheduler/os_scheduler.h"

namespace belfry {

class InternalScheduler final : public OsScheduler {
  public:
    using FireCallback = std::function<void(const std::string& job, schedule::Instant slot)>;

    explicit InternalScheduler(FireCallback onFire);
    ~InternalScheduler() override;  // stops

    // Starts the timer thread; fires happen strictly after the moment of the call.
    void start();
    void stop();

    std::string backendName() const override { return "internal"; }
    std::string upsert(const ScheduledJob& job) override;
    std::string remove(const std::string& name) override;
    OsJobState state(const std::string& name) const override;
    // Registers, re-registers and drops in-process entries; nothing here can drift.
    ReconcileReport reconcile(const DesiredJobs& desired, bool dryRun) override;

  private:
    struct Entry {
        ScheduledJob job;
        std::optional<schedule::Instant> next;
        std::optional<schedule::Instant> last;
    };

    void loop();

    FireCallback onFire_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, Entry> entries_;
    std::thread thread_;
    bool stopping_ = false;
};

}  // namespace belfry
