#include "handler_run.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>

#include "belfry/duration.h"
#include "belfry/utf8.h"
#include "deadline_timer.h"
#include "output_tail.h"

namespace belfry {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::size_t> gAbandoned{0};

class Token final : public CancellationToken {
  public:
    explicit Token(const CancelSource& source) : source_(source) {}
    bool cancelled() const override { return source_.cancelled(); }
    bool waitFor(std::chrono::milliseconds timeout) const override {
        return source_.waitFor(timeout);
    }

  private:
    const CancelSource& source_;
};

class Logger final : public HandlerLogger {
  public:
    explicit Logger(std::string prefix) : prefix_(std::move(prefix)) {}
    void info(const std::string& message) override { spdlog::info("{}: {}", prefix_, message); }
    void warn(const std::string& message) override { spdlog::warn("{}: {}", prefix_, message); }
    void error(const std::string& message) override { spdlog::error("{}: {}", prefix_, message); }

  private:
    std::string prefix_;
};

RunResult failed(std::string error) {
    RunResult result;
    result.state = RunState::Failed;
    result.error = std::move(error);
    return result;
}

// Why the handler was asked to stop, as the run's end state.
RunResult stopped(bool timedOut, CancelReason reason, const HandlerRunSpec& spec) {
    RunResult result;
    if (timedOut) {
        result.state = RunState::TimedOut;
        result.error = "timed out after " + formatDuration(spec.timeout);
    } else if (reason == CancelReason::Shutdown) {
        result.state = RunState::Interrupted;
        result.error = "belfryd was shutting down";
    } else {
        result.state = RunState::Cancelled;
        result.error = "cancelled";
    }
    return result;
}

// One handler run as its worker, the run's cancel source and the deadline timer see it. Shared
// by them, so that whichever acts last still finds it.
//
// The worker and the timer race to decide how the run ends: the worker by returning from the
// handler (Running -> Returned), the timer by giving up on it (Running -> Abandoned). Whoever
// moves the state first decides; the other leaves the run alone.
class WatchedRun final : public HandlerContext,
                         public CancelSource::Listener,
                         public std::enable_shared_from_this<WatchedRun> {
  public:
    enum class State { Running, Returned, Abandoned };
    enum class StopCause { None, Timeout, Cancel };

    WatchedRun(const HandlerRunSpec& spec, const CancelSource& cancel,
               const HandlerAbandoned& onAbandoned)
        : spec_(spec),
          cancel_(cancel),
          onAbandoned_(onAbandoned),
          token_(stop_),
          logger_("run " + std::to_string(spec.runId) + " of job " + spec.job + " (handler " +
                  spec.action.name + ")"),
          tail_(spec.outputLimit) {}

    const std::string& jobName() const override { return spec_.job; }
    std::int64_t runId() const override { return spec_.runId; }
    const std::map<std::string, std::string>& args() const override { return spec_.action.args; }
    const CancellationToken& cancellation() const override { return token_; }
    HandlerLogger& log() override { return logger_; }
    void output(const std::string& text) override {
        std::lock_guard<std::mutex> lock(mutex_);
        tail_.append(text.data(), text.size());
    }

    // On the worker, before the handler starts. Throws std::system_error when the timer's thread
    // cannot start.
    void watch() {
        cancel_.addListener(this);
        if (cancel_.cancelled()) requestStop(StopCause::Cancel);
        if (spec_.timeout.count() > 0) {
            std::lock_guard<std::mutex> lock(mutex_);
            timeoutTimer_ = DeadlineTimer::shared().schedule(
                Clock::now() + spec_.timeout,
                [self = shared_from_this()] { self->requestStop(StopCause::Timeout); });
        }
    }

    // On the worker, once the handler has returned (`failure` is "" when it returned normally):
    // the run's end, or nullopt when the timer had given up on it already.
    std::optional<RunResult> returned(const std::string& failure) {
        State expected = State::Running;
        if (!state_.compare_exchange_strong(expected, State::Returned)) {
            --gAbandoned;
            return std::nullopt;
        }
        unwatch();
        const std::string what = "handler " + spec_.action.name;
        RunResult result;
        if (const auto cause = stopCause_.load(); cause != StopCause::None) {
            result = stopped(cause == StopCause::Timeout, cancel_.reason(), spec_);
            result.error = what + ": " + result.error;
        } else if (!failure.empty()) {
            result = failed(what + ": " + failure);
        }
        result.output = outputText();
        return result;
    }

    // The run's cancel source fired (under its lock: only a flag and a timer).
    void sourceCancelled() override { requestStop(StopCause::Cancel); }

  private:
    // Turns the token, and starts the grace period after which the handler is given up on.
    void requestStop(StopCause cause) {
        StopCause none = StopCause::None;
        if (state_.load() != State::Running || !stopCause_.compare_exchange_strong(none, cause)) {
            return;
        }
        stop_.cancel(CancelReason::Cancelled);
        std::lock_guard<std::mutex> lock(mutex_);
        graceTimer_ = DeadlineTimer::shared().schedule(
            Clock::now() + spec_.grace, [self = shared_from_this()] { self->giveUp(); });
    }

    // On the timer's thread, a grace period after the stop request.
    void giveUp() {
        State expected = State::Running;
        if (!state_.compare_exchange_strong(expected, State::Abandoned)) return;
        unwatch();
        ++gAbandoned;
        auto result = stopped(stopCause_.load() == StopCause::Timeout, cancel_.reason(), spec_);
        // It cannot be stopped (see belfry/handler.h): the run ends now, and the worker's thread
        // stays with the handler until it returns.
        result.error = "handler ignored cancellation: handler " + spec_.action.name +
                       " was still running " + formatDuration(spec_.grace) +
                       " after being asked to stop (" + result.error + "); its thread is abandoned";
        result.output = outputText();
        spdlog::error("run {} of job {}: {} ({} abandoned handler(s) still running)", spec_.runId,
                      spec_.job, result.error, abandonedHandlers());
        onAbandoned_(std::move(result));
    }

    // Whoever decided the run's end: no more stop requests, no timer left holding this run.
    void unwatch() {
        cancel_.removeListener(this);
        std::lock_guard<std::mutex> lock(mutex_);
        if (timeoutTimer_) DeadlineTimer::shared().cancel(timeoutTimer_);
        if (graceTimer_) DeadlineTimer::shared().cancel(graceTimer_);
    }

    std::string outputText() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return sanitizeUtf8(tail_.text());
    }

