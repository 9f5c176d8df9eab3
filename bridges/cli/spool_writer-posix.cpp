#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client_config.h"
#include "spool_writer.h"

namespace belfry::cli {
namespace {

bool failWith(const std::string& what, const std::string& path, std::string* error) {
    *error = "cannot " + what + " " + path + ": " + std::strerror(errno);
    return false;
}

std::string parentOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// A rename or a new directory entry is durable only once its directory is synced.
bool syncDirectory(const std::string& directory, std::string* error) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return failWith("open directory", directory, error);
    const bool synced = ::fsync(fd) == 0;
    const int savedErrno = errno;
    ::close(fd);
    errno = savedErrno;
    return synced || failWith("sync directory", directory, error);
}

// The OS timer may run `belfry fire` as root (a system unit without User=), while belfryd runs as
// its own account and must read, move and delete what was spooled. So when root creates a
// directory level or a spool file, it hands it to the owner of the directory it lies in, which is
// belfryd's account once belfryd has created its state or spool directory.
bool takeOwnerOfParent(int fd, const std::string& path, const std::string& parent,
                       std::string* error) {
    if (::geteuid() != 0) return true;
    struct stat owner {};
    if (::stat(parent.c_str(), &owner) != 0) return failWith("inspect", parent, error);
    if (owner.st_uid == 0 && owner.st_gid == 0) return true;
    const int changed = fd >= 0 ? ::fchown(fd, owner.st_uid, owner.st_gid)
                                : ::chown(path.c_str(), owner.st_uid, owner.st_gid);
    if (changed == 0) return true;
    *error = "cannot hand " + path + " to the owner of " + parent + ": " + std::strerror(errno);
    return false;
}

// mkdir -p, each new level 0750 and made durable in its parent.
bool ensureDirectory(const std::string& directory, std::string* error) {
    struct stat status {};
    if (::stat(directory.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode)) return true;
        errno = ENOTDIR;
        return failWith("use spool directory", directory, error);
    }
    if (errno != ENOENT) return failWith("use spool directory", directory, error);
    const std::string parent = parentOf(directory);
    if (parent != directory && !ensureDirectory(parent, error)) return false;
    if (::mkdir(directory.c_str(), 0750) != 0) {
        if (errno == EEXIST) return true;  // a concurrent writer made it
        return failWith("create directory", directory, error);
    }
    if (!takeOwnerOfParent(-1, directory, parent, error)) return false;
    return syncDirectory(parent, error);
}

bool writeAll(int fd, const std::string& content) {
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Writes and syncs `content` into a new file at `path` in `directory`; removes it on failure.
bool writeNewFile(const std::string& path, const std::string& directory, const std::string& content,
                  std::string* error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return failWith("create", path, error);
    const char* what = nullptr;
    if (!takeOwnerOfParent(fd, path, directory, error)) {
        ::close(fd);
        ::unlink(path.c_str());
        return false;
    }
    if (!writeAll(fd, content)) {
        what = "write";
    } else if (::fsync(fd) != 0) {
        what = "sync";
    }
    if (!what) {
        if (::close(fd) == 0) return true;
        what = "close";
    } else {
        const int reason = errno;
        ::close(fd);
        errno = reason;
    }
    failWith(what, path, error);  // reads errno before unlink() can change it
    ::unlink(path.c_str());
    return false;
}

}  // namespace

bool writeSpoolFile(const std::string& directory, const spool::SpooledFire& fire, std::string* path,
                    std::string* error) {
    if (!ensureDirectory(directory, error)) return false;
    const std::string name = spool::spoolFileName(fire);
    const std::string finalPath = joinPath(directory, name);
    const std::string tempPath = joinPath(directory, "." + name + ".tmp");
    if (!writeNewFile(tempPath, directory, spool::formatSpooledFire(fire), error)) return false;
    if (::rename(tempPath.c_str(), finalPath.c_str()) != 0) {
        const int reason = errno;
        ::unlink(tempPath.c_str());
        errno = reason;
        return failWith("rename into", finalPath, error);
    }
    if (!syncDirectory(directory, error)) {
        // Not durable, so not spooled: take it back rather than report a fire that may vanish.
        ::unlink(finalPath.c_str());
        return false;
    }
    *path = finalPath;
    return true;
}

}  // namespace belfry::cli
