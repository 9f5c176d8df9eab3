// The serving side of belfry-systemd-helper (helper_protocol.h): accepts belfryd's connections
// on a Unix socket, checks who is calling (SO_PEERCRED: root or the one configured account),
// validates each request completely, and only then hands it to the scheduler it wraps — the
// SystemdScheduler, running as root with the helper's own configuration. A refused request
// changes nothing and gets {"ok": false, "error": ...}.
//
// Thread-safety: answer() may be called from any thread (the scheduler is thread-safe). serve()
// runs on one thread and handles each connection on a thread of its own (at most
// maxConnections at once); stop() may be called from any thread, also from a signal-handling one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "belfry/scheduler/os_scheduler.h"

namespace belfry::systemd {

struct HelperServerOptions {
    std::set<uid_t> allowedUids;
    // For `hello`: true and what the helper drives when the manager answers and the unit
    // directory is writable, else false and why.
    std::function<bool(std::string*)> ready;
    // Names this run of the helper in every answer ("instance"), so that belfryd notices a
    // restart (helper_scheduler.h).
    std::string instance;
    std::size_t maxConnections = 8;
    // A connection that sends nothing for this long is closed.
    std::chrono::milliseconds idleTimeout = std::chrono::seconds(60);
};

class HelperServer {
  public:
    HelperServer(OsScheduler& scheduler, HelperServerOptions options);
    ~HelperServer();
    HelperServer(const HelperServer&) = delete;
    HelperServer& operator=(const HelperServer&) = delete;

    // The answer line to one request line.
    std::string answer(const std::string& line);

    // Accepts connections on `listenFd` until stop(); then waits for the requests in progress.
    void serve(int listenFd);
    void stop();

  private:
    nlohmann::json respond(const std::string& line);
    void handleConnection(int fd);

    OsScheduler& scheduler_;
    HelperServerOptions options_;
    int stopPipe_[2] = {-1, -1};
    std::mutex mutex_;
    std::condition_variable connectionEnded_;
    std::size_t connections_ = 0;
};

}  // namespace belfry::systemd
