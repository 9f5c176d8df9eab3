// The fire path: what happens when a job's schedule fires, whoever noticed — systemd through
// `belfry fire` and POST /v1/jobs/NAME/fire, the internal scheduler, or a spooled fire.
// Every one of them comes through here, so the slot and catch-up rules are the same everywhere.
//
// Slot: a fire carries the timer's own elapse time when the scheduler knows it (systemd's
// $TRIGGER_TIMER_REALTIME_USEC, the internal scheduler's slot). The slot is the latest scheduled
// instant at or before that time plus kEarlyFireTolerance (a timer that elapses a hair early
// still belongs to its slot). The run is unique per (job, slot): a doubled or spurious fire
// (systemd#16732: a daemon-reload can fire a timer at once) is recorded as `skipped`, never run.
// A fire without an elapse time is an admin starting the OS unit by hand: a `manual` run that
// always runs.
//
// Catch-up (the job's catch_up, Hangfire's Relaxed/Strict/Ignorable): slots between the last
// slot that ran (or the job's last change) and the fired slot were missed. `all` runs each of
// them (the newest kMaxCatchUpRuns) with trigger `catchup`; `one` and `none` add nothing, since
// the fire itself is the one run. At start, with the internal scheduler, catchUpAtStart() runs
// the slots missed while belfryd was down: `one` runs the newest, `all` each, `none` nothing.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "executor.h"
#include "store.h"

namespace belfry {

class FirePath {
  public:
    static constexpr std::chrono::milliseconds kEarlyFireTolerance{250};
    static constexpr std::size_t kMaxCatchUpRuns = 100;

    struct Result {
        enum class Status { Accepted, NoSuchJob, Disabled };
        Status status = Status::Accepted;
        RunId run = 0;
        bool duplicate = false;
        // A spooled fire whose id is already recorded: taken before (belfryd stopped between
        // recording it and removing its file); `run` is that earlier run, nothing new ran.
        bool takenBefore = false;
        std::vector<RunId> catchUp;
    };

    FirePath(Store& store, Executor& executor, std::string node);

    // `spoolId`: the id of the spooled fire being taken (spool_intake.h), "" for a live fire.
    Result fire(const std::string& job, std::optional<EpochMillis> elapsed,
                const std::string& spoolId = "");
    void catchUpAtStart(EpochMillis now);

  private:
    // Records and submits catch-up runs for `slots` (oldest first).
    std::vector<RunId> runCatchUp(const std::string& job, const std::vector<EpochMillis>& slots);

    Store& store_;
    Executor& executor_;
    std::string node_;
};

}  // namespace belfry
