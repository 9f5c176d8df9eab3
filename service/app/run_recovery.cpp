#include "run_recovery.h"

#include <spdlog/spdlog.h>

#include "retry_policy.h"

namespace belfry {
namespace {

// Far above any real number of runs one daemon has in flight (workers are a few dozen).
constexpr int kMaxAbandonedRuns = 1000000;

// Interrupts the abandoned runs whose job wants another attempt, queuing that attempt with it;
// returns how many.
int retryAbandonedRuns(Store& store, const std::string& node, EpochMillis now) {
    RunFilter running;
    running.state = RunState::Running;
    running.limit = kMaxAbandonedRuns;
    int retried = 0;
    for (const auto& run : store.runs(running)) {
        const auto job = store.job(run.job);
        if (!job) continue;
        const auto next = retryFor(*job, run, RunState::Interrupted, now, node);
        if (!next) continue;
        RunResult interrupted;
        interrupted.state = RunState::Interrupted;
        interrupted.error = "belfryd stopped while the run was in progress";
        if (store.finishRunAndQueue(run.id, interrupted, now, {*next})) ++retried;
    }
    return retried;
}

}  // namespace

RecoveryCounts recoverRunsAtStart(Store& store, Executor& executor, const std::string& node,
                                  EpochMillis now) {
    RecoveryCounts counts;
    counts.retried = retryAbandonedRuns(store, node, now);
    counts.interrupted = counts.retried + store.interruptAbandonedRuns(now);
    if (counts.interrupted > 0) {
        spdlog::warn(
            "{} run(s) were interrupted by the previous stop; {} queued for another attempt",
            counts.interrupted, counts.retried);
    }
    for (const auto id : store.queuedRuns()) {
        const auto run = store.run(id);
        if (!run) continue;
        if (run->dueAt && *run->dueAt > now) ++counts.delayed;
        executor.submitWhenDue(id, run->dueAt);
        ++counts.resumed;
    }
    if (counts.resumed > 0) {
        spdlog::info("resuming {} queued run(s), {} of them waiting for their due time",
                     counts.resumed, counts.delayed);
    }
    return counts;
}

}  // namespace belfry
