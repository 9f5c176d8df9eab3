// The protocol between belfryd and belfry-systemd-helper, the root-owned program that registers
// timers with the system manager on belfryd's behalf (README "Timers in the system manager").
//
// One JSON object per line, request then answer, over a Unix stream socket; a connection may
// carry several requests. Requests ({"op": ...}):
//   hello                                      -> {"ok": true, "backend": "systemd 252, ...",
//                                                  "version": "..."}
//   upsert    {"job": JOB}                     -> {"ok": true, "message": "" | why it failed}
//   remove    {"name": NAME}                   -> {"ok": true, "message": ...}
//   states    {"names": [NAME...]}             -> {"ok": true, "states": [STATE...]}
//   reconcile {"jobs": [JOB...], "dry_run": b} -> {"ok": true, "report": REPORT}
// and {"ok": false, "error": "..."} for a request the helper refuses (malformed, a field out of
// range, a name that is not a job name): nothing is changed then.
//
// JOB carries only what a unit needs (os_scheduler.h ScheduledJob): name, schedule fields
// (cron/timezone/every/at as in the job JSON), enabled, timeout_ms, catch_up, jitter_ms. There is
// no field for a command, a path, an account or any unit text: what runs (`belfry fire NAME`),
// as whom, and where units go are the helper's own configuration, so a compromised belfryd can at
// worst schedule `belfry fire` of a validated name.
//
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "belfry/scheduler/os_scheduler.h"

namespace belfry::systemd {

// The largest request or answer line either side accepts (a reconcile of many thousand jobs fits).
inline constexpr std::size_t kHelperMaxLine = 16 * 1024 * 1024;

nlohmann::json scheduledJobToJson(const ScheduledJob& job);
// Validates everything: unknown or missing fields, the name (job_name.h), the schedule
// (schedule.h), timeout 0..30d, jitter 0..1d. nullopt and `error` naming the field otherwise.
std::optional<ScheduledJob> scheduledJobFromJson(const nlohmann::json& json, std::string* error);

nlohmann::json osJobStateToJson(const OsJobState& state);
OsJobState osJobStateFromJson(const nlohmann::json& json);  // throws nlohmann::json::exception

nlohmann::json reconcileReportToJson(const ReconcileReport& report);
ReconcileReport reconcileReportFromJson(const nlohmann::json& json);  // throws as above

}  // namespace belfry::systemd
