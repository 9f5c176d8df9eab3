#include "executor.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>

#include "belfry/duration.h"
#include "belfry/utf8.h"
#include "continuations.h"
#include "handler_run.h"
#include "http_action.h"
#include "process_runner.h"
#include "retry_policy.h"
#include "timestamps.h"

namespace belfry {
namespace {

RunResult resultOf(const ActionOutcome& outcome) {
    RunResult result;
    result.output = sanitizeUtf8(outcome.output);
    result.error = outcome.error;
    if (outcome.exitCode >= 0 && outcome.ending == Ending::Exited)
        result.exitCode = outcome.exitCode;
    if (outcome.signal > 0) result.signal = outcome.signal;
    if (outcome.httpStatus > 0) result.httpStatus = outcome.httpStatus;
    switch (outcome.ending) {
        case Ending::Exited:
            result.state = outcome.succeeded() ? RunState::Succeeded : RunState::Failed;
            if (!outcome.succeeded() && result.error.empty()) {
                result.error = outcome.httpStatus > 0
                                   ? "HTTP status " + std::to_string(outcome.httpStatus) +
                                         " is outside the expected range"
                                   : "exited with status " + std::to_string(outcome.exitCode);
            }
            break;
        case Ending::Signaled:
            result.state = RunState::Failed;
            if (result.error.empty()) {
                result.error = "killed by signal " + std::to_string(outcome.signal) + " (" +
                               ::strsignal(outcome.signal) + ")";
            }
            break;
        case Ending::TimedOut:
            result.state = RunState::TimedOut;
            break;
        case Ending::Cancelled:
            if (outcome.cancelReason == CancelReason::Shutdown) {
                result.state = RunState::Interrupted;
                result.error = "belfryd was shutting down";
            } else if (outcome.cancelReason == CancelReason::Replaced) {
                result.state = RunState::Cancelled;
                result.error = "replaced by a newer run of the job (concurrency replace)";
            } else {
                result.state = RunState::Cancelled;
                if (result.error.empty()) result.error = "cancelled";
            }
            break;
        case Ending::SpawnFailed:
        case Ending::RequestFailed:
            result.state = RunState::Failed;
            break;
    }
    return result;
}

std::string urlForLog(const std::string& url) {
    try {
        const Poco::URI uri(url);
        return uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort()) +
               uri.getPath();
    } catch (const Poco::Exception&) {
        return "(unparsable URL)";
    }
}

}  // namespace

Executor::Executor(Store& store, ExecutorOptions options)
    : store_(store), options_(std::move(options)), due_([this](RunId id) { submit(id); }) {}

Executor::~Executor() {
    shutdown();
}

void Executor::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < options_.workers; ++i) startWorker();
    due_.start();
}

void Executor::submitWhenDue(RunId id, std::optional<EpochMillis> due) {
    if (due) {
        due_.add(id, *due);
    } else {
        submit(id);
    }
}

bool Executor::submit(RunId id) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return false;
        if (!queued_.insert(id).second) return true;
        queue_.push_back(id);
    }
    workAvailable_.notify_one();
    return true;
}

Executor::CancelResult Executor::cancel(RunId id) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (auto it = running_.find(id); it != running_.end()) {
        it->second->cancel(CancelReason::Cancelled);
        return CancelResult::Cancelling;
    }
    const bool wasQueuedHere = queued_.erase(id) > 0;
    parked_.erase(id);
    lock.unlock();
    // A queued run ends here and now; the worker that pops it later finds it no longer queued.
    RunResult cancelled;
    cancelled.state = RunState::Cancelled;
    cancelled.error = "cancelled before it started";
    if (store_.finishRun(id, cancelled, nowMillis())) {
        releaseSlot(id);
        forget(id);
        return CancelResult::Cancelling;
    }
    if (wasQueuedHere) forget(id);
    return store_.run(id) ? CancelResult::AlreadyEnded : CancelResult::NotFound;
}

