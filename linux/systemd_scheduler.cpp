#include "systemd_scheduler.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "unit_files.h"

namespace belfry::systemd {
namespace {

namespace fs = std::filesystem;
using Properties = UnitProperties;

// systemctl prints timestamps as "Wed 2026-11-25 10:00:45 UTC" (we run it with TZ=UTC); empty
// or "n/a" means none.
std::optional<schedule::Instant> parseTimestamp(const std::string& text) {
    std::tm tm{};
    char zone[16] = {};
    if (std::sscanf(text.c_str(), "%*s %d-%d-%d %d:%d:%d %15s", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone) != 7 ||
        std::strcmp(zone, "UTC") != 0) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return schedule::Instant(std::chrono::seconds(::timegm(&tm)));
}

}  // namespace

SystemdScheduler::SystemdScheduler(SystemdOptions options) : options_(std::move(options)) {}

bool SystemdScheduler::managerReachable(Scope scope, std::chrono::milliseconds timeout,
                                        std::string* detail) {
    const auto result = runSystemctl(scope, {"show", "-p", "Version", "--value"}, timeout);
    if (detail) {
        auto version = result.out;
        while (!version.empty() && version.back() == '\n') version.pop_back();
        *detail = result.ok() ? "systemd " + version : result.reason();
    }
    return result.ok();
}

bool SystemdScheduler::unitDirWritable(const std::string& unitDir, std::string* detail) {
    std::error_code ec;
    fs::create_directories(unitDir, ec);
    if (ec) {
        if (detail) *detail = "cannot create the unit directory " + unitDir + ": " + ec.message();
        return false;
    }
    // O_EXCL on a name no unit can have (units need a suffix such as .timer).
    const std::string probe = unitDir + "/.belfry-write-probe-" + std::to_string(::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (detail) *detail = "cannot write units to " + unitDir + ": " + std::strerror(errno);
        return false;
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return true;
}

SystemctlResult SystemdScheduler::systemctl(const std::vector<std::string>& args) const {
    return runSystemctl(options_.scope, args, options_.callTimeout);
}

std::string SystemdScheduler::upsert(const ScheduledJob& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job.schedule.kind() == schedule::Schedule::Kind::None) return removeLocked(job.name);

    const auto timerName = timerUnitName(job.name);
    std::string error;
    const auto units = renderJobUnits(job, options_.units, schedule::currentInstant(), &error);
    if (!units) return "cannot register " + timerName + ": " + error;

    std::error_code ec;
    fs::create_directories(options_.unitDir, ec);
    if (ec) return "cannot create the unit directory " + options_.unitDir + ": " + ec.message();

    // Seen first by this process (belfryd's start): respect what an admin did meanwhile.
    const auto knownIt = known_.find(job.name);
    const bool firstSight = knownIt == known_.end();
    bool wrote = false;
    std::vector<std::string> leftAlone;
    for (const auto& [unit, content] : {std::pair{units->timerName, &units->timer},
                                        std::pair{units->serviceName, &units->service}}) {
        const auto existing = readUnitFile(path(unit));
        if (existing == *content) continue;
        if (existing && firstSight && isUnitEditedOutsideBelfry(*existing)) {
            leftAlone.push_back(unit);
            continue;
        }
        if (const auto writeError = writeUnitFileAtomically(path(unit), *content);
            !writeError.empty()) {
            return "cannot register " + timerName + ": " + writeError;
        }
        wrote = true;
    }
    known_[job.name] = Known{job.enabled, units->timer, units->service};

    if (wrote) {
        const auto reload = systemctl({"daemon-reload"});
        if (!reload.ok())
            return "cannot register " + timerName + ": daemon-reload: " + reload.reason();
    }
    if (wrote || !firstSight) {
        const auto verb = job.enabled ? "enable" : "disable";
        const auto result = systemctl({verb, "--now", timerName});
        if (!result.ok()) {
            return std::string("cannot ") + verb + " " + timerName + ": " + result.reason();
        }
    }
    if (!leftAlone.empty()) {
        std::string message;
        for (const auto& unit : leftAlone) message += (message.empty() ? "" : ", ") + unit;
        return message + (leftAlone.size() == 1 ? " was" : " were") +
               " edited outside Belfry; left as it is (reported as drift)";
    }
    return "";
}

std::string SystemdScheduler::remove(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    return removeLocked(name);
}

std::string SystemdScheduler::removeLocked(const std::string& name) {
    known_.erase(name);
    const auto timerName = timerUnitName(name);
    const auto timerPath = path(timerName);
    const auto servicePath = path(serviceUnitName(name));
    std::error_code ec;
    if (!fs::exists(timerPath, ec) && !fs::exists(servicePath, ec)) return "";

    std::string error;
    const auto disabled = systemctl({"disable", "--now", timerName});
    if (!disabled.ok()) error = "cannot disable " + timerName + ": " + disabled.reason();
    for (const auto& file : {timerPath, servicePath}) {
        if (!fs::remove(file, ec) && ec) {
            error += (error.empty() ? "" : "; ") + ("cannot delete " + file + ": " + ec.message());
        }
    }
    const auto reload = systemctl({"daemon-reload"});
    if (!reload.ok()) {
        error += (error.empty() ? "" : "; ") +
                 ("cannot remove " + timerName + ": daemon-reload: " + reload.reason());
    }
    return error;
}

OsJobState SystemdScheduler::state(const std::string& name) const {
    return states({name}).front();
}

// One `systemctl show` for every job asked about, whatever their number: listing 1,000 jobs
// used to cost 1,000 systemctl processes (~5 ms each here).
std::vector<OsJobState> SystemdScheduler::states(const std::vector<std::string>& names) const {
    struct Seen {
        std::optional<Known> known;
        std::optional<std::string> timerFile, serviceFile;
    };
    std::vector<Seen> seen(names.size());
    std::vector<std::string> args{
        "show", "-p",
        "Id,LoadState,UnitFileState,ActiveState,NextElapseUSecRealtime,LastTriggerUSec,Result,"
        "ExecMainStatus,InvocationID,DropInPaths,NeedDaemonReload"};
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (const auto it = known_.find(names[i]); it != known_.end())
                seen[i].known = it->second;
        }
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        seen[i].timerFile = readUnitFile(path(timerUnitName(names[i])));
        seen[i].serviceFile = readUnitFile(path(serviceUnitName(names[i])));
        if (seen[i].known || seen[i].timerFile || seen[i].serviceFile) {
            args.push_back(timerUnitName(names[i]));
            args.push_back(serviceUnitName(names[i]));
        }
    }
    std::vector<OsJobState> states(names.size());
    if (args.size() == 3) return states;  // none of them has units or was registered

    const auto shown = systemctl(args);
    std::map<std::string, Properties> byUnit;
    for (auto& block : parseShow(shown.out)) {
        auto id = propertyValue(block, "Id");
        byUnit.emplace(std::move(id), std::move(block));
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto& job = seen[i];
        if (!job.known && !job.timerFile && !job.serviceFile) continue;
        const auto timerName = timerUnitName(names[i]);
        const auto timer = byUnit.find(timerName);
        const auto service = byUnit.find(serviceUnitName(names[i]));
        if (!shown.ok() || timer == byUnit.end() || service == byUnit.end()) {
            states[i].drift.push_back("cannot read " + timerName + " from systemd: " +
                                      (shown.ok() ? "no answer for it" : shown.reason()));
            continue;
        }
        states[i] = stateOf(names[i], job.known, job.timerFile, job.serviceFile, timer->second,
                            service->second);
    }
    return states;
}

