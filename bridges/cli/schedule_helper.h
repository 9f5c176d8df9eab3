// `belfry next` and `belfry translate` run in a separate program, belfry-schedule, so that the
// `belfry` client itself links neither libdate-tz nor the shared libstdc++ (see
// CliEnvironment::nextCommand). `belfry` replaces itself with the helper, which parses the very
// same arguments; the cost (one more exec, ~1 ms) lands on two offline commands instead of on
// every `belfry fire`.
//
// The helper is looked up beside the running `belfry` (the build tree) and then in
// ../libexec/belfry/ relative to it (the installed layout: /usr/bin/belfry and
// /usr/libexec/belfry/belfry-schedule).
#pragma once

#include <string>
#include <vector>

namespace belfry::cli {

struct CommandContext;

// Replaces the process with belfry-schedule ARGS (the complete argument list `belfry` was given).
// Returns only on failure, after reporting it, with kExitServiceError.
int runScheduleHelper(const CommandContext& context, const std::vector<std::string>& args);

}  // namespace belfry::cli
