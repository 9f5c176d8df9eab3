// The account belfryd runs as: what the OS scheduler's units name as the account that runs
// `belfry fire` (User= in a system-scope systemd unit), so that a timer never runs the client as
// root just because the system manager would.
//
// Thread-safety: safe to call from any thread.
#pragma once

#include <string>

namespace belfry {

// The name of the effective user of this process; "" if it has none (a uid without an entry).
std::string currentAccountName();

}  // namespace belfry
