#include "systemd_units.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "belfry/job_name.h"
#include "belfry/schedule/systemd_calendar.h"
#include "belfry/utf8.h"

namespace belfry::systemd {
namespace {

constexpr const char* kHeader = "# Managed by Belfry; edits are reported as drift.\n";
constexpr const char* kDigestPrefix = "# belfry-digest: ";

// The portable subset of user names (what useradd accepts by default, minus a trailing `$`): it
// needs no quoting in User= and cannot carry a specifier or a second directive.
bool isPlainAccountName(const std::string& name) {
    if (name.empty() || name.size() > 32) return false;
    if (!(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (!(std::islower(u) || std::isdigit(u) || c == '_' || c == '-')) return false;
    }
    return true;
}

// FNV-1a, 64 bit: stable across builds and platforms (std::hash is not), and enough to notice an
// edit; this is not a defence against someone forging the digest on purpose.
std::string digestOf(const std::string& body) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char c : body) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIx64, hash);
    return text;
}

std::string withHeader(const std::string& body) {
    return std::string(kHeader) + kDigestPrefix + digestOf(body) + "\n" + body;
}

// Whole seconds, rounded up: systemd would accept "ms", but seconds read better in the unit.
long long ceilSeconds(std::chrono::milliseconds value) {
    return (value.count() + 999) / 1000;
}

}  // namespace

std::string timerUnitName(const std::string& job) {
    return "belfry-" + job + ".timer";
}
std::string serviceUnitName(const std::string& job) {
    return "belfry-" + job + ".service";
}

std::optional<std::string> quoteExecWord(const std::string& word, ExecWord kind) {
    if (sanitizeUtf8(word) != word) return std::nullopt;
    const bool executable = kind == ExecWord::Executable;
    std::string quoted = "\"";
    for (const char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return std::nullopt;
        if (executable && (c == '"' || c == '\'' || c == '\\')) return std::nullopt;
        if (c == '%') {
            quoted += "%%";
        } else if (!executable && (c == '\\' || c == '"')) {
            quoted += '\\';
            quoted += c;
        } else if (!executable && c == '$') {
            quoted += "$$";
        } else {
            quoted += c;
        }
    }
    return quoted + "\"";
}

std::optional<JobUnits> renderJobUnits(const ScheduledJob& job, const UnitOptions& options,
                                       schedule::Instant from, std::string* error) {
    const auto fail = [&](const std::string& message) -> std::optional<JobUnits> {
        if (error) *error = message;
        return std::nullopt;
    };
    std::string nameError;
    if (!isValidJobName(job.name, &nameError)) return fail("job name: " + nameError);
    if (job.schedule.kind() == schedule::Schedule::Kind::None) {
        return fail("the job has no schedule, so it has no timer");
    }
    std::string translateError;
    const auto calendar = schedule::translateToSystemd(job.schedule, from, &translateError);
    if (!calendar) return fail("cannot translate the schedule: " + translateError);

    if (options.client.empty() || options.client.front() != '/') {
        return fail("bridge.client must be an absolute path, not '" + options.client + "'");
    }
    const auto client = quoteExecWord(options.client, ExecWord::Executable);
    if (!client) {
        return fail("bridge.client '" + printableForMessage(options.client) +
                    "' cannot be an ExecStart= program: control characters, quotes, backslashes "
                    "or invalid UTF-8");
    }
    std::string execStart = *client;
    if (!options.configFile.empty()) {
        if (options.configFile.front() != '/') {
            return fail("the configuration file path must be absolute, not '" + options.configFile +
                        "'");
        }
        const auto config = quoteExecWord(options.configFile, ExecWord::Argument);
        if (!config) {
            return fail(
                "the configuration file path contains control characters or invalid "
                "UTF-8");
        }
        execStart += " --config " + *config;
    }
    execStart += " fire " + job.name;
    if (!options.user.empty() && !isPlainAccountName(options.user)) {
        return fail("the service account '" + options.user +
                    "' is not a plain user name ([a-z_][a-z0-9_-]*, at most 32 characters)");
    }

    JobUnits units;
    units.timerName = timerUnitName(job.name);
    units.serviceName = serviceUnitName(job.name);
    units.validUntil = calendar->validUntil;

    std::ostringstream timer;
    timer << "[Unit]\n"
          << "Description=Belfry job " << job.name << " (schedule)\n"
          << "\n[Timer]\n";
    for (const auto& line : calendar->onCalendar) timer << "OnCalendar=" << line << '\n';
    timer << "Persistent=" << (job.catchUp ? "true" : "false") << '\n'
          << "AccuracySec=1s\n"
          << "RandomizedDelaySec=" << ceilSeconds(job.jitter) << "s\n"
          << "Unit=" << units.serviceName << '\n'
          << "\n[Install]\n"
          << "WantedBy=timers.target\n";
    units.timer = withHeader(timer.str());

    const auto timeout =
        job.timeout.count() > 0 ? ceilSeconds(job.timeout + kServiceTimeoutMargin) : 0;
    std::ostringstream service;
    service << "[Unit]\n"
            << "Description=Belfry job " << job.name << " (belfry fire)\n"
            << "\n[Service]\n"
            << "Type=oneshot\n"
            << "ExecStart=" << execStart
            << '\n'
            // Always explicit: the oneshot default of 90 s would kill the waiting `belfry fire`
            // of any longer job.
            << "TimeoutStartSec=" << (timeout > 0 ? std::to_string(timeout) + "s" : "infinity")
            << '\n';
    if (!options.user.empty()) service << "User=" << options.user << '\n';
    units.service = withHeader(service.str());
    return units;
}

bool isUnitEditedOutsideBelfry(const std::string& content) {
    const std::string header = kHeader;
    if (content.compare(0, header.size(), header) != 0) return true;
    const auto digestStart = header.size();
    const std::string prefix = kDigestPrefix;
    if (content.compare(digestStart, prefix.size(), prefix) != 0) return true;
    const auto lineEnd = content.find('\n', digestStart);
    if (lineEnd == std::string::npos) return true;
    const auto digest =
        content.substr(digestStart + prefix.size(), lineEnd - digestStart - prefix.size());
    return digest != digestOf(content.substr(lineEnd + 1));
}

}  // namespace belfry::systemd
