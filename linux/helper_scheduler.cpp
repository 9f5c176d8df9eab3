#include "helper_scheduler.h"

#include "helper_protocol.h"
#include "systemd_units.h"
#include "unix_line_socket.h"

namespace belfry::systemd {

using nlohmann::json;

std::optional<json> askHelper(const std::string& socketPath, const json& request,
                              std::chrono::milliseconds timeout, std::string* error) {
    const auto deadline = LineSocket::Clock::now() + timeout;
    auto socket = LineSocket::connectTo(socketPath, error);
    if (!socket.valid() || !socket.send(request.dump(), deadline, error)) return std::nullopt;
    const auto line = socket.receive(deadline, kHelperMaxLine, error);
    if (!line) {
        if (error->empty()) *error = "it closed the connection without answering";
        return std::nullopt;
    }
    try {
        auto answer = json::parse(*line);
        if (answer.value("ok", false)) return answer;
        *error = "refused: " + answer.value("error", std::string("(no reason given)"));
    } catch (const json::exception& e) {
        *error = std::string("unreadable answer: ") + e.what();
    }
    return std::nullopt;
}

bool HelperScheduler::helperReady(const std::string& socketPath, std::chrono::milliseconds timeout,
                                  std::string* detail) {
    std::string error;
    const auto answer = askHelper(socketPath, {{"op", "hello"}}, timeout, &error);
    if (!answer) {
        *detail = "the systemd helper at " + socketPath + ": " + error;
        return false;
    }
    *detail =
        answer->value("backend", std::string("systemd")) + ", through the helper at " + socketPath;
    return true;
}

std::optional<json> HelperScheduler::call(const json& request, std::chrono::milliseconds timeout,
                                          std::string* error) const {
    auto answer = askHelper(options_.socketPath, request, timeout, error);
    if (!answer) *error = where() + ": " + *error;
    return answer;
}

bool HelperScheduler::newInstance(const json& answer) {
    const auto instance = answer.value("instance", std::string());
    const bool changed = !instance_.empty() && instance != instance_;
    instance_ = instance;
    return changed;
}

std::optional<json> HelperScheduler::change(const json& request, std::string* error) {
    auto answer = call(request, options_.callTimeout, error);
    if (answer && newInstance(*answer) && lastDesired_) {
        reconcileLocked(lastDesired_, false);
        answer = call(request, options_.callTimeout, error);
    }
    return answer;
}

std::string HelperScheduler::upsert(const ScheduledJob& job) {
    std::lock_guard<std::mutex> lock(changes_);
    std::string error;
    const auto answer = change({{"op", "upsert"}, {"job", scheduledJobToJson(job)}}, &error);
    if (!answer) return "cannot register " + timerUnitName(job.name) + ": " + error;
    return answer->value("message", std::string());
}

std::string HelperScheduler::remove(const std::string& name) {
    std::lock_guard<std::mutex> lock(changes_);
    std::string error;
    const auto answer = change({{"op", "remove"}, {"name", name}}, &error);
    if (!answer) return "cannot remove " + timerUnitName(name) + ": " + error;
    return answer->value("message", std::string());
}

OsJobState HelperScheduler::state(const std::string& name) const {
    return states({name}).front();
}

std::vector<OsJobState> HelperScheduler::states(const std::vector<std::string>& names) const {
    std::vector<OsJobState> result(names.size());
    std::string error;
    const auto answer = call({{"op", "states"}, {"names", names}}, options_.callTimeout, &error);
    try {
        if (answer && answer->at("states").size() == names.size()) {
            for (std::size_t i = 0; i < names.size(); ++i)
                result[i] = osJobStateFromJson(answer->at("states").at(i));
            return result;
        }
        if (answer) error = where() + ": answered for a different number of jobs";
    } catch (const json::exception& e) {
        error = where() + ": unreadable states: " + e.what();
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        result[i] = OsJobState{};
        result[i].drift.push_back("cannot read " + timerUnitName(names[i]) +
                                  " from systemd: " + error);
    }
    return result;
}

ReconcileReport HelperScheduler::reconcile(const DesiredJobs& desired, bool dryRun) {
    std::lock_guard<std::mutex> lock(changes_);
    if (!dryRun) lastDesired_ = desired;
    return reconcileLocked(desired, dryRun);
}

ReconcileReport HelperScheduler::reconcileLocked(const DesiredJobs& desired, bool dryRun) {
    const auto jobs = desired();
    json list = json::array();
    for (const auto& job : jobs) list.push_back(scheduledJobToJson(job));
    std::string error;
    const auto answer = call({{"op", "reconcile"}, {"dry_run", dryRun}, {"jobs", list}},
                             options_.reconcileTimeout, &error);
    if (answer) {
        newInstance(*answer);
        try {
            return reconcileReportFromJson(answer->at("report"));
        } catch (const json::exception& e) {
            error = where() + ": unreadable report: " + e.what();
        }
    }
    ReconcileReport report;
    report.dryRun = dryRun;
    for (const auto& job : jobs)
        report.entries.push_back({job.name, ReconcileAction::Failed, error});
    return report;
}

}  // namespace belfry::systemd
