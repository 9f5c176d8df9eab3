// A new, empty temporary directory for a test, never one that already exists.
//
// Why not Poco::TemporaryFile::tempName() alone: its names are unique only within a process (the
// pid and a counter), so a later process that happens to get the same pid is handed the same
// name, and with createDirectories() it would silently reuse whatever an earlier process left
// there (a killed test, a benchmark) — a database full of someone else's runs.
#pragma once

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <string>

namespace belfry::test {

// Under `parent` (created if missing), or the system's temporary directory when empty.
inline std::string freshTempDirectory(const std::string& parent = "") {
    if (!parent.empty()) Poco::File(parent).createDirectories();
    while (true) {
        const std::string path = Poco::TemporaryFile::tempName(parent);
        if (Poco::File(path).createDirectory()) return path;  // false: it existed; next name
    }
}

}  // namespace belfry::test
