// Files only the service account may read: the admin token. The platform part (POSIX modes,
// Windows ACLs) lives in private_file-posix.cpp / private_file-win32.cpp.
// Thread-safety: the functions touch only the named path; callers serialise writers.
#pragma once

#include <string>

namespace belfry {

// Creates `path` with owner-only access (0600) and writes `content`; fails if it already
// exists, so a concurrent first start never replaces a token someone already read. Throws
// std::runtime_error with the path and the OS's reason.
void createPrivateFile(const std::string& path, const std::string& content);

// Writes `content` to `path` atomically (temp file + rename), readable by everyone.
void replaceFileAtomically(const std::string& path, const std::string& content);

}  // namespace belfry
