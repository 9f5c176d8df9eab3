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

namespace {

// Writes `content` to a new `path`.belfry-tmp, without syncing; "" or a message.
std::string writeTemp(const std::string& path, const std::string& content) {
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
    if (::close(fd) != 0) {
        const std::string error = std::strerror(errno);
        ::unlink(temp.c_str());
        return "cannot write " + temp + ": " + error;
    }
    return "";
}

std::string renameTemp(const std::string& path) {
    const auto temp = path + ".belfry-tmp";
    if (::rename(temp.c_str(), path.c_str()) == 0) return "";
    const std::string error = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot write " + path + ": " + error;
}

}  // namespace

std::string writeUnitFileAtomically(const std::string& path, const std::string& content) {
    const auto slash = path.rfind('/');
    const auto dir = slash == std::string::npos ? "." : path.substr(0, slash);
    auto errors = writeUnitFilesAtomically(dir, {{path.substr(slash + 1), content}});
    return errors.empty() ? "" : errors.begin()->second;
}

std::map<std::string, std::string> writeUnitFilesAtomically(
    const std::string& dir, const std::map<std::string, std::string>& files) {
    std::map<std::string, std::string> errors;
    for (const auto& [name, content] : files) {
        if (auto error = writeTemp(dir + "/" + name, content); !error.empty())
            errors[name] = std::move(error);
    }
    const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    // One syncfs for the whole batch instead of an fsync per file: measured 2,000 fsyncs at ~7 s
    // on this project's machine, one syncfs at a few ms.
    if (dirFd < 0 || ::syncfs(dirFd) != 0) {
        const std::string error = std::strerror(errno);
        for (const auto& [name, content] : files) {
            if (errors.count(name)) continue;
            ::unlink((dir + "/" + name + ".belfry-tmp").c_str());
            errors[name] = "cannot write " + dir + "/" + name + ": " + error;
        }
        if (dirFd >= 0) ::close(dirFd);
        return errors;
    }
    for (const auto& [name, content] : files) {
        if (errors.count(name)) continue;
        if (auto error = renameTemp(dir + "/" + name); !error.empty())
            errors[name] = std::move(error);
    }
    ::fsync(dirFd);  // the renames themselves
    ::close(dirFd);
    return errors;
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
