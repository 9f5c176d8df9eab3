// The public interface of a Belfry C++ handler: a job action that runs your code inside belfryd
// instead of a process or an HTTP call. This header is the whole contract; it needs nothing but
// the standard library, so a plugin built against it does not depend on belfryd's internals.
//
// Lifecycle: belfryd makes a new handler object for every run (default-constructed for a plugin
// class, from your factory for an in-process one), calls execute() once on one of its worker
// threads, and destroys the object afterwards. Different runs use different objects, possibly at
// the same time on different threads: share state between runs only with your own
// synchronisation.
//
// Outcome: execute() returning is a succeeded run; throwing (any exception) is a failed run whose
// error is the exception's what(). belfryd never dies of a handler's exception.
//
// Cancellation: when the run is cancelled, belfryd shuts down, or the job's timeout passes, the
// token turns cancelled; return promptly (throwing is fine too). A handler still running a grace
// period later is abandoned: the run is recorded (timed_out, or cancelled) with the error
// "handler ignored cancellation", a new worker takes its worker's place, and that thread keeps
// running your code until it returns or belfryd exits. It cannot be killed: C++ offers no safe
// way to stop a thread.
//
// Plugins: a shared library exporting handler classes through Poco's class loader manifest:
//
//     #include <Poco/ClassLibrary.h>
//     #include <belfry/handler.h>
//     class Report : public belfry::JobHandler { void execute(belfry::HandlerContext&) override; };
//     POCO_BEGIN_MANIFEST(belfry::JobHandler)
//         POCO_EXPORT_CLASS(Report)
//     POCO_END_MANIFEST
//
// Each exported class becomes a handler named after the class as written in POCO_EXPORT_CLASS.
// Build it with the same compiler and Poco as belfryd (the manifest is checked by type name).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace belfry {

// Thread-safety: every method may be called from any thread.
class CancellationToken {
  public:
    virtual ~CancellationToken() = default;
    virtual bool cancelled() const = 0;
    // Sleeps up to `timeout`, waking at once on cancellation; returns cancelled(). Use it instead
    // of sleep_for so a pause never delays a cancel.
    virtual bool waitFor(std::chrono::milliseconds timeout) const = 0;
};

// Lines for belfryd's own log, tagged with the job and run. Thread-safety: any thread.
class HandlerLogger {
  public:
    virtual ~HandlerLogger() = default;
    virtual void info(const std::string& message) = 0;
    virtual void warn(const std::string& message) = 0;
    virtual void error(const std::string& message) = 0;
};

// What a run gives its handler. Valid until execute() returns; do not keep references beyond it.
// Thread-safety: any thread during execute().
class HandlerContext {
  public:
    virtual ~HandlerContext() = default;
    virtual const std::string& jobName() const = 0;
    virtual std::int64_t runId() const = 0;
    // The job's `handler.args`, as strings.
    virtual const std::map<std::string, std::string>& args() const = 0;
    virtual const CancellationToken& cancellation() const = 0;
    virtual HandlerLogger& log() = 0;
    // Appends to the run's recorded output (its tail is kept, like a process's stdout).
    virtual void output(const std::string& text) = 0;
};

class JobHandler {
  public:
    virtual ~JobHandler() = default;
    virtual void execute(HandlerContext& context) = 0;
};

}  // namespace belfry