bool Executor::waitUntilEnded(RunId id, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto active = [&] {
        return queued_.count(id) || running_.count(id) || parked_.count(id);
    };
    if (!active()) {
        if (recentlyEnded_.count(id)) return true;
        // Not ours (queued during shutdown, or ended by another node), or between two of a
        // worker's steps: wake when it ends here, else the caller re-reads the store at the
        // deadline.
        return runEnded_.wait_until(lock, deadline, [&] {
            return stopping_ || recentlyEnded_.count(id) > 0;
        }) && !stopping_;
    }
    return runEnded_.wait_until(lock, deadline, [&] { return !active() || stopping_; });
}

void Executor::stopAccepting() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    due_.stop();
    workAvailable_.notify_all();
    runEnded_.notify_all();  // long-polls answer now instead of holding up the HTTP server's stop
}

bool Executor::stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
}

void Executor::shutdown() {
    stopAccepting();
    std::unique_lock<std::mutex> lock(mutex_);
    for (auto& [id, cancel] : running_) cancel->cancel(CancelReason::Shutdown);
    // Every worker leaves, or is replaced by none once its handler is abandoned; ends still being
    // committed call back into this executor when they are.
    workersChanged_.wait(lock, [&] { return liveWorkers_ == 0 && recording_ == 0; });
}

std::size_t Executor::runningCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_.size();
}

std::size_t Executor::queuedCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_.size();
}

namespace {
// Set on a worker's thread when the handler it ran was abandoned (see replaceWorker()).
thread_local bool tWorkerAbandoned = false;
}  // namespace

void Executor::startWorker() {
    // Detached: a worker whose handler is abandoned cannot be joined (it returns whenever the
    // handler does), so shutdown() waits on the count of live workers instead.
    std::thread([this] { workerLoop(); }).detach();
    ++liveWorkers_;
}

void Executor::replaceWorker() {
    std::lock_guard<std::mutex> lock(mutex_);
    --liveWorkers_;
    if (stopping_) {
        workersChanged_.notify_all();
        return;
    }
    try {
        startWorker();
    } catch (const std::system_error& e) {
        spdlog::error(
            "cannot start a worker to replace one lost to an abandoned handler: {} "
            "({} workers left)",
            e.what(), liveWorkers_);
    }
}

void Executor::workerLoop() {
    for (;;) {
        RunId id = 0;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            workAvailable_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                --liveWorkers_;
                // Under the lock, so shutdown() cannot return before this thread is done with
                // the executor.
                workersChanged_.notify_all();
                return;
            }
            id = queue_.front();
            queue_.pop_front();
            if (!queued_.count(id)) continue;  // cancelled while queued
        }
        try {
            execute(id);
        } catch (...) {
            // The store failing is the one thing a worker cannot record; log it and keep serving,
            // and give up the run's turn so its job is not blocked for good.
            logStoreFailure(id, std::current_exception());
            releaseSlot(id);
            forget(id);
        }
        // This thread's run was ended without it and another worker took its place: the
        // executor may be gone by now, so the thread leaves without touching it.
        if (tWorkerAbandoned) return;
    }
}

void Executor::forget(RunId id) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queued_.erase(id);
        running_.erase(id);
        // Remember recent ends so a waiter that read the store just before the end returns at
        // once instead of waiting for its re-read deadline.
        recentlyEnded_.insert(id);
        endOrder_.push_back(id);
        if (endOrder_.size() > kRecentlyEndedCapacity) {
            recentlyEnded_.erase(endOrder_.front());
            endOrder_.pop_front();
        }
    }
    runEnded_.notify_all();
}

void Executor::execute(RunId id) {
    auto cancel = std::make_shared<CancelSource>();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // Shutdown began after this worker took the run: leave it queued in the store for the
        // next start rather than begin something we are about to interrupt.
        if (stopping_) {
            queued_.erase(id);
            return;
        }
        // Otherwise the run stays in queued_ until admit() moves it to running_ or parked_: a
        // long-poll that looks in between must see it as active, or it would sleep through the
        // run's end until its re-read deadline.
    }
    auto read = store_.runAndJob(id);
    // Shared: an abandoned handler's run is ended from another thread (perform()).
    const auto found = read ? std::make_shared<const Store::RunAndJob>(std::move(*read)) : nullptr;
    const auto* run = found ? &found->run : nullptr;
    if (!run || run->state != RunState::Queued) {
        // Ended while queued (a cancel, a replacing run): if the gate had chosen it, its turn
        // passes to the next waiting run.
        releaseSlot(id);
        forget(id);
        return;
    }
    const auto& job = found->job;
    if (!admit(*run, job, cancel)) return;
    if (!store_.markRunning(id, nowMillis())) {
        releaseSlot(id);
        forget(id);
        return;
    }
    std::optional<RunResult> result;
    if (!job) {
        result.emplace();
        result->state = RunState::Failed;
        result->error = "job " + run->job + " no longer exists";
    } else {
        result = perform(found, *cancel);
    }
    if (!result) {
        tWorkerAbandoned = true;  // the run has ended already (perform())
        return;
    }
    record(id, *run, job, std::move(*result));
}

