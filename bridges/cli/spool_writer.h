// Writing a spooled fire (belfry/spool/spooled_fire.h) into the spool directory, durably: when
// `belfry fire` exits 75 after spooling, the fire must survive a crash or power loss of the machine
// just as an acknowledged fire in belfryd's database does. The file is written under a temporary
// name starting with '.' (readers skip those), fsync'ed, renamed to its final name and the
// directory fsync'ed, so a reader sees either nothing or the whole file, never a torn one.
//
// The file calls live in spool_writer-posix.cpp (a Windows version would follow with the Windows
// CLI). Thread-safety: safe from any thread; concurrent writers never collide (unique ids).
#pragma once

#include <string>

#include "belfry/spool/spooled_fire.h"

namespace belfry::cli {

// Writes `fire` as `directory`/spoolFileName(fire), creating `directory` (and missing parents,
// mode 0750) when needed; the file is created mode 0640. On success sets `*path` to the file. On
// failure returns false with "cannot <what> <path>: <OS reason>" and leaves no file behind.
bool writeSpoolFile(const std::string& directory, const spool::SpooledFire& fire, std::string* path,
                    std::string* error);

}  // namespace belfry::cli
