#include "process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
// glibc 2.36's <sys/pidfd.h> lacks __BEGIN_DECLS, so C++ would mangle pidfd_open (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "belfry/duration.h"
#include "belfry/job_name.h"
#include "output_tail.h"

extern char** environ;

namespace belfry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Reads per wake-up before looking at the clock, the pidfd and the cancel source again, so that a
// job flooding its output cannot starve the timeout.
constexpr int kReadsPerWakeup = 16;
constexpr std::size_t kReadChunk = 64 * 1024;
// After the main process is gone and its group killed: how long to wait for the pipe to reach
// EOF. Killed group members close it within microseconds; only a descendant that left the group
// (setsid) keeps it open, and it must not hold the run hostage.
constexpr milliseconds kFinalDrain{100};
// Durations past this are treated as "never" so that deadline arithmetic cannot overflow.
constexpr milliseconds kForever = std::chrono::hours(24 * 365 * 100);

std::string errorText(int err) {
    return std::generic_category().message(err);
}

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

ActionOutcome spawnFailure(std::string message) {
    ActionOutcome outcome;
    outcome.ending = Ending::SpawnFailed;
    outcome.error = std::move(message);
    return outcome;
}

std::string quoted(std::string_view text) {
    return "'" + printableForMessage(text, 200) + "'";
}

// Variables a service manager gives belfryd itself: a job that inherited NOTIFY_SOCKET could
// send READY=1 or STOPPING=1 on belfryd's behalf (systemd would reject it under
// NotifyAccess=main, but log a warning each time).
bool isServiceManagerOnly(std::string_view name) {
    return name == "NOTIFY_SOCKET" || name == "WATCHDOG_PID" || name == "WATCHDOG_USEC";
}

// The daemon's environment, minus what belongs to belfryd alone, with the job's entries added or
// replaced, as "NAME=value" strings.
std::vector<std::string> jobEnvironment(const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals == std::string_view::npos || isServiceManagerOnly(text.substr(0, equals)))
            continue;
        // emplace keeps the first of duplicate entries, which is the one getenv() would return.
        merged.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
    for (const auto& [name, value] : overrides) merged[name] = value;
    std::vector<std::string> result;
    result.reserve(merged.size());
    for (const auto& [name, value] : merged) result.push_back(name + "=" + value);
    return result;
}

std::string pathOf(const std::vector<std::string>& environment) {
    for (const auto& entry : environment) {
        if (entry.compare(0, 5, "PATH=") == 0) return entry.substr(5);
    }
    return "/usr/local/bin:/usr/bin:/bin";
}

// Finds `name` like execvp() would in the child, but with the job's PATH rather than the
// daemon's (posix_spawnp only knows the latter), and relative PATH entries taken relative to the
// job's working directory. Returns the path, or nullopt with ENOENT or EACCES in `err`.
std::optional<std::string> findInPath(const std::string& name, const std::string& path,
                                      const std::string& cwd, int* err) {
    *err = ENOENT;
    std::size_t begin = 0;
    while (begin <= path.size()) {
        std::size_t end = path.find(':', begin);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(begin, end - begin);
        begin = end + 1;
        if (dir.empty()) dir = ".";
        if (dir[0] != '/' && !cwd.empty()) dir = cwd + "/" + dir;
        const std::string candidate = dir + "/" + name;
        struct stat info {};
        if (::stat(candidate.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        *err = EACCES;  // like execvp: remember it, but a later entry may still do
    }
    return std::nullopt;
}

// posix_spawn reports a failed chdir and a failed exec with the same errno values; look at the
// directory to tell the operator which one it was.
std::optional<std::string> cwdProblem(const std::string& cwd) {
    if (cwd.empty()) return std::nullopt;
    struct stat info {};
    if (::stat(cwd.c_str(), &info) != 0) return errorText(errno);
    if (!S_ISDIR(info.st_mode)) return errorText(ENOTDIR);
    if (::access(cwd.c_str(), X_OK) != 0) return errorText(errno);
    return std::nullopt;
}

// A pipe whose descriptors are close-on-exec and above stderr: a daemon started with 0-2 closed
// would otherwise get them back from pipe2, and the child's dup2 onto 1 and 2 would clobber them.
bool makeOutputPipe(UniqueFd* readEnd, UniqueFd* writeEnd, int* err) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        *err = errno;
        return false;
    }
    UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
    for (auto& end : ends) {
        if (end.get() >= 3) continue;
        const int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            *err = errno;
            return false;
        }
        end.reset(moved);
    }
    // Only our end is non-blocking; the child's end is a separate open file description.
    if (::fcntl(ends[0].get(), F_SETFL, O_NONBLOCK) != 0) {
        *err = errno;
        return false;
    }
    *readEnd = std::move(ends[0]);
    *writeEnd = std::move(ends[1]);
    return true;
}

