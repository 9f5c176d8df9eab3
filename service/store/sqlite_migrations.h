// The SQLite schema as an ordered list of migrations. The database's PRAGMA user_version is the
// number of migrations applied; each runs in its own transaction, so a crash mid-upgrade leaves
// the previous version intact. Never edit a released migration: append a new one.
#pragma once

#include <string>
#include <vector>

namespace belfry {

const std::vector<std::string>& sqliteMigrations();

}  // namespace belfry
