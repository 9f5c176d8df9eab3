// A real handler plugin for the tests: built as a MODULE library and loaded by belfryd through
// `handlers.plugins`, exactly as an operator's plugin would be.
#include <Poco/ClassLibrary.h>

#include <belfry/handler.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

std::chrono::milliseconds millisArg(belfry::HandlerContext& context, const std::string& key) {
    const auto it = context.args().find(key);
    return std::chrono::milliseconds(it == context.args().end() ? 0 : std::stoll(it->second));
}

}  // namespace

// Prints what it was given.
class Echo : public belfry::JobHandler {
  public:
    void execute(belfry::HandlerContext& context) override {
        context.output("job=" + context.jobName() + " run=" + std::to_string(context.runId()) +
                       "\n");
        for (const auto& [key, value] : context.args()) context.output(key + "=" + value + "\n");
        context.log().info("echoed " + std::to_string(context.args().size()) + " argument(s)");
    }
};

// Fails the way real code fails.
class Thrower : public belfry::JobHandler {
  public:
    void execute(belfry::HandlerContext& context) override {
        context.output("about to fail\n");
        throw std::runtime_error("disk full");
    }
};

// Works for args.ms milliseconds, stopping early when asked.
class Patient : public belfry::JobHandler {
  public:
    void execute(belfry::HandlerContext& context) override {
        if (context.cancellation().waitFor(millisArg(context, "ms"))) {
            context.output("stopped early\n");
            return;
        }
        context.output("done\n");
    }
};

// Ignores cancellation: sleeps args.ms milliseconds whatever happens.
class Stubborn : public belfry::JobHandler {
  public:
    void execute(belfry::HandlerContext& context) override {
        std::this_thread::sleep_for(millisArg(context, "ms"));
    }
};

POCO_BEGIN_MANIFEST(belfry::JobHandler)
POCO_EXPORT_CLASS(Echo)
POCO_EXPORT_CLASS(Thrower)
POCO_EXPORT_CLASS(Patient)
POCO_EXPORT_CLASS(Stubborn)
POCO_END_MANIFEST
