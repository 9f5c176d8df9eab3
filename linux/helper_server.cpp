#include "helper_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "belfry/job_name.h"
#include "helper_protocol.h"
#include "unix_line_socket.h"

namespace belfry::systemd {
namespace {

using nlohmann::json;

// Beyond any real installation, and small enough that a hostile request cannot make the helper
// run a `systemctl show` of unbounded length.
constexpr std::size_t kMaxJobsPerRequest = 100'000;

json refusal(const std::string& error) {
    return {{"ok", false}, {"error", error}};
}

// Refuses members other than `op` and `allowed`.
bool onlyMembers(const json& request, std::initializer_list<const char*> allowed,
                 std::string* error) {
    for (const auto& [key, value] : request.items()) {
        bool known = key == "op";
        for (const auto* name : allowed) known = known || key == name;
        if (!known) {
            *error = "unknown field '" + printableForMessage(key) + "'";
            return false;
        }
    }
    return true;
}

// A job name (job_name.h); nullopt and `error`, naming `field`, when `value` is not one.
std::optional<std::string> nameFrom(const json& value, const std::string& field,
                                    std::string* error) {
    std::string why = "must be a job name";
    if (value.is_string() && isValidJobName(value.get<std::string>(), &why))
        return value.get<std::string>();
    *error = field + ": " + why;
    return std::nullopt;
}

// A list of job names; nullopt and `error` when it is not one.
std::optional<std::vector<std::string>> namesFrom(const json& value, std::string* error) {
    if (!value.is_array() || value.size() > kMaxJobsPerRequest) {
        *error = "names must be a list of at most " + std::to_string(kMaxJobsPerRequest) + " names";
        return std::nullopt;
    }
    std::vector<std::string> names;
    for (const auto& entry : value) {
        auto name = nameFrom(entry, "names", error);
        if (!name) return std::nullopt;
        names.push_back(std::move(*name));
    }
    return names;
}

void logLine(const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace

HelperServer::HelperServer(OsScheduler& scheduler, HelperServerOptions options)
    : scheduler_(scheduler), options_(std::move(options)) {
    if (::pipe2(stopPipe_, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
}

HelperServer::~HelperServer() {
    stop();
    std::unique_lock<std::mutex> lock(mutex_);
    connectionEnded_.wait(lock, [&] { return connections_ == 0; });
    ::close(stopPipe_[0]);
    ::close(stopPipe_[1]);
}

std::string HelperServer::answer(const std::string& line) {
    auto reply = respond(line);
    if (reply.value("ok", false)) reply["instance"] = options_.instance;
    return reply.dump();
}

json HelperServer::respond(const std::string& line) {
    json request;
    try {
        request = json::parse(line);
    } catch (const json::exception& e) {
        return refusal(std::string("the request is not JSON: ") + e.what());
    }
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string())
        return refusal("the request needs an \"op\"");
    const auto op = request["op"].get<std::string>();
    std::string error;
    try {
        if (op == "hello") {
            if (!onlyMembers(request, {}, &error)) return refusal(error);
            std::string detail;
            if (!options_.ready(&detail)) return refusal(detail);
            return json{{"ok", true}, {"backend", detail}, {"version", BELFRY_VERSION}};
        }
        if (op == "upsert") {
            if (!onlyMembers(request, {"job"}, &error) || !request.contains("job"))
                return refusal(error.empty() ? "upsert needs a job" : error);
            const auto job = scheduledJobFromJson(request["job"], &error);
            if (!job) return refusal(error);
            const auto message = scheduler_.upsert(*job);
            logLine("upsert " + job->name + ": " + (message.empty() ? "ok" : message));
            return json{{"ok", true}, {"message", message}};
        }
        if (op == "remove") {
            if (!onlyMembers(request, {"name"}, &error)) return refusal(error);
            const auto name = nameFrom(request.value("name", json()), "name", &error);
            if (!name) return refusal(error);
            const auto message = scheduler_.remove(*name);
            logLine("remove " + *name + ": " + (message.empty() ? "ok" : message));
            return json{{"ok", true}, {"message", message}};
        }
        if (op == "states") {
            if (!onlyMembers(request, {"names"}, &error)) return refusal(error);
            const auto names = namesFrom(request.value("names", json()), &error);
            if (!names) return refusal(error);
            json states = json::array();
            for (const auto& state : scheduler_.states(*names))
                states.push_back(osJobStateToJson(state));
            return json{{"ok", true}, {"states", states}};
        }
        if (op == "reconcile") {
            if (!onlyMembers(request, {"jobs", "dry_run"}, &error)) return refusal(error);
            const auto& list = request.value("jobs", json());
            if (!list.is_array() || list.size() > kMaxJobsPerRequest)
                return refusal("jobs must be a list of at most " +
                               std::to_string(kMaxJobsPerRequest) + " jobs");
            if (!request.value("dry_run", json(false)).is_boolean())
                return refusal("dry_run must be true or false");
            // Every job is checked before anything is applied: one bad entry refuses the batch.
            std::vector<ScheduledJob> jobs;
            for (std::size_t i = 0; i < list.size(); ++i) {
                auto job = scheduledJobFromJson(list[i], &error);
                if (!job) return refusal("jobs[" + std::to_string(i) + "]: " + error);
                jobs.push_back(std::move(*job));
            }
            const auto report =
                scheduler_.reconcile([&] { return jobs; }, request.value("dry_run", false));
            logLine("reconcile: " + report.summary());
            return json{{"ok", true}, {"report", reconcileReportToJson(report)}};
        }
    } catch (const json::exception& e) {
        return refusal(std::string("malformed request: ") + e.what());
    }
    return refusal("unknown op '" + printableForMessage(op) + "'");
}

void HelperServer::serve(int listenFd) {
    for (;;) {
        pollfd fds[2] = {{listenFd, POLLIN, 0}, {stopPipe_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            logLine(std::string("poll: ") + std::strerror(errno));
            break;
        }
        if (fds[1].revents) break;
        if (!(fds[0].revents & POLLIN)) continue;
        const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::unique_lock<std::mutex> lock(mutex_);
        if (connections_ >= options_.maxConnections) {
            lock.unlock();
            LineSocket busy(fd);
            std::string ignored;
            busy.send(refusal("busy: too many connections").dump(),
                      LineSocket::Clock::now() + std::chrono::seconds(1), &ignored);
            continue;
        }
        ++connections_;
        lock.unlock();
        std::thread([this, fd] {
            handleConnection(fd);
            std::lock_guard<std::mutex> done(mutex_);
            --connections_;
            connectionEnded_.notify_all();
        }).detach();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    connectionEnded_.wait(lock, [&] { return connections_ == 0; });
}

void HelperServer::stop() {
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(stopPipe_[1], &byte, 1);
}

void HelperServer::handleConnection(int fd) {
    LineSocket socket(fd);
    const auto uid = socket.peerUid();
    if (!uid || !options_.allowedUids.count(*uid)) {
        logLine("refused a connection from uid " + (uid ? std::to_string(*uid) : "(unknown)"));
        std::string ignored;
        socket.send(refusal("not allowed: this helper serves belfryd's account only").dump(),
                    LineSocket::Clock::now() + std::chrono::seconds(1), &ignored);
        return;
    }
    for (;;) {
        std::string error;
        const auto line =
            socket.receive(LineSocket::Clock::now() + options_.idleTimeout, kHelperMaxLine, &error);
        if (!line) {
            if (!error.empty() && error.find("timed out") == std::string::npos)
                logLine("connection from uid " + std::to_string(*uid) + ": " + error);
            return;
        }
        if (!socket.send(answer(*line), LineSocket::Clock::now() + options_.idleTimeout, &error))
            return;
    }
}

}  // namespace belfry::systemd
