#include "process_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace belfry {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Every spec gets a generous timeout so that a broken runner fails a test instead of hanging it.
ProcessSpec command(std::vector<std::string> argv) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.timeout = 30s;
    return spec;
}

ProcessSpec shell(const std::string& script) {
    return command({"/bin/sh", "-c", script});
}

ActionOutcome run(const ProcessSpec& spec) {
    CancelSource cancel;
    return runProcess(spec, cancel);
}

std::vector<pid_t> pidsIn(const std::string& output) {
    std::vector<pid_t> pids;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) pids.push_back(std::stoi(line));
    return pids;
}

// True once `pid` no longer exists or is a zombie waiting for init (it cannot run any more).
bool goneWithin(pid_t pid, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto paren = text.rfind(')');
        if (paren != std::string::npos && text.compare(paren + 1, 3, " Z ") == 0) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
}

std::string makeTempDir() {
    std::string pattern = ::testing::TempDir() + "belfry-runner-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << errno;
    return pattern;
}

void writeFile(const std::string& path, const std::string& text, mode_t mode) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
}

class ProcessRunner : public ::testing::Test {
  protected:
    void TearDown() override {
        // Every child must have been reaped by the runner: no zombies left behind.
        errno = 0;
        EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
        EXPECT_EQ(errno, ECHILD);
    }
};

TEST_F(ProcessRunner, CapturesOutputAndExitCode) {
    const auto outcome = run(shell("echo to-stdout; echo to-stderr >&2; echo again; exit 3"));
    EXPECT_EQ(outcome.ending, Ending::Exited);
    EXPECT_EQ(outcome.exitCode, 3);
    EXPECT_EQ(outcome.signal, 0);
    EXPECT_EQ(outcome.output, "to-stdout\nto-stderr\nagain\n");
    EXPECT_EQ(outcome.outputBytes, 26u);
    EXPECT_EQ(outcome.error, "");
    EXPECT_FALSE(outcome.succeeded());
}

TEST_F(ProcessRunner, ExitZeroSucceeds) {
    const auto outcome = run(command({"/bin/true"}));
    EXPECT_EQ(outcome.ending, Ending::Exited);
    EXPECT_EQ(outcome.exitCode, 0);
    EXPECT_EQ(outcome.output, "");
    EXPECT_TRUE(outcome.succeeded());
}

TEST_F(ProcessRunner, RunsInCwdWithExtraEnv) {
    const std::string dir = makeTempDir();
    ::setenv("BELFRY_TEST_INHERITED", "from-daemon", 1);
    ::setenv("BELFRY_TEST_OVERRIDDEN", "from-daemon", 1);
    auto spec = shell(
        "pwd -P; echo \"$BELFRY_TEST_EXTRA\"; echo \"$BELFRY_TEST_OVERRIDDEN\"; "
        "echo \"$BELFRY_TEST_INHERITED\"");
    spec.cwd = dir;
    spec.env = {{"BELFRY_TEST_EXTRA", "extra value"}, {"BELFRY_TEST_OVERRIDDEN", "from-job"}};
    const auto outcome = run(spec);
    ::unsetenv("BELFRY_TEST_INHERITED");
    ::unsetenv("BELFRY_TEST_OVERRIDDEN");
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(outcome.output, dir + "\nextra value\nfrom-job\nfrom-daemon\n");
    ::rmdir(dir.c_str());
}

TEST_F(ProcessRunner, JobsDoNotInheritTheServiceManagersNotifySocket) {
    ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
    ::setenv("WATCHDOG_USEC", "30000000", 1);
    const auto outcome = run(shell("echo \"[${NOTIFY_SOCKET-unset}][${WATCHDOG_USEC-unset}]\""));
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(outcome.output, "[unset][unset]\n");
}

TEST_F(ProcessRunner, LooksUpTheProgramInTheJobsPath) {
    const std::string dir = makeTempDir();
    writeFile(dir + "/belfry-hello", "#!/bin/sh\necho \"hello from $0\"\n", 0755);
    auto spec = command({"belfry-hello"});
    spec.env = {{"PATH", "/nonexistent:" + dir + ":/usr/bin:/bin"}};
    const auto outcome = run(spec);
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(outcome.output, "hello from " + dir + "/belfry-hello\n");
    ::unlink((dir + "/belfry-hello").c_str());
    ::rmdir(dir.c_str());
}

TEST_F(ProcessRunner, MissingProgramIsASpawnFailure) {
    for (const std::string program : {"belfry-no-such-program", "/nonexistent/belfry-program"}) {
        const auto outcome = run(command({program, "arg"}));
        EXPECT_EQ(outcome.ending, Ending::SpawnFailed) << program;
        EXPECT_NE(outcome.error.find("'" + program + "'"), std::string::npos) << outcome.error;
        EXPECT_NE(outcome.error.find("No such file or directory"), std::string::npos)
            << outcome.error;
        EXPECT_FALSE(outcome.succeeded());
    }
}

