// Small helpers the systemd scheduler shares between its per-job calls (systemd_scheduler.cpp)
// and its batch reconcile (systemd_reconcile.cpp): reading and atomically writing unit files, and
// parsing `systemctl show` output.
//
// Thread-safety: plain functions; safe to call concurrently (on different paths for writes).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace belfry::systemd {

using UnitProperties = std::map<std::string, std::string>;

// The whole file, or nullopt when it cannot be read (missing).
std::optional<std::string> readUnitFile(const std::string& path);

// Temp file + sync + rename in the same directory: the manager never reads a half-written unit.
// Returns "" or a message naming the file and the cause.
std::string writeUnitFileAtomically(const std::string& path, const std::string& content);
// The same for many files in `dir` (name -> content) with a single sync; returns name -> message
// for the files that could not be written (the others are written).
std::map<std::string, std::string> writeUnitFilesAtomically(
    const std::string& dir, const std::map<std::string, std::string>& files);

// `systemctl show` of several units: blocks of KEY=VALUE lines, separated by an empty line, in
// the order the units were named.
std::vector<UnitProperties> parseShow(const std::string& text);

// The value of `key`, "" when absent.
std::string propertyValue(const UnitProperties& properties, const std::string& key);

}  // namespace belfry::systemd
