// The flag form of `belfry jobs add`: turns
//   NAME [--cron EXPR [--tz ZONE] | --every DUR | --at ISO] [--timeout DUR] [--description TEXT]
//        [--concurrency skip|queue|parallel|replace] [--disabled]
//        (-- PROGRAM [ARGS...] | --http-url URL [--http-method METHOD])
// into the job JSON of DESIGN.md, checking locally what can be checked without the service (the
// name, durations, the concurrency policy, exactly one schedule kind and one action), so a typo
// never reaches the network. The cron expression, zone and ISO time are the service's to judge.
// Pure function; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "json_util.h"

namespace belfry::cli {

// `args` are the words after `jobs add`. On success fills `job`; on failure returns false with a
// message (an invalid name reads exactly as isValidJobName words it).
bool buildJobFromFlags(const std::vector<std::string>& args, Json* job, std::string* error);

}  // namespace belfry::cli
