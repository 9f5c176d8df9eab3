#include "write_turns.h"

#include <filesystem>
#include <iterator>
#include <map>
#include <system_error>

namespace belfry {

namespace {

// Two spellings of one file ("state/belfry.db", "./state/belfry.db") must share a queue.
std::string canonicalName(const std::string& path) {
    std::error_code error;
    const auto canonical = std::filesystem::weakly_canonical(path, error);
    return error ? path : canonical.string();
}

}  // namespace

std::shared_ptr<WriteTurns> WriteTurns::forDatabase(const std::string& path) {
    static std::mutex registryMutex;
    static std::map<std::string, std::weak_ptr<WriteTurns>> registry;
    const std::lock_guard<std::mutex> lock(registryMutex);
    for (auto it = registry.begin(); it != registry.end();) {
        it = it->second.expired() ? registry.erase(it) : std::next(it);
    }
    auto& entry = registry[canonicalName(path)];
    auto turns = entry.lock();
    if (!turns) {
        turns = std::make_shared<WriteTurns>();
        entry = turns;
    }
    return turns;
}

void WriteTurns::take() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto ticket = nextTicket_++;
    changed_.wait(lock, [&] { return serving_ == ticket; });
}

void WriteTurns::handOn() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        ++serving_;
    }
    changed_.notify_all();
}

}  // namespace belfry
