#include "unit_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace belfry::systemd {

std::optional<std::string> readUnitFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Temp file + fsync + rename in the same directory: the manager never reads a half-written unit.
std::string writeUnitFileAtomically(const std::string& path, const std::string& content) {
    const auto temp = path + ".belfry-tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot create " + temp + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string error = std::strerror(errno);
            ::close(fd);
            ::unlink(temp.c_str());
            return "cannot write " + temp + ": " + error;
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    const std::string syncError = synced ? "" : std::strerror(errno);
    ::close(fd);
    if (!synced || ::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string error = synced ? std::strerror(errno) : syncError;
        ::unlink(temp.c_str());
        return "cannot write " + path + ": " + error;
    }
    return "";
}

// `systemctl show` of several units: blocks of KEY=VALUE lines, separated by an empty line, in
// the order the units were named.
std::vector<UnitProperties> parseShow(const std::string& text) {
    std::vector<UnitProperties> blocks(1);
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) {
            if (!blocks.back().empty()) blocks.emplace_back();
            continue;
        }
        const auto eq = line.find('=');
        if (eq != std::string::npos) blocks.back()[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (blocks.back().empty()) blocks.pop_back();
    return blocks;
}

std::string propertyValue(const UnitProperties& properties, const std::string& key) {
    const auto it = properties.find(key);
    return it == properties.end() ? "" : it->second;
}

}  // namespace belfry::systemd
