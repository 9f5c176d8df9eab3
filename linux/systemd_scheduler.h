// SystemdScheduler: the OsScheduler for Linux. Each job with a schedule becomes two unit files in
// the configured unit directory, `belfry-NAME.timer` and `belfry-NAME.service` (systemd_units.h);
// the timer runs `belfry fire NAME`, which calls belfryd back. The manager is the system one or,
// with Scope::User, the caller's `systemd --user` (also the tests' sandbox).
//
// What it does with the manager (through systemctl, see systemctl.h for why):
//  - upsert: writes the units atomically (temp file + rename) only when their content changed,
//    `daemon-reload`s when it wrote, then `enable --now` or `disable --now` the timer. Respecting
//    the admin: a unit file that carries no valid Belfry digest (edited outside Belfry) is not
//    overwritten when this process has not written it itself (belfryd's start); it is reported as
//    drift instead. Likewise at start, the enable state of unchanged units is left as the admin
//    left it. A change through the API (a second upsert in this process) applies Belfry's view.
//  - remove: `disable --now`, deletes both files, `daemon-reload`.
//  - reconcile: the whole set of jobs in one batch with one daemon-reload (reconcile_plan.h has
//    the rules); belfryd runs it at start and daily, so translations are re-done well before
//    their validUntil.
//  - state: one `systemctl show` of the timer and the service; drift in words when the admin
//    disabled or enabled the timer behind Belfry's back, edited a unit, or added drop-ins.
// Errors name the job, the operation and systemctl's stderr.
//
// Thread-safety: every method may be called from any thread; changes to one scheduler are
// serialised by a mutex, state() runs its systemctl call outside it.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "belfry/scheduler/os_scheduler.h"
#include "reconcile_plan.h"
#include "systemctl.h"
#include "systemd_units.h"
#include "unit_files.h"

namespace belfry::systemd {

struct SystemdOptions {
    Scope scope = Scope::System;
    std::string unitDir = "/etc/systemd/system";
    UnitOptions units;  // bridge client and config file for ExecStart=
    std::chrono::milliseconds callTimeout = std::chrono::seconds(30);
};

class SystemdScheduler final : public OsScheduler {
  public:
    explicit SystemdScheduler(SystemdOptions options);

    // True when the manager answers `systemctl show -p Version` within `timeout`; `detail`
    // receives the version or systemctl's complaint.
    static bool managerReachable(Scope scope, std::chrono::milliseconds timeout,
                                 std::string* detail = nullptr);
    // True when this process can create files in `unitDir` (creating the directory if need
    // be), tried for real: permissions, a read-only mount (ProtectSystem=) and a path through a
    // file all say no. `detail` receives why not.
    static bool unitDirWritable(const std::string& unitDir, std::string* detail = nullptr);

    std::string backendName() const override { return "systemd"; }
    std::string upsert(const ScheduledJob& job) override;
    std::string remove(const std::string& name) override;
    OsJobState state(const std::string& name) const override;
    std::vector<OsJobState> states(const std::vector<std::string>& names) const override;
    // The batch (systemd_reconcile.cpp): one `list-units` of the belfry-* units, the plan
    // (reconcile_plan.h), then at most one call each of `stop` (orphans), `daemon-reload` and
    // `start`, whatever the number of jobs; files and enablement symlinks are written directly.
    ReconcileReport reconcile(const DesiredJobs& desired, bool dryRun) override;

  private:
    struct Known {
        bool enabled = true;
        std::string timer;  // content this process last wrote or found matching
        std::string service;
    };

    std::string removeLocked(const std::string& name);
    // A job's state from its unit files and `systemctl show` of its two units.
    OsJobState stateOf(const std::string& name, const std::optional<Known>& known,
                       const std::optional<std::string>& timerFile,
                       const std::optional<std::string>& serviceFile, const UnitProperties& timer,
                       const UnitProperties& service) const;
    // After a reconcile: this process now knows every job that has units as Belfry's own.
    void rememberReconciled(const std::vector<DesiredJobUnits>& wanted,
                            const ReconcileReport& report);
    SystemctlResult systemctl(const std::vector<std::string>& args) const;
    std::string path(const std::string& unit) const { return options_.unitDir + "/" + unit; }

    SystemdOptions options_;
    mutable std::mutex mutex_;
    std::map<std::string, Known> known_;  // jobs upserted by this process
};

}  // namespace belfry::systemd