OsJobState SystemdScheduler::stateOf(const std::string& name, const std::optional<Known>& known,
                                     const std::optional<std::string>& timerFile,
                                     const std::optional<std::string>& serviceFile,
                                     const UnitProperties& timer,
                                     const UnitProperties& service) const {
    const auto timerName = timerUnitName(name);
    const auto serviceName = serviceUnitName(name);
    OsJobState state;
    state.registered = propertyValue(timer, "LoadState") == "loaded";
    const auto fileState = propertyValue(timer, "UnitFileState");
    state.enabled = fileState == "enabled" || fileState == "enabled-runtime";
    state.next = parseTimestamp(propertyValue(timer, "NextElapseUSecRealtime"));
    state.last = parseTimestamp(propertyValue(timer, "LastTriggerUSec"));
    if (propertyValue(service, "ActiveState") == "activating") {
        state.lastResult = "running";
    } else if (!propertyValue(service, "InvocationID").empty()) {
        const auto result = propertyValue(service, "Result");
        const auto status = propertyValue(service, "ExecMainStatus");
        state.lastResult = result == "success" || status.empty() || status == "0"
                               ? result
                               : result + " (exit status " + status + ")";
    }

    if (known && known->enabled && !state.enabled) {
        state.drift.push_back("timer disabled in systemd (systemctl disable)");
    } else if (known && !known->enabled && state.enabled) {
        state.drift.push_back("timer enabled in systemd while the job is disabled in Belfry");
    } else if (state.enabled && propertyValue(timer, "ActiveState") != "active") {
        state.drift.push_back("timer enabled but not active in systemd (systemctl stop)");
    }
    const struct {
        const std::string& unit;
        const std::optional<std::string>& file;
        const Properties& shown;
        std::string expected;
    } units[] = {{timerName, timerFile, timer, known ? known->timer : ""},
                 {serviceName, serviceFile, service, known ? known->service : ""}};
    for (const auto& unit : units) {
        if (!unit.file) {
            state.drift.push_back(unit.unit + " is missing from " + options_.unitDir);
        } else if (isUnitEditedOutsideBelfry(*unit.file)) {
            state.drift.push_back(unit.unit + " was edited outside Belfry");
        } else if (known && *unit.file != unit.expected) {
            state.drift.push_back(unit.unit + " differs from what Belfry would write");
        }
        if (const auto dropIns = propertyValue(unit.shown, "DropInPaths"); !dropIns.empty()) {
            state.drift.push_back(unit.unit + " is changed by drop-ins: " + dropIns);
        }
        if (propertyValue(unit.shown, "NeedDaemonReload") == "yes") {
            state.drift.push_back(unit.unit + " changed on disk but systemd has not reloaded it");
        }
    }
    return state;
}

}  // namespace belfry::systemd
