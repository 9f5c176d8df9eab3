// Prints handler-run figures (never fails on time):
//   - handler runs/s: no-op in-process handlers through the real executor and a real SQLite
//     store, each run inserted (queued), started and finished with its history committed, as
//     belfryd does for an API-submitted run minus the HTTP round trip (target >= 15,000/s)
//   - enqueue -> start latency, p50/p99: from the committed insert of a queued run to the moment
//     its handler begins, once for runs submitted one at a time (the path itself) and once for
//     the burst above (mostly time spent queued behind earlier runs)
//   - the handler dispatch alone (runHandler on one thread, no store): the part of each run's
//     cost that belongs to handlers — its context, token, timeout and output tail
// The store is the one belfryd uses (WAL, synchronous=NORMAL); logging is off so the figure is
// the executor's and the store's, not spdlog's.
// The figures are printed for the default pool (workers = 8) and for a pool of 64, the size a
// handler-heavy service would configure (handler runs are in-process and cheap to keep waiting),
// or for the one pool size given.
// Usage: handler_bench [runs=20000] [workers]
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "executor.h"
#include "handler_registry.h"
#include "handler_run.h"
#include "job_json.h"
#include "store.h"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> samples, double p) {
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[index];
}

// Notes when its run began; does nothing else.
class StartRecorder : public belfry::JobHandler {
  public:
    explicit StartRecorder(std::vector<Clock::time_point>& starts, belfry::RunId firstId)
        : starts_(starts), firstId_(firstId) {}
    void execute(belfry::HandlerContext& context) override {
        starts_[static_cast<std::size_t>(context.runId() - firstId_)] = Clock::now();
    }

  private:
    std::vector<Clock::time_point>& starts_;
    belfry::RunId firstId_;
};

// Everything but the dispatch-alone figure, through a fresh store and executor.
void measureThroughExecutor(int runs, int workers) {
    const auto dir = Poco::TemporaryFile::tempName();
    Poco::File(dir).createDirectories();
    {
        auto store = belfry::openSqliteStore(dir + "/belfry.db");
        auto job = belfry::jobFromJson(*belfry::parseJsonObject(
            R"({"name": "noop", "concurrency": "parallel", "handler": {"name": "noop"}})"));
        store->insertJob(job);

        // Ids are consecutive in a fresh database: the first run's id locates every start.
        std::vector<Clock::time_point> enqueued(static_cast<std::size_t>(runs));
        constexpr int kOneByOne = 500;
        constexpr int kBulk = 500;  // runs enqueued per insertRuns() call
        std::vector<Clock::time_point> started(static_cast<std::size_t>(runs + kOneByOne));
        const belfry::NewRun newRun{"noop", belfry::Trigger::Api, {}, 1, "bench"};
        belfry::HandlerRegistry handlers;
        belfry::RunId firstId = 0;
        handlers.add("noop", [&] { return std::make_unique<StartRecorder>(started, firstId); });

        belfry::ExecutorOptions options;
        options.workers = workers;
        options.node = "bench";
        options.handlers = &handlers;
        belfry::Executor executor(*store, options);
        executor.start();

        std::vector<belfry::RunId> ids;
        ids.reserve(static_cast<std::size_t>(runs));
        const auto begin = Clock::now();
        for (int i = 0; i < runs; i += kBulk) {
            const auto count = std::min(kBulk, runs - i);
            const auto batch = store->insertRuns(std::vector<belfry::NewRun>(count, newRun));
            if (i == 0) firstId = batch.front();
            const auto committed = Clock::now();
            for (const auto id : batch) {
                enqueued[static_cast<std::size_t>(id - firstId)] = committed;
                ids.push_back(id);
                executor.submit(id);
            }
        }
        const auto allQueued = Clock::now();
        // A run leaves the executor's counts only after its end is committed; the store is
        // checked below for every run's recorded state.
        while (executor.queuedCount() + executor.runningCount() > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // <0.1% of the figure
        }
        const auto end = Clock::now();

        std::vector<double> oneByOne;
        for (int i = 0; i < kOneByOne; ++i) {
            const auto id = store->insertRun(newRun);
            const auto submitted = Clock::now();
            executor.submit(id);
            while (executor.queuedCount() + executor.runningCount() > 0) std::this_thread::yield();
            oneByOne.push_back(std::chrono::duration<double, std::milli>(
                                   started[static_cast<std::size_t>(id - firstId)] - submitted)
                                   .count());
        }
        executor.shutdown();

        belfry::RunFilter filter;
        filter.state = belfry::RunState::Succeeded;
        filter.limit = runs + kOneByOne;
        const auto succeeded = store->runs(filter).size();

        std::vector<double> latencies;
        for (int i = 0; i < runs; ++i) {
            const auto index = static_cast<std::size_t>(i);
            latencies.push_back(
                std::chrono::duration<double, std::milli>(started[index] - enqueued[index])
                    .count());
        }
        const double seconds = std::chrono::duration<double>(end - begin).count();
        std::printf("handler runs: %d in %.2f s with %d workers; %zu of %d recorded succeeded\n",
                    runs, seconds, workers, succeeded, runs + kOneByOne);
        std::printf("handler runs/s (history committed): %.0f  (target >= 15000)\n",
                    runs / seconds);
        std::printf("enqueueing alone: %.0f runs/s (insert + submit)\n",
                    runs / std::chrono::duration<double>(allQueued - begin).count());
        std::printf("enqueue -> start, one run at a time: p50 %.3f ms  p99 %.3f ms  (n=%d)\n",
                    percentile(oneByOne, 0.5), percentile(oneByOne, 0.99), kOneByOne);
        std::printf("enqueue -> start, all %d queued at once: p50 %.3f ms  p99 %.3f ms\n", runs,
                    percentile(latencies, 0.5), percentile(latencies, 0.99));
    }
    Poco::File(dir).remove(true);
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 20000;
    spdlog::set_level(spdlog::level::off);
    if (argc > 2) {
        measureThroughExecutor(runs, std::atoi(argv[2]));
    } else {
        for (const int workers : {8, 64}) measureThroughExecutor(runs, workers);
    }

    belfry::HandlerRegistry alone;
    alone.add("nothing", [] {
        struct Nothing : belfry::JobHandler {
            void execute(belfry::HandlerContext&) override {}
        };
        return std::make_unique<Nothing>();
    });
    belfry::HandlerRunSpec spec;
    spec.job = "noop";
    spec.action.name = "nothing";
    spec.timeout = std::chrono::seconds(60);
    belfry::CancelSource cancel;
    const auto dispatchBegin = Clock::now();
    for (int i = 0; i < runs; ++i) {
        spec.runId = i;
        belfry::runHandler(alone, spec, cancel, [](belfry::RunResult) {});
    }
    const double dispatchSeconds =
        std::chrono::duration<double>(Clock::now() - dispatchBegin).count();
    std::printf("handler dispatch alone: %.1f us per run (%.0f runs/s on one thread)\n",
                dispatchSeconds * 1e6 / runs, runs / dispatchSeconds);
    return 0;
}