TEST_F(ProcessRunner, NonExecutableProgramIsASpawnFailure) {
    const std::string dir = makeTempDir();
    const std::string program = dir + "/not-executable";
    writeFile(program, "#!/bin/sh\necho should not run\n", 0644);
    const auto outcome = run(command({program}));
    EXPECT_EQ(outcome.ending, Ending::SpawnFailed);
    EXPECT_NE(outcome.error.find(program), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find("Permission denied"), std::string::npos) << outcome.error;
    ::unlink(program.c_str());
    ::rmdir(dir.c_str());
}

TEST_F(ProcessRunner, MissingCwdIsASpawnFailureNamingTheDirectory) {
    auto spec = command({"/bin/true"});
    spec.cwd = "/nonexistent/belfry-cwd";
    const auto outcome = run(spec);
    EXPECT_EQ(outcome.ending, Ending::SpawnFailed);
    EXPECT_NE(outcome.error.find("working directory '/nonexistent/belfry-cwd'"), std::string::npos)
        << outcome.error;
    EXPECT_NE(outcome.error.find("No such file or directory"), std::string::npos) << outcome.error;
}

TEST_F(ProcessRunner, EmptyArgvIsASpawnFailure) {
    const auto outcome = run(command({}));
    EXPECT_EQ(outcome.ending, Ending::SpawnFailed);
    EXPECT_FALSE(outcome.error.empty());
}

TEST_F(ProcessRunner, Exit127FromTheProgramItselfIsNotASpawnFailure) {
    // The shell started fine; the command it could not find is the script's failure.
    const auto outcome = run(shell("belfry-no-such-program 2>/dev/null"));
    EXPECT_EQ(outcome.ending, Ending::Exited);
    EXPECT_EQ(outcome.exitCode, 127);
}

TEST_F(ProcessRunner, ReportsTerminatingSignal) {
    const auto outcome = run(shell("kill -USR1 $$; sleep 5"));
    EXPECT_EQ(outcome.ending, Ending::Signaled);
    EXPECT_EQ(outcome.signal, SIGUSR1);
    EXPECT_EQ(outcome.error, "");
    EXPECT_FALSE(outcome.succeeded());
}

TEST_F(ProcessRunner, ChildStartsWithDefaultSignalsAndAnEmptyMask) {
    // A daemon ignores SIGPIPE and its worker threads may block signals; neither may reach a job.
    sigset_t blocked;
    sigset_t previousMask;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &blocked, &previousMask), 0);
    struct sigaction ignore {};
    struct sigaction previousPipe {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previousPipe), 0);

    auto pipeKill = shell("kill -PIPE $$; exit 0");
    auto termKill = shell("kill -TERM $$; exit 0");
    pipeKill.timeout = termKill.timeout = 5s;
    const auto byPipe = run(pipeKill);
    const auto byTerm = run(termKill);

    ::sigaction(SIGPIPE, &previousPipe, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &previousMask, nullptr);
    EXPECT_EQ(byPipe.ending, Ending::Signaled);
    EXPECT_EQ(byPipe.signal, SIGPIPE);
    EXPECT_EQ(byTerm.ending, Ending::Signaled);
    EXPECT_EQ(byTerm.signal, SIGTERM);
}

TEST_F(ProcessRunner, ChildStdinIsDevNull) {
    // Give the test process a stdin that is not /dev/null, so inheriting it would show.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int savedStdin = ::dup(0);
    ::dup2(fds[0], 0);
    const auto outcome = run(shell("readlink /proc/$$/fd/0; cat"));
    ::dup2(savedStdin, 0);
    ::close(savedStdin);
    ::close(fds[0]);
    ::close(fds[1]);
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(outcome.output, "/dev/null\n");
}

TEST_F(ProcessRunner, LeaksNoDescriptorsIntoTheChild) {
    // Deliberately without O_CLOEXEC, as some libraries open their descriptors.
    const int leaky = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(leaky, 3);
    const auto outcome = run(shell("ls /proc/$$/fd"));
    ::close(leaky);
    EXPECT_EQ(outcome.output, "0\n1\n2\n");
}

TEST_F(ProcessRunner, KeepsTheTailWithAMarkerForWhatWasOmitted) {
    auto spec = shell("printf 0123456789");
    spec.outputLimit = 4;
    const auto outcome = run(spec);
    EXPECT_EQ(outcome.output, "[... 6 bytes omitted ...]\n6789");
    EXPECT_EQ(outcome.outputBytes, 10u);
}

