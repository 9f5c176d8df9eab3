// Parsed job definitions as committed, for the store's readers: every run reads its job, and
// parsing the stored JSON costs more than the query.
//
// Only committed state enters: readers keep what they read on their own connection, and the
// writer forgets a job once its change is committed (group_commit.h afterCommit). A reader whose
// read began before such a change could bring the old definition back; the generation, taken
// before the read and bumped by every forget, tells it not to.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "job.h"

namespace belfry {

class JobCache {
  public:
    // Taken by a reader before its read begins, and handed to keep().
    std::uint64_t generation() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return generation_;
    }

    std::optional<Job> find(const std::string& name) const {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found = jobs_.find(name);
        if (found == jobs_.end()) return std::nullopt;
        return found->second;
    }

    // Keeps `job` as read, unless a change was committed since `generation` was taken.
    void keep(const Job& job, std::uint64_t generation) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (generation == generation_) jobs_.insert_or_assign(job.name, job);
    }

    // After a commit that changed the job.
    void forget(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++generation_;
        jobs_.erase(name);
    }

  private:
    mutable std::mutex mutex_;
    std::uint64_t generation_ = 0;
    std::unordered_map<std::string, Job> jobs_;
};

}  // namespace belfry
