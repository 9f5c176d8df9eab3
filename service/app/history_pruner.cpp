#include "history_pruner.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "timestamps.h"

namespace belfry {

HistoryPruner::HistoryPruner(const std::string& databasePath, HistoryPrunerOptions options)
    : database_(databasePath), options_(std::move(options)) {}

HistoryPruner::~HistoryPruner() {
    stop();
}

void HistoryPruner::start() {
    if (options_.policy.keepsEverything() || thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
}

void HistoryPruner::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool HistoryPruner::pause(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !wake_.wait_for(lock, duration, [&] { return stopping_; });
}

bool HistoryPruner::drain(const std::function<std::size_t()>& batch, std::size_t& deleted) {
    for (;;) {
        const auto count = batch();
        deleted += count;
        if (count < options_.batchSize) return true;
        if (!pause(options_.pauseBetweenBatches)) return false;
    }
}

std::size_t HistoryPruner::pruneOnce() {
    const auto& policy = options_.policy;
    std::size_t deleted = 0;
    if (policy.maxAge) {
        const EpochMillis cutoff = nowMillis() - policy.maxAge->count();
        if (!drain([&] { return database_.pruneFinishedBefore(cutoff, options_.batchSize); },
                   deleted)) {
            return deleted;
        }
    }
    if (policy.keepPerJob) {
        for (const auto& job : database_.jobsWithMoreRunsThan(*policy.keepPerJob)) {
            if (!drain(
                    [&] {
                        return database_.pruneBeyondNewest(job, *policy.keepPerJob,
                                                           options_.batchSize);
                    },
                    deleted)) {
                return deleted;
            }
        }
    }
    return deleted;
}

void HistoryPruner::loop() {
    do {
        try {
            if (const auto deleted = pruneOnce(); deleted > 0) {
                spdlog::info("history retention: deleted {} old run(s)", deleted);
            }
        } catch (const std::exception& e) {
            spdlog::error("history retention: {} (retrying in the next pass)", e.what());
        }
    } while (pause(options_.interval));
}

}  // namespace belfry
