// Prints the walking skeleton's figures (never fails on time):
//   - `belfry fire` on a /bin/true job, whole process as an OS scheduler runs it, p50/p99, beside
//     a bare /bin/true start; the difference is Belfry's overhead per fire, split into the
//     client's own process start (`belfry --version`) and the rest
//   - runs/s for 1,000 no-op exec runs submitted over the API, history committed
//   - belfryd's resident memory when idle
//   - this machine's floor for those figures: what a page fault, a system call and a no-op process
//     start cost here, and how many /bin/true processes per second the machine can start at all,
//     from a loop with nothing else to do. Process creation is mostly page faults and system
//     calls, and on a virtual machine those can cost ten to a hundred times what they cost on
//     bare metal, so the absolute targets only make sense next to these figures.
// Usage: daemon_bench [fires=300] [runs=1000]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <limits>
#include <thread>

#include "test_daemon.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using belfry::test::TestDaemon;

double percentile(std::vector<double> samples, double p) {
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[index];
}

// Starts the command the way a scheduler does (spawn, wait) and returns the wall time in ms.
double timeCommand(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    const auto start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
        std::perror(args[0]);
        std::exit(1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s exited with %d\n", args[0], status);
        std::exit(1);
    }
    return elapsed;
}

// Spawns `program` and waits for it, `count` times, from `threads` threads at once; returns
// processes per second. The machine's ceiling for exec runs: belfryd does this and more per run.
double spawnRate(const char* program, int threads, int count) {
    const auto start = Clock::now();
    std::vector<std::thread> spawners;
    for (int t = 0; t < threads; ++t) {
        spawners.emplace_back([&] {
            char* args[] = {const_cast<char*>(program), nullptr};
            for (int i = 0; i < count / threads; ++i) {
                pid_t pid = 0;
                if (posix_spawn(&pid, program, nullptr, nullptr, args, environ) != 0) return;
                int status = 0;
                ::waitpid(pid, &status, 0);
            }
        });
    }
    for (auto& spawner : spawners) spawner.join();
    return (count / threads) * threads /
           std::chrono::duration<double>(Clock::now() - start).count();
}

// Microseconds per first touch of a fresh anonymous page (the kernel zeroes and maps it).
double pageFaultMicros() {
    constexpr std::size_t kPages = 2000, kPage = 4096;
    void* memory =
        ::mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return -1;
    auto* bytes = static_cast<volatile char*>(memory);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < kPages; ++i) bytes[i * kPage] = 1;
    const double micros = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    ::munmap(memory, kPages * kPage);
    return micros / kPages;
}

// Microseconds per trivial system call (getppid, which no libc caches).
double syscallMicros() {
    constexpr int kCalls = 200000;
    const auto start = Clock::now();
    for (int i = 0; i < kCalls; ++i) ::syscall(SYS_getppid);
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / kCalls;
}