    const HandlerRunSpec spec_;
    // The run's source: the caller keeps it alive while the worker runs the handler, and only
    // the one who decides the run's end (above) touches it afterwards.
    const CancelSource& cancel_;
    const HandlerAbandoned onAbandoned_;
    std::atomic<State> state_{State::Running};
    std::atomic<StopCause> stopCause_{StopCause::None};
    CancelSource stop_;  // the handler's token
    Token token_;
    Logger logger_;
    mutable std::mutex mutex_;
    OutputTail tail_;
    DeadlineTimer::Id timeoutTimer_ = 0;  // guarded by mutex_
    DeadlineTimer::Id graceTimer_ = 0;    // guarded by mutex_
};

}  // namespace

std::size_t abandonedHandlers() {
    return gAbandoned.load();
}

std::optional<RunResult> runHandler(const HandlerRegistry& registry, const HandlerRunSpec& spec,
                                    const CancelSource& cancel,
                                    const HandlerAbandoned& onAbandoned) {
    const std::string what = "handler " + spec.action.name;
    std::unique_ptr<JobHandler> handler;
    try {
        handler = registry.create(spec.action.name);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return failed(what + ": cannot create: " + e.what());
    }
    if (!handler)
        return failed("no handler named " + spec.action.name + " (" + registry.describeNames() +
                      ")");

    auto run = std::make_shared<WatchedRun>(spec, cancel, onAbandoned);
    try {
        run->watch();
    } catch (const std::system_error& e) {
        run->returned("");  // takes back what watch() did
        return failed(what + ": cannot start the timer thread: " + e.what());
    }
    std::string failure;
    try {
        handler->execute(*run);
    } catch (const std::exception& e) {
        failure = e.what();
        if (failure.empty()) failure = "threw an exception with no message";
    } catch (...) {
        failure = "threw something that is not a std::exception";
    }
    handler.reset();
    return run->returned(failure);
}

}  // namespace belfry
