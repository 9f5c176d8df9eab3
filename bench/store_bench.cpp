// Prints what each store operation on a run's path costs, in microseconds (medians of batches):
// the per-run bookkeeping that sits between an accepted fire and its process, and the commits
// that history needs. Never fails on time.
// Usage: store_bench [runs=3000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "job_json.h"
#include "store.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

// Runs `operation` `count` times in batches of 100 and returns the median microseconds per call.
double microsPerCall(int count, const std::function<void(int)>& operation) {
    std::vector<double> batches;
    for (int done = 0; done < count; done += 100) {
        const auto start = Clock::now();
        for (int i = done; i < done + 100; ++i) operation(i);
        batches.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                          100.0);
    }
    return median(batches);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace belfry;
    const int runs = argc > 1 ? std::max(100, std::atoi(argv[1])) : 3000;
    char directory[] = "/tmp/belfry-store-bench-XXXXXX";
    if (!::mkdtemp(directory)) return 1;
    const std::string path = std::string(directory) + "/belfry.db";
    auto store = openSqliteStore(path);
    auto job = jobFromJson(*parseJsonObject(
        R"({"name": "bench", "exec": {"argv": ["/bin/true"]}, "schedule": {"cron": "* * * * *"}})"));
    store->insertJob(job);

    std::vector<RunId> ids(static_cast<std::size_t>(runs));
    RunResult success;
    const auto at = [](int i) { return EpochMillis{1'800'000'000'000} + i * 60'000; };
    std::printf(
        "store operation costs (median of batches of 100, %d calls each, synchronous=NORMAL)\n",
        runs);
    std::printf("  insertRun           %7.1f us\n", microsPerCall(runs, [&](int i) {
                    ids[static_cast<std::size_t>(i)] =
                        store->insertRun({"bench", Trigger::Api, {}, 1, "n"});
                }));
    std::printf("  run(id)             %7.1f us\n",
                microsPerCall(runs, [&](int i) { store->run(ids[static_cast<std::size_t>(i)]); }));
    std::printf("  job(name)           %7.1f us\n",
                microsPerCall(runs, [&](int) { store->job("bench"); }));
    std::printf("  markRunning         %7.1f us\n", microsPerCall(runs, [&](int i) {
                    store->markRunning(ids[static_cast<std::size_t>(i)], at(i));
                }));
    std::printf("  finishRun           %7.1f us\n", microsPerCall(runs, [&](int i) {
                    store->finishRun(ids[static_cast<std::size_t>(i)], success, at(i));
                }));
    std::printf("  insertScheduledRun  %7.1f us\n", microsPerCall(runs, [&](int i) {
                    store->insertScheduledRun({"bench", Trigger::Schedule, at(i), 1, "n"});
                }));
    std::printf("  latestSlot          %7.1f us\n",
                microsPerCall(runs, [&](int) { store->latestSlot("bench"); }));
    store.reset();
    std::system((std::string("rm -rf ") + directory).c_str());
}
