// HelperScheduler: the OsScheduler belfryd uses when `systemd.helper` names the socket of
// belfry-systemd-helper (helper_protocol.h). belfryd then never touches the manager or the unit
// directory itself: every call becomes one request to the root-owned helper, which validates it
// and applies it with its own SystemdScheduler. This is how the packaged belfryd, running as the
// unprivileged `belfry` account, registers timers with the system manager.
//
// Each call opens its own connection (a Unix socket: microseconds) and is bounded by a deadline,
// so a hung helper fails a request instead of hanging the API. Errors name the job, the operation
// and the cause, as SystemdScheduler's do.
//
// The helper remembers what it registered (for drift, and to apply an API change to a timer's
// enablement), and it can restart without belfryd: a crash, `systemctl restart`, an upgrade. Each
// answer names the helper's instance; when a change reaches a new instance, this scheduler first
// reconciles the jobs of its last reconcile with it, then sends the change again, so the change
// is applied as Belfry's rather than taken for a first sight of units an admin may have touched.
//
// Thread-safety: every method may be called from any thread. upsert(), remove() and reconcile()
// are serialised here, so reconcile()'s read of the desired jobs and its apply are never
// interleaved with a single job's change (the OsScheduler contract).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "belfry/scheduler/os_scheduler.h"

namespace belfry::systemd {

struct HelperOptions {
    std::string socketPath;
    std::chrono::milliseconds callTimeout = std::chrono::seconds(60);
    // A reconcile of thousands of jobs is seconds of the manager's work.
    std::chrono::milliseconds reconcileTimeout = std::chrono::minutes(10);
};

class HelperScheduler final : public OsScheduler {
  public:
    explicit HelperScheduler(HelperOptions options) : options_(std::move(options)) {}

    // Whether the helper answers `hello` within `timeout`: true and `detail` = what it drives
    // ("systemd 252, system manager, units in /etc/systemd/system"), else false and why not.
    static bool helperReady(const std::string& socketPath, std::chrono::milliseconds timeout,
                            std::string* detail);

    std::string backendName() const override { return "systemd"; }
    std::string upsert(const ScheduledJob& job) override;
    std::string remove(const std::string& name) override;
    OsJobState state(const std::string& name) const override;
    std::vector<OsJobState> states(const std::vector<std::string>& names) const override;
    ReconcileReport reconcile(const DesiredJobs& desired, bool dryRun) override;

  private:
    // The answer to `request` when the helper accepted it (ok: true), else nullopt and `error`.
    std::optional<nlohmann::json> call(const nlohmann::json& request,
                                       std::chrono::milliseconds timeout, std::string* error) const;
    // A change (upsert or remove), sent again after a reconcile when it reached a new instance.
    std::optional<nlohmann::json> change(const nlohmann::json& request, std::string* error);
    // True when `answer` comes from another helper instance than the last one seen; remembers it.
    bool newInstance(const nlohmann::json& answer);
    ReconcileReport reconcileLocked(const DesiredJobs& desired, bool dryRun);
    std::string where() const { return "the systemd helper at " + options_.socketPath; }

    HelperOptions options_;
    std::mutex changes_;
    std::string instance_;     // the helper instance last seen; guarded by changes_
    DesiredJobs lastDesired_;  // of the last reconcile that was not a dry run; guarded by changes_
};

// One request-answer exchange with the helper at `socketPath`: the answer object when the helper
// accepted the request, else nullopt and `error` (the helper's own refusal, or the transport's).
std::optional<nlohmann::json> askHelper(const std::string& socketPath,
                                        const nlohmann::json& request,
                                        std::chrono::milliseconds timeout, std::string* error);

}  // namespace belfry::systemd
