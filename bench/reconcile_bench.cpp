// Prints the systemd bridge's figures against a real manager (never fails on time):
//   - reconcile time for 1, 100 and 1,000 jobs, systemd's own work included: creating them from
//     nothing (write, enable, one daemon-reload, start), reconciling them again unchanged, and
//     removing them all as orphans; medians over a few rounds
//   - timer -> job-start overhead: a timer firing every second whose service records when its
//     process started; the difference to the slot (the whole second), median and p99
// It starts its own sandboxed `systemd --user` (tests/support/start-systemd.sh, as root) in a
// state directory of its own, and stops it at the end.
// Usage: reconcile_bench [rounds=3] [fires=20]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "belfry/schedule/cron.h"
#include "helper_scheduler.h"
#include "systemd_scheduler.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using belfry::ReconcileReport;
using belfry::ScheduledJob;
namespace systemd = belfry::systemd;

const std::string kSandbox = "/tmp/belfry-reconcile-bench-sd";

double percentile(std::vector<double> samples, double p) {
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[index];
}

bool shell(const std::string& command) {
    return std::system(command.c_str()) == 0;
}

// Exports the sandbox's DIR/env ("export K=V" lines) into this process, so that systemctl (run by
// SystemdScheduler with this environment) reaches the sandbox manager.
std::string loadSandboxEnv() {
    std::ifstream in(kSandbox + "/env");
    std::string unitDir;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("export ", 0) != 0) continue;
        const auto eq = line.find('=');
        const auto key = line.substr(7, eq - 7);
        const auto value = line.substr(eq + 1);
        ::setenv(key.c_str(), value.c_str(), 1);
        if (key == "BELFRY_SYSTEMD_UNIT_DIR") unitDir = value;
    }
    return unitDir;
}

std::vector<ScheduledJob> jobs(int count) {
    std::vector<ScheduledJob> result;
    for (int i = 0; i < count; ++i) {
        ScheduledJob job;
        job.name = "bench-" + std::to_string(i);
        job.schedule = belfry::schedule::Schedule::fromCron(
            *belfry::schedule::CronExpression::parse("0 3 * * *"));
        result.push_back(job);
    }
    return result;
}

