#include "concurrency_gate.h"

#include <algorithm>

namespace belfry {

Admission ConcurrencyGate::admit(const std::string& job, Concurrency policy, RunId id) {
    auto& runs = jobs_[job];
    Admission admission;
    if (runs.active.count(id)) return admission;
    const auto start = [&] {
        runs.active.insert(id);
        jobOf_[id] = job;
        return admission;
    };
    const auto wait = [&] {
        // In id order, which is the order the runs were queued in, whichever worker got here first.
        runs.waiting.insert(std::upper_bound(runs.waiting.begin(), runs.waiting.end(), id), id);
        jobOf_[id] = job;
        admission.kind = Admission::Kind::Wait;
        return admission;
    };
    if (runs.active.empty() && runs.waiting.empty()) return start();
    switch (policy) {
        case Concurrency::Parallel:
            return start();
        case Concurrency::Skip:
            // Waiting runs of a skip job exist only if its policy changed while they waited.
            if (runs.active.empty()) return wait();
            admission.kind = Admission::Kind::Skip;
            admission.blocking = *runs.active.rbegin();
            return admission;
        case Concurrency::Queue:
            return wait();
        case Concurrency::Replace:
            admission.replace.assign(runs.active.begin(), runs.active.end());
            for (const auto waiting : runs.waiting) jobOf_.erase(waiting);
            admission.superseded.assign(runs.waiting.begin(), runs.waiting.end());
            runs.waiting.clear();
            if (runs.active.empty()) return start();
            return wait();
    }
    return start();
}

std::optional<RunId> ConcurrencyGate::release(RunId id) {
    const auto found = jobOf_.find(id);
    if (found == jobOf_.end()) return std::nullopt;
    const auto job = found->second;
    jobOf_.erase(found);
    auto& runs = jobs_[job];
    runs.active.erase(id);
    runs.waiting.erase(std::remove(runs.waiting.begin(), runs.waiting.end(), id),
                       runs.waiting.end());
    std::optional<RunId> next;
    if (runs.active.empty() && !runs.waiting.empty()) {
        next = runs.waiting.front();
        runs.waiting.pop_front();
        runs.active.insert(*next);
    }
    if (runs.active.empty() && runs.waiting.empty()) jobs_.erase(job);
    return next;
}

bool ConcurrencyGate::isWaiting(RunId id) const {
    const auto found = jobOf_.find(id);
    if (found == jobOf_.end()) return false;
    const auto& waiting = jobs_.at(found->second).waiting;
    return std::find(waiting.begin(), waiting.end(), id) != waiting.end();
}

}  // namespace belfry
