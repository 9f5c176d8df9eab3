// C++ handlers: the registry (in-process and a real plugin library) and a handler run's ends —
// success with output, an exception, an unknown name, timeout, cancel, and a handler that ignores
// cancellation and is abandoned.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include "handler_registry.h"
#include "handler_run.h"

namespace belfry {
namespace {

using namespace std::chrono_literals;

// A handler made of a lambda, for in-process registration.
class LambdaHandler : public JobHandler {
  public:
    explicit LambdaHandler(std::function<void(HandlerContext&)> body) : body_(std::move(body)) {}
    void execute(HandlerContext& context) override { body_(context); }

  private:
    std::function<void(HandlerContext&)> body_;
};

HandlerRegistry::Factory factoryOf(std::function<void(HandlerContext&)> body) {
    return [body] { return std::make_unique<LambdaHandler>(body); };
}

HandlerRunSpec specFor(const std::string& name, std::chrono::milliseconds timeout = 10s) {
    HandlerRunSpec spec;
    spec.job = "nightly";
    spec.runId = 42;
    spec.action.name = name;
    spec.timeout = timeout;
    spec.grace = 200ms;
    return spec;
}

// Runs a handler that returns by itself: it is never abandoned.
RunResult runToEnd(const HandlerRegistry& registry, const HandlerRunSpec& spec,
                   const CancelSource& cancel) {
    const auto result = runHandler(registry, spec, cancel, [](RunResult abandoned) {
        ADD_FAILURE() << "abandoned: " << abandoned.error;
    });
    if (!result) {
        ADD_FAILURE() << "no result";
        return {};
    }
    return *result;
}

TEST(HandlerRun, SucceedsWithItsOutputAndSeesJobRunAndArgs) {
    HandlerRegistry registry;
    registry.add("greet", factoryOf([](HandlerContext& context) {
                     context.output(context.jobName() + "#" + std::to_string(context.runId()) +
                                    " hello " + context.args().at("who"));
                     context.log().info("greeted");
                 }));
    auto spec = specFor("greet");
    spec.action.args = {{"who", "world"}};
    CancelSource cancel;
    const auto result = runToEnd(registry, spec, cancel);
    EXPECT_EQ(result.state, RunState::Succeeded) << result.error;
    EXPECT_EQ(result.output, "nightly#42 hello world");
    EXPECT_EQ(result.error, "");
}

TEST(HandlerRun, AnExceptionIsAFailedRunWithItsMessage) {
    HandlerRegistry registry;
    registry.add("broken", factoryOf([](HandlerContext& context) {
                     context.output("partial work\n");
                     throw std::runtime_error("the ledger is locked");
                 }));
    registry.add("odd", factoryOf([](HandlerContext&) { throw 42; }));
    CancelSource cancel;
    const auto result = runToEnd(registry, specFor("broken"), cancel);
    EXPECT_EQ(result.state, RunState::Failed);
    EXPECT_EQ(result.error, "handler broken: the ledger is locked");
    EXPECT_EQ(result.output, "partial work\n");
    const auto odd = runToEnd(registry, specFor("odd"), cancel);
    EXPECT_EQ(odd.state, RunState::Failed);
    EXPECT_NE(odd.error.find("not a std::exception"), std::string::npos) << odd.error;
}

TEST(HandlerRun, AnUnknownHandlerFailsNamingTheRegisteredOnes) {
    HandlerRegistry registry;
    registry.add("alpha", factoryOf([](HandlerContext&) {}));
    CancelSource cancel;
    const auto result = runToEnd(registry, specFor("beta"), cancel);
    EXPECT_EQ(result.state, RunState::Failed);
    EXPECT_EQ(result.error, "no handler named beta (registered: alpha)");
}

TEST(HandlerRun, TimeoutCancelsTheTokenAndACooperativeHandlerEndsTimedOut) {
    HandlerRegistry registry;
    registry.add("waits", factoryOf([](HandlerContext& context) {
                     if (context.cancellation().waitFor(30s)) context.output("asked to stop");
                 }));
    CancelSource cancel;
    const auto started = std::chrono::steady_clock::now();
    const auto result = runToEnd(registry, specFor("waits", 100ms), cancel);
    EXPECT_EQ(result.state, RunState::TimedOut);
    EXPECT_EQ(result.error, "handler waits: timed out after 100ms");
    EXPECT_EQ(result.output, "asked to stop");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(HandlerRun, CancelAndShutdownStopACooperativeHandlerPromptly) {
    HandlerRegistry registry;
    registry.add("waits", factoryOf([](HandlerContext& context) {
                     while (!context.cancellation().cancelled()) std::this_thread::sleep_for(1ms);
                 }));
    for (const auto reason : {CancelReason::Cancelled, CancelReason::Shutdown}) {
        CancelSource cancel;
        std::thread canceller([&] {
            std::this_thread::sleep_for(50ms);
            cancel.cancel(reason);
        });
        const auto result = runToEnd(registry, specFor("waits"), cancel);
        canceller.join();
        EXPECT_EQ(result.state,
                  reason == CancelReason::Cancelled ? RunState::Cancelled : RunState::Interrupted);
    }
}

TEST(HandlerRun, AHandlerIgnoringCancellationIsAbandonedAndReportedAsSuch) {
    HandlerRegistry registry;
    auto release = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    registry.add("stubborn", factoryOf([released](HandlerContext& context) {
                     context.output("started\n");
                     released.wait();  // deaf to the token
                 }));
    const auto before = abandonedHandlers();
    CancelSource cancel;
    std::promise<RunResult> abandoned;
    std::optional<RunResult> returned;
    const auto started = std::chrono::steady_clock::now();
    // The worker's thread stays in the handler; the run's end comes from the timer.
    std::thread worker([&] {
        returned = runHandler(registry, specFor("stubborn", 100ms), cancel,
                              [&](RunResult result) { abandoned.set_value(std::move(result)); });
    });
    auto ended = abandoned.get_future();
    ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
    // Reported after timeout + grace, not when the handler chose to return.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    const auto result = ended.get();
    EXPECT_EQ(result.state, RunState::TimedOut);
    EXPECT_EQ(result.error.rfind("handler ignored cancellation: handler stubborn", 0), 0u)
        << result.error;
    EXPECT_NE(result.error.find("timed out after 100ms"), std::string::npos) << result.error;
    EXPECT_EQ(result.output, "started\n");
    EXPECT_EQ(abandonedHandlers(), before + 1);

    release->set_value();  // when it finally returns, it is no longer counted
    worker.join();
    EXPECT_FALSE(returned) << "the worker must leave an abandoned run alone";
    EXPECT_EQ(abandonedHandlers(), before);
}

TEST(HandlerRun, AHandlerReturningWithinItsGraceIsNotAbandoned) {
    HandlerRegistry registry;
    registry.add("slow", factoryOf([](HandlerContext& context) {
                     context.cancellation().waitFor(30s);
                     std::this_thread::sleep_for(50ms);  // tidying up, well within the grace
                 }));
    auto spec = specFor("slow", 100ms);
    spec.grace = 10s;  // a loaded machine may pause the handler's thread, never for this long
    CancelSource cancel;
    const auto result = runToEnd(registry, spec, cancel);
    EXPECT_EQ(result.state, RunState::TimedOut);
    EXPECT_EQ(result.error, "handler slow: timed out after 100ms");
}

TEST(HandlerRegistry, RefusesATakenName) {
    HandlerRegistry registry;
    registry.add("one", factoryOf([](HandlerContext&) {}));
    EXPECT_THROW(registry.add("one", factoryOf([](HandlerContext&) {})), HandlerError);
    EXPECT_TRUE(registry.has("one"));
    EXPECT_EQ(registry.create("two"), nullptr);
}

TEST(HandlerRegistry, LoadsEveryClassOfARealPluginLibrary) {
    HandlerRegistry registry;
    const auto names = registry.loadPlugin(BELFRY_TEST_PLUGIN);
    EXPECT_EQ(names, (std::vector<std::string>{"Echo", "Patient", "Stubborn", "Thrower"}));
    auto spec = specFor("Echo");
    spec.action.args = {{"colour", "blue"}};
    CancelSource cancel;
    const auto result = runToEnd(registry, spec, cancel);
    EXPECT_EQ(result.state, RunState::Succeeded) << result.error;
    EXPECT_EQ(result.output, "job=nightly run=42\ncolour=blue\n");
    const auto thrown = runToEnd(registry, specFor("Thrower"), cancel);
    EXPECT_EQ(thrown.error, "handler Thrower: disk full");
}

TEST(HandlerRegistry, AMissingPluginIsAnErrorNamingThePath) {
    HandlerRegistry registry;
    try {
        registry.loadPlugin("/nonexistent/libnothing.so");
        FAIL() << "loaded a missing library";
    } catch (const HandlerError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/libnothing.so"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace belfry
