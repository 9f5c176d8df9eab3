#include "belfry/scheduler/internal_scheduler.h"

#include <algorithm>

namespace belfry {
namespace {

using Clock = std::chrono::system_clock;

// Longest single sleep; bounds how late a fire can be after the wall clock is stepped.
constexpr auto kMaxSleep = std::chrono::minutes(1);

bool sameRegistration(const ScheduledJob& a, const ScheduledJob& b) {
    return a.schedule == b.schedule && a.enabled == b.enabled && a.timeout == b.timeout &&
           a.catchUp == b.catchUp && a.jitter == b.jitter;
}

}  // namespace

InternalScheduler::InternalScheduler(FireCallback onFire) : onFire_(std::move(onFire)) {}

InternalScheduler::~InternalScheduler() {
    stop();
}

void InternalScheduler::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void InternalScheduler::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::string InternalScheduler::upsert(const ScheduledJob& job) {
    if (job.schedule.kind() == schedule::Schedule::Kind::None) return remove(job.name);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& entry = entries_[job.name];
        const bool scheduleChanged = entry.job.schedule != job.schedule;
        entry.job = job;
        if (scheduleChanged || !entry.next) {
            entry.next = job.schedule.nextAfter(schedule::currentInstant());
        }
    }
    changed_.notify_all();
    return "";
}

std::string InternalScheduler::remove(const std::string& name) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.erase(name);
    }
    changed_.notify_all();
    return "";
}

ReconcileReport InternalScheduler::reconcile(const DesiredJobs& desiredJobs, bool dryRun) {
    const auto started = std::chrono::steady_clock::now();
    ReconcileReport report;
    report.dryRun = dryRun;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        std::map<std::string, ScheduledJob> wanted;
        for (auto& job : desiredJobs()) {
            if (job.schedule.kind() != schedule::Schedule::Kind::None) {
                wanted[job.name] = std::move(job);
            }
        }
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (wanted.count(it->first)) {
                ++it;
                continue;
            }
            report.entries.push_back(
                {it->first, ReconcileAction::Removed, "no job with a schedule"});
            it = dryRun ? std::next(it) : entries_.erase(it);
        }
        const auto now = schedule::currentInstant();
        for (auto& [name, job] : wanted) {
            const auto it = entries_.find(name);
            const auto action = it == entries_.end()                    ? ReconcileAction::Created
                                : sameRegistration(it->second.job, job) ? ReconcileAction::Unchanged
                                                                        : ReconcileAction::Updated;
            report.entries.push_back({name, action, ""});
            if (dryRun || action == ReconcileAction::Unchanged) continue;
            auto& entry = entries_[name];
            if (entry.job.schedule != job.schedule || !entry.next)
                entry.next = job.schedule.nextAfter(now);
            entry.job = std::move(job);
        }
    }
    if (!dryRun) changed_.notify_all();
    std::sort(report.entries.begin(), report.entries.end(),
              [](const auto& a, const auto& b) { return a.job < b.job; });
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return report;
}

OsJobState InternalScheduler::state(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    OsJobState state;
    const auto it = entries_.find(name);
    if (it == entries_.end()) return state;
    state.registered = true;
    state.enabled = it->second.job.enabled;
    if (state.enabled) state.next = it->second.next;
    state.last = it->second.last;
    return state;
}

void InternalScheduler::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        std::optional<schedule::Instant> earliest;
        for (const auto& [name, entry] : entries_) {
            if (entry.job.enabled && entry.next && (!earliest || *entry.next < *earliest)) {
                earliest = entry.next;
            }
        }
        const auto now = Clock::now();
        if (!earliest || *earliest > now) {
            const auto wakeAt = earliest ? std::min<Clock::time_point>(*earliest, now + kMaxSleep)
                                         : now + kMaxSleep;
            changed_.wait_until(lock, wakeAt);
            continue;
        }
        // Collect everything due, advance each past its slot, then fire without the lock so the
        // callback may take its time and call upsert/remove.
        std::vector<std::pair<std::string, schedule::Instant>> due;
        for (auto& [name, entry] : entries_) {
            if (!entry.job.enabled || !entry.next || *entry.next > now) continue;
            // Several slots may have passed (a clock step, a long callback): fire the latest one
            // and let the fire path's catch-up rule decide about those in between.
            const auto slot =
                entry.job.schedule.latestAtOrBefore(schedule::toInstant(now)).value_or(*entry.next);
            due.emplace_back(name, slot);
            entry.last = slot;
            entry.next = entry.job.schedule.nextAfter(schedule::toInstant(now));
        }
        lock.unlock();
        for (const auto& [name, slot] : due) onFire_(name, slot);
        lock.lock();
    }
}

}  // namespace belfry