double timed(belfry::OsScheduler& scheduler, const std::vector<ScheduledJob>& desired,
             ReconcileReport* report) {
    const auto started = Clock::now();
    *report = scheduler.reconcile([&] { return desired; }, false);
    return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

void reconcileFigures(const std::string& unitDir, int rounds) {
    systemd::SystemdOptions options;
    options.scope = systemd::Scope::User;
    options.unitDir = unitDir;
    options.units.client = "/bin/true";
    options.callTimeout = std::chrono::minutes(5);
    systemd::SystemdScheduler scheduler(options);
    {
        const auto started = Clock::now();
        for (const auto& job : jobs(1000)) {
            std::string error;
            systemd::renderJobUnits(job, options.units, belfry::schedule::currentInstant(), &error);
        }
        std::printf("rendering the units of 1,000 jobs (translation included): %.0f ms\n",
                    std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
    std::printf("reconcile against systemd --user (sandbox), median of %d round(s):\n", rounds);
    std::printf("  %6s  %12s  %14s  %12s  %12s  %s\n", "jobs", "create", "(in systemctl)",
                "unchanged", "remove all", "calls/reloads (create)");
    for (const int count : {1, 100, 1000}) {
        std::vector<double> create, createManager, unchanged, remove;
        ReconcileReport report, createReport;
        for (int round = 0; round < rounds; ++round) {
            create.push_back(timed(scheduler, jobs(count), &createReport));
            createManager.push_back(static_cast<double>(createReport.managerTime.count()));
            unchanged.push_back(timed(scheduler, jobs(count), &report));
            remove.push_back(timed(scheduler, {}, &report));
        }
        std::printf(
            "  %6d  %9.0f ms  %11.0f ms  %9.0f ms  %9.0f ms  %d/%d (%zu created, %zu failed)\n",
            count, percentile(create, 0.5), percentile(createManager, 0.5),
            percentile(unchanged, 0.5), percentile(remove, 0.5), createReport.managerCalls,
            createReport.managerReloads, createReport.count(belfry::ReconcileAction::Created),
            createReport.count(belfry::ReconcileAction::Failed));
    }
}

// The packaged path: the same batches sent to belfry-systemd-helper (run here as a child, root,
// on a socket of its own), which reconciles with its own SystemdScheduler. The difference to the
// direct figures is the price of the helper: the request, its validation and the answer.
void helperFigures(const std::string& unitDir, int rounds) {
    const std::string config = kSandbox + "/helper.properties";
    const std::string socket = kSandbox + "/helper.sock";
    std::ofstream(config) << "systemd.scope = user\nsystemd.unit_dir = " << unitDir
                          << "\nbridge.client = /bin/true\nsystemd.helper = " << socket
                          << "\nsystemd.helper.account = root\n";
    ::chmod(config.c_str(), 0644);
    const std::string helperPath = BELFRY_SYSTEMD_HELPER_PATH;
    char* argv[] = {const_cast<char*>(helperPath.c_str()), const_cast<char*>("--config"),
                    const_cast<char*>(config.c_str()), nullptr};
    pid_t helper = 0;
    posix_spawn_file_actions_t actions;  // its log of each request goes to a file, not here
    posix_spawn_file_actions_init(&actions);
    const std::string log = kSandbox + "/helper.log";
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int spawned = ::posix_spawn(&helper, argv[0], &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        std::printf("through belfry-systemd-helper: cannot start %s\n", argv[0]);
        return;
    }
    std::string detail;
    const auto ready = Clock::now() + std::chrono::seconds(10);
    while (!systemd::HelperScheduler::helperReady(socket, std::chrono::seconds(5), &detail) &&
           Clock::now() < ready) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    systemd::HelperOptions options;
    options.socketPath = socket;
    systemd::HelperScheduler scheduler(options);
    std::printf("the same through belfry-systemd-helper, median of %d round(s):\n", rounds);
    for (const int count : {1, 1000}) {
        std::vector<double> create, unchanged, remove;
        ReconcileReport report, createReport;
        for (int round = 0; round < rounds; ++round) {
            create.push_back(timed(scheduler, jobs(count), &createReport));
            unchanged.push_back(timed(scheduler, jobs(count), &report));
            remove.push_back(timed(scheduler, {}, &report));
        }
        std::printf("  %6d  %9.0f ms  %14s  %9.0f ms  %9.0f ms  (%zu created, %zu failed)\n", count,
                    percentile(create, 0.5), "", percentile(unchanged, 0.5),
                    percentile(remove, 0.5), createReport.count(belfry::ReconcileAction::Created),
                    createReport.count(belfry::ReconcileAction::Failed));
    }
    ::kill(helper, SIGTERM);
    ::waitpid(helper, nullptr, 0);
}

void fireFigures(const std::string& unitDir, int fires) {
    const std::string recorder = kSandbox + "/record-start.sh";
    const std::string samples = kSandbox + "/starts.txt";
    std::ofstream(recorder) << "#!/bin/sh\ndate +%s%N >> " << samples << "\n";
    ::chmod(recorder.c_str(), 0755);
    ::unlink(samples.c_str());

    systemd::SystemdOptions options;
    options.scope = systemd::Scope::User;
    options.unitDir = unitDir;
    options.units.client = recorder;
    systemd::SystemdScheduler scheduler(options);
    ScheduledJob job;
    job.name = "bench-every-second";
    job.schedule = belfry::schedule::Schedule::fromCron(
        *belfry::schedule::CronExpression::parse("* * * * * *"));
    ReconcileReport report;
    timed(scheduler, {job}, &report);
    const auto deadline = Clock::now() + std::chrono::seconds(fires * 3 + 10);
    std::vector<std::string> lines;
    while (Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::ifstream in(samples);
        lines.clear();
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        if (static_cast<int>(lines.size()) > fires) break;
    }
    timed(scheduler, {}, &report);

    // $TRIGGER_TIMER_REALTIME_USEC is no help here: systemd 252 passes the first elapse to every
    // later start of the service. The slot is the whole second before the start (the timer fires
    // every second, and AccuracySec=1s keeps the delay under a second).
    std::vector<double> overhead;
    for (std::size_t i = 1; i < lines.size(); ++i) {  // the first may be a start-up fire
        long long startNs = 0;
        std::istringstream(lines[i]) >> startNs;
        if (startNs <= 0) continue;
        overhead.push_back(static_cast<double>(startNs % 1000000000LL) / 1e6);
    }
    if (overhead.empty()) {
        std::printf("timer -> job start: no samples (see %s/manager.log)\n", kSandbox.c_str());
        return;
    }
    std::printf("timer -> job start, %zu fires of an every-second timer (AccuracySec=1s):\n",
                overhead.size());
    std::printf("  slot -> process start   median %7.1f ms  p99 %7.1f ms  min %7.1f ms\n",
                percentile(overhead, 0.5), percentile(overhead, 0.99), percentile(overhead, 0.0));
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
    const int fires = argc > 2 ? std::max(2, std::atoi(argv[2])) : 20;
    const std::string scripts = BELFRY_TEST_SUPPORT_DIR;
    if (!shell(scripts + "/stop-systemd.sh " + kSandbox + " >/dev/null") ||
        !shell(scripts + "/start-systemd.sh " + kSandbox + " >/dev/null")) {
        std::fprintf(stderr, "reconcile_bench: cannot start the systemd sandbox (needs root)\n");
        return 1;
    }
    const auto unitDir = loadSandboxEnv();
    reconcileFigures(unitDir, rounds);
    helperFigures(unitDir, rounds);
    fireFigures(unitDir, fires);
    shell(scripts + "/stop-systemd.sh " + kSandbox + " --purge >/dev/null");
    return 0;
}
