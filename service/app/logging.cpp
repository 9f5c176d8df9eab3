#include "logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace belfry {

void setUpLogging(const std::string& level, const std::string& file) {
    std::vector<spdlog::sink_ptr> sinks;
    auto console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    // Under systemd the journal adds its own timestamps; keep stderr lines short there.
    console->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%dT%H:%M:%S.%e %l: %v");
    sinks.push_back(console);
    if (!file.empty()) {
        constexpr std::size_t kMaxFileBytes = 10 * 1024 * 1024;
        constexpr std::size_t kFilesKept = 5;
        auto rotating =
            std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file, kMaxFileBytes, kFilesKept);
        rotating->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%t] %l: %v");
        sinks.push_back(rotating);
    }
    auto logger = std::make_shared<spdlog::logger>("belfryd", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace belfry