TEST_F(ProcessRunner, OutputFloodIsCappedToTheTail) {
    constexpr std::uint64_t kFlood = 200'000'000;
    auto spec = shell("head -c " + std::to_string(kFlood) + " /dev/zero; echo END");
    spec.outputLimit = 64 * 1024;
    const auto start = Clock::now();
    const auto outcome = run(spec);
    EXPECT_LT(Clock::now() - start, 20s);
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(outcome.outputBytes, kFlood + 4);
    const std::string marker =
        "[... " + std::to_string(kFlood + 4 - spec.outputLimit) + " bytes omitted ...]\n";
    EXPECT_EQ(outcome.output, marker + std::string(spec.outputLimit - 4, '\0') + "END\n");
}

TEST_F(ProcessRunner, EndlessOutputStaysBoundedUntilTheTimeout) {
    auto spec = command({"yes"});
    spec.timeout = 300ms;
    spec.outputLimit = 1000;
    const auto outcome = run(spec);
    EXPECT_EQ(outcome.ending, Ending::TimedOut);
    EXPECT_EQ(outcome.signal, SIGTERM);
    EXPECT_GT(outcome.outputBytes, 1000u);
    EXPECT_LE(outcome.output.size(), 1000u + 40u);
    EXPECT_EQ(outcome.output.substr(outcome.output.size() - 4), "y\ny\n");
}

TEST_F(ProcessRunner, TimeoutKillsTheWholeProcessGroup) {
    auto spec = shell("sleep 100 & echo $!; sleep 100 & echo $!; wait");
    spec.timeout = 500ms;
    const auto start = Clock::now();
    const auto outcome = run(spec);
    EXPECT_LT(Clock::now() - start, 4s);  // SIGTERM sufficed; the 5s grace was not needed
    EXPECT_EQ(outcome.ending, Ending::TimedOut);
    EXPECT_EQ(outcome.signal, SIGTERM);
    EXPECT_EQ(outcome.error, "timed out after 500ms");
    EXPECT_FALSE(outcome.succeeded());
    const auto grandchildren = pidsIn(outcome.output);
    ASSERT_EQ(grandchildren.size(), 2u) << outcome.output;
    for (pid_t pid : grandchildren) EXPECT_TRUE(goneWithin(pid, 5s)) << pid;
}

TEST_F(ProcessRunner, TimeoutSendsSigtermToTheWholeGroupFirst) {
    // The leader ignores SIGTERM; its child handles it. Only a group-wide SIGTERM lets the child
    // clean up before the SIGKILL that follows the grace period.
    auto spec = shell(
        "(trap 'echo child got SIGTERM; exit 0' TERM; while :; do sleep 0.05; done) & "
        "trap '' TERM; wait; sleep 100");
    spec.timeout = 300ms;
    spec.killGrace = 1s;
    const auto outcome = run(spec);
    EXPECT_EQ(outcome.ending, Ending::TimedOut);
    EXPECT_EQ(outcome.signal, SIGKILL);
    EXPECT_NE(outcome.output.find("child got SIGTERM\n"), std::string::npos) << outcome.output;
}

TEST_F(ProcessRunner, LeftoverChildrenAreKilledWhenTheMainProcessExits) {
    const auto start = Clock::now();
    const auto outcome = run(shell("sleep 100 & echo $!"));
    EXPECT_LT(Clock::now() - start, 5s);
    EXPECT_EQ(outcome.ending, Ending::Exited);
    EXPECT_EQ(outcome.exitCode, 0);
    const auto leftovers = pidsIn(outcome.output);
    ASSERT_EQ(leftovers.size(), 1u) << outcome.output;
    EXPECT_TRUE(goneWithin(leftovers[0], 5s));
}

TEST_F(ProcessRunner, EscapedDescendantHoldingThePipeDoesNotHangTheRunner) {
    // setsid puts the sleeper outside the job's group, beyond our SIGKILL, and it keeps the pipe
    // open. The leader only exits once the sleeper has left the group (its pid is in the file).
    const std::string dir = makeTempDir();
    const std::string pidFile = dir + "/escaped.pid";
    auto spec = shell("setsid sh -c 'echo $$ > " + pidFile +
                      "; exec sleep 100' & "
                      "while [ ! -s " +
                      pidFile + " ]; do sleep 0.01; done; cat " + pidFile);
    const auto start = Clock::now();
    const auto outcome = run(spec);
    const auto took = Clock::now() - start;
    const auto pids = pidsIn(outcome.output);
    bool escapedWasAlive = false;
    for (pid_t pid : pids) {
        escapedWasAlive = ::kill(pid, 0) == 0;
        ::kill(pid, SIGKILL);  // clean up before any assertion can return
    }
    ::unlink(pidFile.c_str());
    ::rmdir(dir.c_str());
    EXPECT_LT(took, 5s);
    EXPECT_EQ(outcome.ending, Ending::Exited) << outcome.error;
    EXPECT_EQ(pids.size(), 1u) << outcome.output;
    EXPECT_TRUE(escapedWasAlive);
}