bool Executor::admit(const Run& run, const std::optional<Job>& job,
                     const std::shared_ptr<CancelSource>& cancel) {
    // A run whose job is gone starts (and fails, saying so) without holding anyone up.
    auto policy = job ? job->concurrency : Concurrency::Parallel;
    // catch_up all asked for every missed slot to run: under skip they take turns instead of
    // skipping each other (a catch-up run still yields to nothing else than the line it is in).
    if (policy == Concurrency::Skip && run.trigger == Trigger::Catchup) policy = Concurrency::Queue;
    Admission admission;
    std::vector<RunId> superseded;
    bool replacedBeforeStart = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queued_.erase(run.id);
        if (stopping_) return false;
        admission = gate_.admit(run.job, policy, run.id);
        if (admission.kind == Admission::Kind::Start) {
            replacedBeforeStart = replacedBeforeStart_.erase(run.id) > 0;
            if (!replacedBeforeStart) running_.emplace(run.id, cancel);
        }
        if (admission.kind == Admission::Kind::Wait) parked_.insert(run.id);
        for (const auto active : admission.replace) {
            if (auto it = running_.find(active); it != running_.end()) {
                it->second->cancel(CancelReason::Replaced);
            } else {
                // Chosen by the gate, not started yet: its worker ends it on admission.
                replacedBeforeStart_.insert(active);
            }
        }
        for (const auto waiting : admission.superseded) parked_.erase(waiting);
        superseded = admission.superseded;
    }
    if (replacedBeforeStart) superseded.push_back(run.id);
    for (const auto other : superseded) {
        RunResult replaced;
        replaced.state = RunState::Cancelled;
        replaced.error = "replaced by a newer run of the job before it started";
        store_.finishRun(other, replaced, nowMillis());
        forget(other);
    }
    if (replacedBeforeStart) {
        releaseSlot(run.id);
        return false;
    }
    if (admission.kind == Admission::Kind::Wait) {
        spdlog::info("run {} of job {}: waiting for the active run to end (concurrency {})", run.id,
                     run.job, toString(policy));
        return false;
    }
    if (admission.kind == Admission::Kind::Skip) {
        RunResult skipped;
        skipped.state = RunState::Skipped;
        skipped.error = "run " + std::to_string(admission.blocking) +
                        " of the job was still active (concurrency skip)";
        store_.finishRun(run.id, skipped, nowMillis());
        spdlog::info("run {} of job {}: skipped, run {} still active", run.id, run.job,
                     admission.blocking);
        forget(run.id);
        return false;
    }
    return true;
}

