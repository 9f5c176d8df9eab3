// Where the running program's own executable lives, for finding the files installed beside it
// (the CLI's belfry-schedule helper, belfryd's TLS module) without a path baked in at build time.
#pragma once

#include <string>

namespace belfry {

// The directory of the running executable, without a trailing slash; "." when it cannot be told.
std::string executableDirectory();

}  // namespace belfry
