// The systemd unit writer: for one job, the text of `belfry-NAME.timer` and `belfry-NAME.service`
// (DESIGN.md "OS mapping"). Pure: no files, no manager; the scheduler writes what this returns.
//
// What goes into a unit: the job's name (validated as [a-z0-9][a-z0-9._-]{0,62}, so it is safe in
// unit names and unquoted in ExecStart=), the OnCalendar= lines from translateToSystemd(), and
// numbers (timeout, jitter, catch-up). Nothing else a user typed. The bridge client and config
// file paths are the operator's; they are quoted for ExecStart= (see quoteExecWord).
//
// Each unit starts with a header comment: "Managed by Belfry; edits are reported as drift", and a
// digest of the rest of the file, so an edit made outside Belfry is recognisable even after a
// restart of belfryd (isUnitEditedOutsideBelfry).
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <optional>
#include <string>

#include "belfry/schedule/instant.h"
#include "belfry/scheduler/os_scheduler.h"

namespace belfry::systemd {

struct UnitOptions {
    std::string client;      // absolute path of `belfry`, for ExecStart=
    std::string configFile;  // absolute path passed as --config; "" omits the option
    // User= of the service unit: the account `belfry fire` runs as. The system manager would run
    // it as root otherwise; a user manager runs everything as its user and needs none ("").
    std::string user;
};

struct JobUnits {
    std::string timerName;  // belfry-NAME.timer
    std::string serviceName;
    std::string timer;  // file contents
    std::string service;
    std::optional<schedule::Instant> validUntil;  // re-write before this (DST compensation ends)
};

// Extra time systemd gives the oneshot service beyond the job's own timeout: `belfry fire` waits
// for the run, which the service itself stops at the job's timeout; this margin covers queueing
// and the kill grace, so systemd never kills the waiting client first.
inline constexpr std::chrono::minutes kServiceTimeoutMargin{1};

std::string timerUnitName(const std::string& job);
std::string serviceUnitName(const std::string& job);

// The units for `job` with OnCalendar= lines valid from `from` on. nullopt (and `error`) when the
// job has no schedule, the schedule cannot be translated, or a path cannot be written safely.
std::optional<JobUnits> renderJobUnits(const ScheduledJob& job, const UnitOptions& options,
                                       schedule::Instant from, std::string* error);

// One ExecStart= word, double-quoted: `%` becomes `%%` (specifiers); in an argument also `\` and
// `"` are backslash-escaped and `$` becomes `$$` (environment expansion). The executable (argv[0])
// is neither unescaped nor expanded by systemd 252, which refuses `"`, `'` and `\` in it
// ("Executable name contains special characters"), so there those are refused here too. Control
// characters (a newline would end the directive) and invalid UTF-8 are refused everywhere: nullopt.
enum class ExecWord { Executable, Argument };
std::optional<std::string> quoteExecWord(const std::string& word, ExecWord kind);

// True when `content` carries Belfry's header but its digest no longer matches the body, or has
// no header at all: someone other than Belfry wrote it.
bool isUnitEditedOutsideBelfry(const std::string& content);

}  // namespace belfry::systemd