struct SpawnConfig {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    SpawnConfig() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnConfig() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnConfig(const SpawnConfig&) = delete;
    SpawnConfig& operator=(const SpawnConfig&) = delete;
};

// Returns 0 or an errno value. Only fails for lack of memory.
int configure(SpawnConfig& config, int outputFd, const std::string& cwd) {
    auto* actions = &config.actions;
    int rc = posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, outputFd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, outputFd, 2);
    if (rc == 0 && !cwd.empty()) rc = posix_spawn_file_actions_addchdir_np(actions, cwd.c_str());
    // Other libraries (Poco's sockets, for one) open descriptors without close-on-exec; none of
    // them may reach a job, and a leaked pipe end would also keep our output pipe from EOF.
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(actions, 3);
    if (rc != 0) return rc;

    // Worker threads may block signals and the daemon may ignore some (SIGPIPE); both would be
    // inherited across exec and break ordinary programs, so reset every signal.
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    auto* attributes = &config.attributes;
    rc = posix_spawnattr_setflags(
        attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = posix_spawnattr_setpgroup(attributes, 0);
    if (rc == 0) rc = posix_spawnattr_setsigmask(attributes, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(attributes, &all);
    return rc;
}

int millisecondsUntil(Clock::time_point when) {
    const auto left = std::chrono::ceil<milliseconds>(when - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, INT_MAX));
}

// Reads what the pipe holds now, at most kReadsPerWakeup chunks. Returns false at EOF.
bool readAvailable(int fd, std::vector<char>& buffer, OutputTail& tail) {
    for (int i = 0; i < kReadsPerWakeup; ++i) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) {
            tail.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return true;
        } else {
            return false;  // EOF, or an error that no further read would cure
        }
    }
    return true;
}

void notifyStarted(const ProcessStarted& onStarted, pid_t pid) noexcept {
    if (onStarted) onStarted(pid);
}

// Supervises a spawned child until it is reaped. The child is the leader of process group `pid`;
// the group is addressed only while the leader is unreaped, so the id cannot have been reused.
class Supervisor {
  public:
    Supervisor(const ProcessSpec& spec, const CancelSource& cancel, pid_t pid, UniqueFd pidfd,
               UniqueFd output)
        : spec_(spec),
          cancel_(cancel),
          pid_(pid),
          pidfd_(std::move(pidfd)),
          output_(std::move(output)),
          tail_(spec.outputLimit),
          buffer_(kReadChunk) {}

    ActionOutcome run() {
        std::optional<Clock::time_point> deadline;
        if (spec_.timeout.count() > 0 && spec_.timeout < kForever) {
            deadline = Clock::now() + spec_.timeout;
        }
        while (!waitForExit(deadline)) {
        }
        // The main process is gone but not yet reaped: finish off its group, collect what the
        // pipe still holds, then reap.
        ::kill(-pid_, SIGKILL);
        collectRemainingOutput();
        return reap();
    }