long residentKiB(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    const int fires = argc > 1 ? std::atoi(argv[1]) : 300;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 1000;

    std::printf("this machine: a page fault costs %.2f us, a system call %.2f us\n",
                pageFaultMicros(), syscallMicros());
    std::vector<double> noopStarts;
    for (int i = 0; i < fires; ++i) noopStarts.push_back(timeCommand({BELFRY_STATIC_NOOP_PATH}));
    const double noopP50 = percentile(noopStarts, 0.5);
    std::printf(
        "  a static no-op process start: p50 %.3f ms (the floor for any client process, "
        "`belfry fire` included)\n",
        noopP50);
    spawnRate("/bin/true", 2, 200);  // warm-up
    const double spawnCeiling =
        std::max(spawnRate("/bin/true", 1, 1000), spawnRate("/bin/true", 2, 1000));
    std::printf(
        "  /bin/true started and reaped from a bare loop (1 or 2 threads, the better): %.0f/s "
        "(the ceiling for exec runs/s)\n",
        spawnCeiling);

    // BELFRY_BENCH_SYNC=FULL measures the power-loss-safe setting instead of the default.
    const char* sync = std::getenv("BELFRY_BENCH_SYNC");
    TestDaemon daemon({"workers = 8", "log.level = warn",
                       std::string("store.synchronous = ") + (sync ? sync : "NORMAL")});
    daemon.start();
    std::printf("belfryd idle RSS after start: %.1f MiB (target <= 15 MiB)\n",
                static_cast<double>(residentKiB(daemon.pid())) / 1024.0);
    // parallel: measure the pool and the store, not the job's concurrency rule (skip by default).
    daemon.createJob(
        R"({"name": "noop", "concurrency": "parallel", "exec": {"argv": ["/bin/true"]}})");

    // Warm the page cache and the daemon before measuring.
    for (int i = 0; i < 10; ++i) timeCommand({"/bin/true"});
    const std::vector<std::string> fire{BELFRY_CLI_PATH, "--config", daemon.configPath(), "fire",
                                        "noop"};
    for (int i = 0; i < 10; ++i) timeCommand(fire);

    // The client's own start, without talking to anyone: the part of the overhead that is the
    // cost of starting any process on this machine.
    const std::vector<std::string> clientAlone{BELFRY_CLI_PATH, "--version"};
    std::vector<double> bare, fired, clientStarts;
    for (int i = 0; i < fires; ++i) {
        bare.push_back(timeCommand({"/bin/true"}));
        fired.push_back(timeCommand(fire));
        clientStarts.push_back(timeCommand(clientAlone));
    }
    const double bareP50 = percentile(bare, 0.5), fireP50 = percentile(fired, 0.5);
    std::printf("bare /bin/true:            p50 %.3f ms  p99 %.3f ms  (n=%d)\n", bareP50,
                percentile(bare, 0.99), fires);
    std::printf("belfry fire (/bin/true):   p50 %.3f ms  p99 %.3f ms  (n=%d)\n", fireP50,
                percentile(fired, 0.99), fires);
    std::printf("fire overhead beyond job:  p50 %.3f ms  (target <= 2 ms)\n", fireP50 - bareP50);
    const double clientP50 = percentile(clientStarts, 0.5);
    std::printf(
        "  of which belfry's own process start (belfry --version): p50 %.3f ms; the rest, "
        "the fire's HTTP, store and executor work: %.3f ms\n",
        clientP50, fireP50 - bareP50 - clientP50);
    std::printf("  beyond a static no-op process start: %.3f ms\n", fireP50 - bareP50 - noopP50);

    // Submit from a few keep-alive clients at once, as a busy web app would.
    constexpr int kClients = 4;
    const auto start = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            Poco::Net::HTTPClientSession session("127.0.0.1",
                                                 static_cast<Poco::UInt16>(daemon.port()));
            for (int i = c; i < runs; i += kClients) {
                Poco::Net::HTTPRequest request("POST", "/v1/jobs/noop/runs", "HTTP/1.1");
                request.set("Authorization", "Bearer " + daemon.token());
                request.setContentLength(2);
                session.sendRequest(request) << "{}";
                Poco::Net::HTTPResponse response;
                auto& body = session.receiveResponse(response);
                body.ignore(std::numeric_limits<std::streamsize>::max());
                if (response.getStatus() != 202)
                    std::fprintf(stderr, "submit: %d\n", response.getStatus());
            }
        });
    }
    for (auto& client : clients) client.join();
    const auto submitted = Clock::now();
    // Runs finish out of order across workers: wait until none is queued or running.
    belfry::test::eventually(
        [&] {
            return daemon.request("GET", "/v1/runs?state=queued&limit=1")
                           .json->getArray("runs")
                           ->size() == 0 &&
                   daemon.request("GET", "/v1/runs?state=running&limit=1")
                           .json->getArray("runs")
                           ->size() == 0;
        },
        std::chrono::minutes(5));
    const auto done = Clock::now();
    const auto failed =
        daemon.request("GET", "/v1/runs?state=failed&limit=1").json->getArray("runs")->size();
    const double seconds = std::chrono::duration<double>(done - start).count();
    std::printf(
        "exec runs (store.synchronous=%s): %d no-op runs in %.2f s = %.0f runs/s (submission took "
        "%.2f s; %s failed) (target >= 1000/s)\n",
        sync ? sync : "NORMAL", runs, seconds, runs / seconds,
        std::chrono::duration<double>(submitted - start).count(), failed ? "some" : "none");
    std::printf("  = %.0f%% of this machine's /bin/true ceiling (%.0f/s)\n",
                100.0 * runs / seconds / spawnCeiling, spawnCeiling);
    std::printf("belfryd RSS after the runs: %.1f MiB\n",
                static_cast<double>(residentKiB(daemon.pid())) / 1024.0);
    daemon.stop();
    return 0;
}