std::optional<RunResult> Executor::perform(const std::shared_ptr<const Store::RunAndJob>& found,
                                           CancelSource& cancel) {
    const Job& job = *found->job;
    const RunId id = found->run.id;
    if (job.exec) {
        ProcessSpec spec;
        spec.argv = job.exec->argv;
        spec.cwd = job.exec->cwd;
        spec.env = job.exec->env;
        spec.env["BELFRY_JOB"] = job.name;
        spec.env["BELFRY_RUN_ID"] = std::to_string(id);
        spec.timeout = job.timeout;
        spec.killGrace = options_.killGrace;
        spec.shutdownGrace = options_.shutdownGrace;
        spec.outputLimit = options_.outputLimit;
        spdlog::info("run {} of job {}: starting {}", id, job.name, spec.argv.front());
        return resultOf(runProcess(spec, cancel));
    }
    if (job.http) {
        HttpSpec spec;
        spec.method = job.http->method;
        spec.url = job.http->url;
        spec.headers = job.http->headers;
        spec.body = job.http->body;
        spec.expectLow = job.http->expectLow;
        spec.expectHigh = job.http->expectHigh;
        spec.caFile = job.http->caFile;
        spec.timeout = job.timeout;
        spec.responseLimit = options_.outputLimit;
        // Only scheme, host and path: a URL's query or user-info may carry credentials.
        spdlog::info("run {} of job {}: {} {}", id, job.name, spec.method, urlForLog(spec.url));
        return resultOf(runHttp(spec, cancel));
    }
    if (job.handler) {
        static const HandlerRegistry kNoHandlers;
        spdlog::info("run {} of job {}: handler {}", id, job.name, job.handler->name);
        // A handler that ignores cancellation keeps this thread: its run is ended from the
        // timer's thread, and another worker takes this one's place.
        return runHandler(
            options_.handlers ? *options_.handlers : kNoHandlers,
            {job.name, id, *job.handler, job.timeout, options_.killGrace, options_.outputLimit},
            cancel, [this, found](RunResult abandoned) {
                record(found->run.id, found->run, found->job, std::move(abandoned));
                replaceWorker();
            });
    }
    RunResult result;
    result.state = RunState::Failed;
    result.error = "job " + job.name + " has no action";
    return result;
}

void Executor::record(RunId id, const Run& run, const std::optional<Job>& job, RunResult result) {
    const auto now = nowMillis();
    std::vector<NewRun> next;
    if (job) {
        const auto retry = retryFor(*job, run, result.state, now, options_.node);
        if (retry) next.push_back(*retry);
        for (const auto& target : continuationTargets(*job, result.state, retry.has_value())) {
            // A disabled or deleted target is left out: disabling a job silences it.
            const auto targetJob = store_.job(target);
            if (targetJob && targetJob->enabled) {
                next.push_back(continuationRun(target, options_.node));
            } else {
                spdlog::warn("run {} of job {}: continuation {} not started: the job is {}", id,
                             run.job, target, targetJob ? "disabled" : "gone");
            }
        }
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++recording_;
    }
    auto recorded = [this, id, jobName = run.job, state = result.state, error = result.error, next,
                     attempts = job ? job->retry.max + 1 : 1](
                        std::optional<std::vector<RunId>> queued, std::exception_ptr failure) {
        if (failure) {
            logStoreFailure(id, failure);
        } else {
            for (std::size_t i = 0; queued && i < queued->size(); ++i) {
                const auto& follower = next[i];
                if (follower.trigger == Trigger::Retry) {
                    spdlog::info("run {} of job {}: attempt {} of {} queued as run {}, due {}", id,
                                 jobName, follower.attempt, attempts, (*queued)[i],
                                 formatIso(*follower.dueAt));
                } else {
                    spdlog::info("run {} of job {}: continuation {} queued as run {}", id, jobName,
                                 follower.job, (*queued)[i]);
                }
                submitWhenDue((*queued)[i], follower.dueAt);
            }
            spdlog::log(state == RunState::Succeeded ? spdlog::level::info : spdlog::level::warn,
                        "run {} of job {}: {}{}{}", id, jobName, toString(state),
                        error.empty() ? "" : ": ", error);
        }
        releaseSlot(id);
        forget(id);
        std::lock_guard<std::mutex> lock(mutex_);
        --recording_;
        workersChanged_.notify_all();  // under the lock: shutdown() may destroy this executor next
    };
    try {
        store_.finishRunAndQueueThen(id, std::move(result), now, std::move(next), recorded);
    } catch (...) {
        recorded(std::nullopt, std::current_exception());
    }
}

void Executor::logStoreFailure(RunId id, std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        spdlog::error("run {}: {}", id, e.what());
    } catch (...) {
        spdlog::error("run {}: the store failed", id);
    }
}

void Executor::releaseSlot(RunId id) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        replacedBeforeStart_.erase(id);
        const auto next = gate_.release(id);
        if (!next) return;
        parked_.erase(*next);
        // The gate has made it active: it must run even if this belfryd is stopping, so it stays
        // queued in the store, and otherwise goes to the front of the line.
        if (stopping_ || !queued_.insert(*next).second) return;
        queue_.push_front(*next);
    }
    workAvailable_.notify_one();
}

}  // namespace belfry
