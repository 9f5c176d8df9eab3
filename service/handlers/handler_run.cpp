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
#include "handler_threads.h"
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

// Everything the handler's thread touches. Shared between the worker and that thread, so that a
// handler abandoned for ignoring cancellation keeps a valid context after its run has ended.
class SharedRun final : public HandlerContext {
  public:
    explicit SharedRun(const HandlerRunSpec& spec)
        : job_(spec.job),
          runId_(spec.runId),
          args_(spec.action.args),
          token_(stop),
          logger_("run " + std::to_string(spec.runId) + " of job " + spec.job + " (handler " +
                  spec.action.name + ")"),
          tail_(spec.outputLimit) {}

    const std::string& jobName() const override { return job_; }
    std::int64_t runId() const override { return runId_; }
    const std::map<std::string, std::string>& args() const override { return args_; }
    const CancellationToken& cancellation() const override { return token_; }
    HandlerLogger& log() override { return logger_; }
    void output(const std::string& text) override {
        std::lock_guard<std::mutex> lock(mutex_);
        tail_.append(text.data(), text.size());
    }

    // On the handler's thread, once execute() is over.
    void finish(std::string failure) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            failure_ = std::move(failure);
            if (abandoned_) --gAbandoned;
        }
        finished.cancel(CancelReason::Cancelled);  // used as a one-shot "done" event
    }

    // On the worker: false if the handler finished after all (then it must be joined).
    bool abandon() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (finished.cancelled()) return false;
        abandoned_ = true;
        ++gAbandoned;
        return true;
    }

    std::string outputText() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return sanitizeUtf8(tail_.text());
    }
    std::string failure() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return failure_;
    }

    CancelSource stop;      // the handler's cancellation token
    CancelSource finished;  // execute() has returned or thrown

  private:
    const std::string job_;
    const std::int64_t runId_;
    const std::map<std::string, std::string> args_;
    Token token_;
    Logger logger_;
    mutable std::mutex mutex_;
    OutputTail tail_;
    std::string failure_;  // "" when execute() returned
    bool abandoned_ = false;
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

}  // namespace

std::size_t abandonedHandlers() {
    return gAbandoned.load();
}

RunResult runHandler(const HandlerRegistry& registry, const HandlerRunSpec& spec,
                     const CancelSource& cancel) {
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

    auto shared = std::make_shared<SharedRun>(spec);
    // std::function needs a copyable callable: the handler travels in a shared_ptr.
    std::shared_ptr<JobHandler> owned = std::move(handler);
    try {
        runOnHandlerThread([shared, owned]() mutable {
            std::string failure;
            try {
                owned->execute(*shared);
            } catch (const std::exception& e) {
                failure = e.what();
                if (failure.empty()) failure = "threw an exception with no message";
            } catch (...) {
                failure = "threw something that is not a std::exception";
            }
            owned.reset();
            shared->finish(std::move(failure));
        });
    } catch (const std::system_error& e) {
        return failed(what + ": cannot start its thread: " + e.what());
    }
    owned.reset();  // the task holds the only reference now: the handler dies on its thread

    const auto deadline =
        spec.timeout.count() > 0 ? Clock::now() + spec.timeout : Clock::time_point::max();
    const auto first = waitForEither(shared->finished, cancel, deadline);
    RunResult result;
    if (first == FirstSignal::First) {
        const auto failure = shared->failure();
        if (!failure.empty()) result = failed(what + ": " + failure);
    } else {
        result = stopped(first == FirstSignal::Deadline, cancel.reason(), spec);
        shared->stop.cancel(CancelReason::Cancelled);
        if (!shared->finished.waitFor(spec.grace) && shared->abandon()) {
            // It cannot be stopped (see belfry/handler.h): its worker moves on without it, and
            // its pool thread stays with it until it returns.
            result.error = "handler ignored cancellation: " + what + " was still running " +
                           formatDuration(spec.grace) + " after being asked to stop (" +
                           result.error + "); its thread is abandoned";
            spdlog::error("run {} of job {}: {} ({} abandoned handler(s) still running)",
                          spec.runId, spec.job, result.error, abandonedHandlers());
        } else {
            result.error = what + ": " + result.error;
        }
    }
    result.output = shared->outputText();
    return result;
}

}  // namespace belfry
