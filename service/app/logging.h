// belfryd's logging: spdlog to stderr (the journal, under systemd) and, when log.file is set, a
// rotating file. Call once at start, before any thread logs; spdlog's loggers are thread-safe.
#pragma once

#include <string>

namespace belfry {

// Throws spdlog::spdlog_ex if the log file cannot be opened.
void setUpLogging(const std::string& level, const std::string& file);

}  // namespace belfry