  private:
    // One poll round. Returns true once the main process has exited.
    bool waitForExit(const std::optional<Clock::time_point>& deadline) {
        pollfd fds[3];
        nfds_t count = 0;
        const bool watchOutput = output_.get() >= 0;
        if (watchOutput) fds[count++] = {output_.get(), POLLIN, 0};
        const nfds_t exitIndex = count;
        fds[count++] = {pidfd_.get(), POLLIN, 0};
        // The cancel handle stays readable once signalled, so it is only watched until we act.
        if (!stopping_) fds[count++] = {cancel_.nativeHandle(), POLLIN, 0};

        int timeout = -1;
        if (!stopping_ && deadline) timeout = millisecondsUntil(*deadline);
        if (stopping_ && !killed_) timeout = millisecondsUntil(killAt_);

        if (::poll(fds, count, timeout) < 0) {
            if (errno == EINTR) return false;
            // Cannot wait any more (ENOMEM): end the job rather than leave it unsupervised.
            error_ = "cannot wait for the process: " + errorText(errno);
            ::kill(-pid_, SIGKILL);
            killed_ = true;
            return true;  // reap() blocks until the SIGKILL has done its work
        }
        if (watchOutput && fds[0].revents != 0 && !readAvailable(output_.get(), buffer_, tail_)) {
            output_.reset();
        }
        if (fds[exitIndex].revents != 0) return true;

        if (!stopping_) {
            if (cancel_.cancelled()) {
                stop(Ending::Cancelled);
            } else if (deadline && Clock::now() >= *deadline) {
                stop(Ending::TimedOut);
            }
        } else if (!killed_ && Clock::now() >= killAt_) {
            ::kill(-pid_, SIGKILL);
            killed_ = true;
        }
        return false;
    }

    void stop(Ending why) {
        stopping_ = true;
        stopEnding_ = why;
        ::kill(-pid_, SIGTERM);
        // A stopped (SIGSTOP'd) member would never act on SIGTERM; systemd does the same.
        ::kill(-pid_, SIGCONT);
        const auto wanted = why == Ending::Cancelled && cancel_.reason() == CancelReason::Shutdown
                                ? spec_.shutdownGrace
                                : spec_.killGrace;
        const milliseconds grace = std::clamp(wanted, milliseconds(0), kForever);
        killAt_ = Clock::now() + grace;
        if (grace.count() == 0) {
            ::kill(-pid_, SIGKILL);
            killed_ = true;
        }
    }

    void collectRemainingOutput() {
        const auto until = Clock::now() + kFinalDrain;
        while (output_.get() >= 0) {
            pollfd pfd{output_.get(), POLLIN, 0};
            const int rc = ::poll(&pfd, 1, millisecondsUntil(until));
            if (rc < 0 && errno == EINTR) continue;
            if (rc <= 0 || !readAvailable(output_.get(), buffer_, tail_)) break;
            if (Clock::now() >= until) break;
        }
        output_.reset();
    }

    ActionOutcome reap() {
        ActionOutcome outcome;
        outcome.ending = Ending::Exited;  // exitCode -1 if the status cannot be collected
        siginfo_t info{};
        int rc;
        while ((rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED)) != 0 &&
               errno == EINTR) {
        }
        if (rc != 0) {
            // Only possible when someone else reaps the daemon's children (see the header).
            error_ = "cannot collect the exit status: " + errorText(errno);
        } else if (info.si_code == CLD_EXITED) {
            outcome.exitCode = info.si_status;
        } else {
            outcome.ending = Ending::Signaled;
            outcome.signal = info.si_status;
        }
        if (stopping_) outcome.ending = stopEnding_;
        if (stopEnding_ == Ending::Cancelled) outcome.cancelReason = cancel_.reason();
        if (stopEnding_ == Ending::TimedOut) {
            outcome.error = "timed out after " + formatDuration(spec_.timeout);
            if (killed_) {
                outcome.error += " (still running " + formatDuration(spec_.killGrace) +
                                 " after SIGTERM, killed)";
            }
        }
        if (!error_.empty()) outcome.error = error_;
        outcome.output = tail_.text();
        outcome.outputBytes = tail_.totalBytes();
        return outcome;
    }

    const ProcessSpec& spec_;
    const CancelSource& cancel_;
    const pid_t pid_;
    UniqueFd pidfd_;
    UniqueFd output_;  // our end of the pipe; reset at EOF
    OutputTail tail_;
    std::vector<char> buffer_;
    bool stopping_ = false;  // SIGTERM sent (timeout or cancel)
    Ending stopEnding_ = Ending::Exited;
    bool killed_ = false;  // SIGKILL sent
    Clock::time_point killAt_;
    std::string error_;
};

}  // namespace

