#include "fire_path.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "timestamps.h"

namespace belfry {
namespace {

using schedule::Instant;

EpochMillis toMillis(Instant instant) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(instant.time_since_epoch())
        .count();
}

Instant fromMillis(EpochMillis millis) {
    return schedule::toInstant(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(millis)));
}

// Scheduled instants in (after, until), oldest first, at most `limit` of the newest.
std::vector<EpochMillis> slotsBetween(const Job& job, EpochMillis after, EpochMillis until,
                                      std::size_t limit) {
    std::vector<EpochMillis> slots;
    auto cursor = job.schedule.latestAtOrBefore(fromMillis(until - 1));
    while (cursor && toMillis(*cursor) > after && slots.size() < limit) {
        slots.push_back(toMillis(*cursor));
        cursor = job.schedule.latestAtOrBefore(*cursor - std::chrono::seconds(1));
    }
    std::reverse(slots.begin(), slots.end());
    return slots;
}

}  // namespace

FirePath::FirePath(Store& store, Executor& executor, std::string node)
    : store_(store), executor_(executor), node_(std::move(node)) {}

FirePath::Result FirePath::fire(const std::string& name, std::optional<EpochMillis> elapsed,
                                const std::string& spoolId) {
    Result result;
    if (!spoolId.empty()) {
        if (const auto earlier = store_.runOfSpooledFire(spoolId)) {
            result.run = *earlier;
            result.takenBefore = true;
            return result;
        }
    }
    const auto job = store_.job(name);
    if (!job) {
        result.status = Result::Status::NoSuchJob;
        return result;
    }
    if (!job->enabled) {
        result.status = Result::Status::Disabled;
        return result;
    }
    if (!elapsed) {
        result.run = store_.insertRun(
            {name, Trigger::Manual, std::nullopt, 1, node_, std::nullopt, spoolId});
        executor_.submit(result.run);
        return result;
    }
    // Without a schedule (a transient timer, a removed schedule) the elapse time itself, to the
    // second, is the slot.
    EpochMillis slot = *elapsed - (*elapsed % 1000);
    if (const auto scheduled =
            job->schedule.latestAtOrBefore(fromMillis(*elapsed + kEarlyFireTolerance.count()))) {
        slot = toMillis(*scheduled);
    }
    if (job->catchUp == CatchUp::All && job->schedule.kind() != schedule::Schedule::Kind::None) {
        const auto previous = std::max(store_.latestSlot(name).value_or(0), job->updatedAt);
        result.catchUp = runCatchUp(name, slotsBetween(*job, previous, slot, kMaxCatchUpRuns));
    }
    const auto outcome =
        store_.insertScheduledRun({name, Trigger::Schedule, slot, 1, node_, std::nullopt, spoolId});
    result.run = outcome.run;
    result.duplicate = outcome.duplicate;
    if (outcome.duplicate) {
        spdlog::info("job {}: fire for slot {} is a duplicate of run {}; recorded as run {}", name,
                     formatIso(slot), outcome.run, outcome.duplicateRecord);
    } else {
        executor_.submit(outcome.run);
    }
    return result;
}

void FirePath::catchUpAtStart(EpochMillis now) {
    for (const auto& job : store_.jobs()) {
        if (!job.enabled || job.catchUp == CatchUp::None ||
            job.schedule.kind() == schedule::Schedule::Kind::None) {
            continue;
        }
        const auto previous = std::max(store_.latestSlot(job.name).value_or(0), job.updatedAt);
        const std::size_t limit = job.catchUp == CatchUp::One ? 1 : kMaxCatchUpRuns;
        const auto missed = slotsBetween(job, previous, now + 1, limit);
        if (missed.empty()) continue;
        spdlog::info("job {}: {} missed slot(s) while belfryd was down, catch_up {}", job.name,
                     missed.size(), toString(job.catchUp));
        runCatchUp(job.name, missed);
    }
}

std::vector<RunId> FirePath::runCatchUp(const std::string& job,
                                        const std::vector<EpochMillis>& slots) {
    std::vector<RunId> runs;
    for (const auto slot : slots) {
        const auto outcome = store_.insertScheduledRun({job, Trigger::Catchup, slot, 1, node_});
        if (outcome.duplicate) continue;
        executor_.submit(outcome.run);
        runs.push_back(outcome.run);
    }
    return runs;
}

}  // namespace belfry
