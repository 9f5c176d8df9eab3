// The concurrency rule of a job (DESIGN.md "concurrency", Task Scheduler's
// MultipleInstancesPolicy): what happens to a run that is ready to start while another run of
// the same job is active. The gate is consulted when a worker takes a run, so the rule holds
// whatever queued the run: a timer, `belfry run`, the API, a retry or a delayed run.
//
//   skip     (IgnoreNew)    the new run is not started; the executor records it as `skipped`
//   queue    (Queue)        the new run waits and starts when the active one ends, in order
//   parallel (Parallel)     the new run starts at once
//   replace  (StopExisting) the active run is cancelled; the new one starts when it has ended;
//                           runs still waiting for their turn are superseded as well
//
// "Active" means admitted by the gate and not yet released: running, or chosen to run next.
// The gate is plain bookkeeping: it starts and stops nothing itself, the executor acts on its
// answers.
//
// Thread-safety: none; the executor calls it under its own mutex.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "job.h"
#include "run.h"

namespace belfry {

struct Admission {
    enum class Kind { Start, Skip, Wait };
    Kind kind = Kind::Start;
    RunId blocking = 0;             // Skip: the active run it yielded to
    std::vector<RunId> replace;     // Replace: active runs to cancel
    std::vector<RunId> superseded;  // Replace: waiting runs dropped from the gate; end them
};

class ConcurrencyGate {
  public:
    // Decides for run `id` of `job`. Admitting a run that is already active (it was chosen by
    // release()) answers Start.
    Admission admit(const std::string& job, Concurrency policy, RunId id);

    // Forgets `id`, active or waiting. When that leaves its job with no active run and a waiting
    // one, the oldest waiting run becomes active and is returned: the caller must start it.
    std::optional<RunId> release(RunId id);

    bool isWaiting(RunId id) const;

  private:
    struct JobRuns {
        std::set<RunId> active;
        std::deque<RunId> waiting;
    };
    std::unordered_map<std::string, JobRuns> jobs_;
    std::unordered_map<RunId, std::string> jobOf_;
};

}  // namespace belfry
