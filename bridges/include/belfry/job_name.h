// Job names become part of OS unit and task names (belfry-NAME.timer, \Belfry\NAME), so they are
// validated here, once, before anything else sees them. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace belfry {

// True when `name` matches [a-z0-9][a-z0-9._-]{0,62} and is not `systemd-helper` (reserved: its
// units would shadow the package's belfry-systemd-helper.service). Otherwise false with a message
// that says which rule the name breaks, never echoing control characters back verbatim.
bool isValidJobName(std::string_view name, std::string* error = nullptr);

// Renders untrusted text for an error message: printable ASCII kept, the rest as \xNN,
// truncated to `maxLength` characters of input.
std::string printableForMessage(std::string_view text, std::size_t maxLength = 80);

}  // namespace belfry