TEST_F(ProcessRunner, SigtermIgnoringChildIsKilledAfterGrace) {
    auto spec = shell("trap '' TERM; sleep 100");
    spec.timeout = 200ms;
    spec.killGrace = 300ms;
    const auto start = Clock::now();
    const auto outcome = run(spec);
    const auto took = Clock::now() - start;
    EXPECT_GE(took, 500ms);
    EXPECT_LT(took, 5s);
    EXPECT_EQ(outcome.ending, Ending::TimedOut);
    EXPECT_EQ(outcome.signal, SIGKILL);
    EXPECT_EQ(outcome.error, "timed out after 200ms (still running 300ms after SIGTERM, killed)");
}

TEST_F(ProcessRunner, CancelStopsTheProcess) {
    CancelSource cancel;
    std::promise<void> started;
    std::thread canceller([&] {
        if (started.get_future().wait_for(10s) == std::future_status::ready) {
            cancel.cancel(CancelReason::Cancelled);
        }
    });
    const auto begin = Clock::now();
    const auto outcome =
        runProcess(command({"sleep", "100"}), cancel, [&](std::int64_t) { started.set_value(); });
    canceller.join();
    EXPECT_LT(Clock::now() - begin, 5s);
    EXPECT_EQ(outcome.ending, Ending::Cancelled);
    EXPECT_EQ(outcome.cancelReason, CancelReason::Cancelled);
    EXPECT_EQ(outcome.signal, SIGTERM);
    EXPECT_EQ(outcome.error, "");
    EXPECT_FALSE(outcome.succeeded());
}

TEST_F(ProcessRunner, CancelledBeforeStartSpawnsNothing) {
    CancelSource cancel;
    cancel.cancel(CancelReason::Shutdown);
    bool started = false;
    const auto outcome =
        runProcess(command({"/bin/true"}), cancel, [&](std::int64_t) { started = true; });
    EXPECT_FALSE(started);
    EXPECT_EQ(outcome.ending, Ending::Cancelled);
    EXPECT_EQ(outcome.cancelReason, CancelReason::Shutdown);
}

TEST_F(ProcessRunner, RunsTheJobInItsOwnProcessGroup) {
    CancelSource cancel;
    pid_t group = -1;
    pid_t child = -1;
    runProcess(command({"sleep", "100"}), cancel, [&](std::int64_t pid) {
        child = static_cast<pid_t>(pid);
        group = ::getpgid(child);
        cancel.cancel(CancelReason::Cancelled);
    });
    EXPECT_GT(child, 0);
    EXPECT_EQ(group, child);
    EXPECT_NE(group, ::getpgrp());
}

TEST_F(ProcessRunner, ManyWorkersRunConcurrently) {
    constexpr int kWorkers = 8;
    std::vector<ActionOutcome> outcomes(kWorkers);
    std::vector<std::thread> workers;
    for (int i = 0; i < kWorkers; ++i) {
        workers.emplace_back([&outcomes, i] {
            auto spec = command({"/bin/sh", "-c", "echo \"$1\"; sleep 0.1; echo \"$1\"", "sh",
                                 "worker-" + std::to_string(i)});
            outcomes[i] = run(spec);
        });
    }
    for (auto& worker : workers) worker.join();
    for (int i = 0; i < kWorkers; ++i) {
        const std::string tag = "worker-" + std::to_string(i) + "\n";
        EXPECT_EQ(outcomes[i].output, tag + tag);
        EXPECT_TRUE(outcomes[i].succeeded()) << outcomes[i].error;
    }
}

TEST(CancelSourceTest, FirstReasonWins) {
    CancelSource cancel;
    EXPECT_FALSE(cancel.cancelled());
    EXPECT_EQ(cancel.reason(), CancelReason::None);
    cancel.cancel(CancelReason::None);
    EXPECT_FALSE(cancel.cancelled());
    cancel.cancel(CancelReason::Replaced);
    cancel.cancel(CancelReason::Shutdown);
    EXPECT_TRUE(cancel.cancelled());
    EXPECT_EQ(cancel.reason(), CancelReason::Replaced);
    EXPECT_EQ(toString(cancel.reason()), "replaced");
}

TEST(CancelSourceTest, WaitForWakesOnCancelFromAnotherThread) {
    CancelSource cancel;
    EXPECT_FALSE(cancel.waitFor(20ms));
    std::thread canceller([&] { cancel.cancel(CancelReason::Shutdown); });
    const auto start = Clock::now();
    EXPECT_TRUE(cancel.waitFor(10s));
    EXPECT_LT(Clock::now() - start, 5s);
    canceller.join();
}

}  // namespace
}  // namespace belfry
