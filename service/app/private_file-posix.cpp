#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "private_file.h"

namespace belfry {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

void writeAll(int fd, const std::string& content, const std::string& path) {
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            fail("write", path);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("sync", path);
    }
    if (::close(fd) != 0) fail("close", path);
}

}  // namespace

void createPrivateFile(const std::string& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail("create", path);
    // The mode given to open() is filtered by the umask; make 0600 explicit regardless.
    if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        fail("restrict permissions of", path);
    }
    writeAll(fd, content, path);
}

void replaceFileAtomically(const std::string& path, const std::string& content) {
    const auto temp = path + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("create", temp);
    writeAll(fd, content, temp);
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename into", path);
}

}  // namespace belfry