ActionOutcome runProcess(const ProcessSpec& spec, const CancelSource& cancel,
                         const ProcessStarted& onStarted) {
    if (cancel.cancelled()) {
        ActionOutcome outcome;
        outcome.ending = Ending::Cancelled;
        outcome.cancelReason = cancel.reason();
        return outcome;
    }
    if (spec.argv.empty() || spec.argv[0].empty()) {
        return spawnFailure("cannot start the process: no program given");
    }
    try {
        // Made now, before there is a process that would have to be watched without it.
        cancel.nativeHandle();
    } catch (const std::system_error& e) {
        return spawnFailure(std::string("cannot start the process: ") + e.what());
    }
    const std::string& program = spec.argv[0];
    const std::string prefix = "cannot start " + quoted(program) + ": ";
    for (const auto& entry : spec.env) {
        if (entry.first.empty() || entry.first.find('=') != std::string::npos) {
            return spawnFailure(prefix + "invalid environment variable name " +
                                quoted(entry.first));
        }
    }

    std::vector<std::string> environment = jobEnvironment(spec.env);
    std::string path = program;
    if (program.find('/') == std::string::npos) {
        const std::string searchPath = pathOf(environment);
        int err = 0;
        auto found = findInPath(program, searchPath, spec.cwd, &err);
        if (!found) {
            return spawnFailure(prefix + errorText(err) +
                                " (searched PATH=" + printableForMessage(searchPath, 500) + ")");
        }
        path = std::move(*found);
    }

    UniqueFd readEnd;
    UniqueFd writeEnd;
    int err = 0;
    if (!makeOutputPipe(&readEnd, &writeEnd, &err)) {
        return spawnFailure(prefix + "cannot create the output pipe: " + errorText(err));
    }
    SpawnConfig config;
    if (int rc = configure(config, writeEnd.get(), spec.cwd); rc != 0) {
        return spawnFailure(prefix + errorText(rc));
    }

    std::vector<char*> argv;
    argv.reserve(spec.argv.size() + 1);
    for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (auto& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    // glibc runs the child's setup (file actions, exec) with CLONE_VFORK and reports any failure
    // here, so there is no "exit 127 from the child" case to decode.
    const int rc = ::posix_spawn(&pid, path.c_str(), &config.actions, &config.attributes,
                                 argv.data(), envp.data());
    writeEnd.reset();  // the child has its copy; ours would keep the pipe from ever reaching EOF
    if (rc != 0) {
        if (auto problem = cwdProblem(spec.cwd)) {
            return spawnFailure(prefix + "working directory " + quoted(spec.cwd) + ": " + *problem);
        }
        return spawnFailure(prefix + errorText(rc));
    }

    UniqueFd pidfd(::pidfd_open(pid, 0));
    if (pidfd.get() < 0) {
        const int openErr = errno;
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        return spawnFailure(prefix +
                            "cannot watch the process (pidfd_open): " + errorText(openErr));
    }
    notifyStarted(onStarted, pid);
    return Supervisor(spec, cancel, pid, std::move(pidfd), std::move(readEnd)).run();
}

}  // namespace belfry
