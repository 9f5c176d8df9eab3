// Test support shared by the integration tests: a real belfryd on a free loopback port with its
// own temporary state directory, an HTTP client for its API, and the real `belfry` CLI run
// against it. Every wait is bounded by a deadline; nothing sleeps in place of an event.
// Thread-safety: one TestDaemon per test, used from the test's thread.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace belfry::test {

struct HttpResult {
    int status = 0;
    std::string body;
    Poco::JSON::Object::Ptr json;  // parsed body when it is a JSON object
};

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Waits until `condition` holds or `timeout` passes, checking every few milliseconds; returns
// the last result of `condition`.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Runs a program to completion, capturing stdout and stderr; kills it after `timeout`.
CommandResult runCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& extraEnv = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Starts a program in the background (output discarded) and returns its pid; waitForExit reaps
// it and returns its exit code (128+N for signal N), or -1 if it outlived `timeout`.
int startCommand(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& extraEnv = {});
int waitForExit(int pid, std::chrono::milliseconds timeout = std::chrono::seconds(30));

class TestDaemon {
  public:
    // `extraConfig` lines are appended to the generated properties file; `environment` is added
    // to (or overrides) the test's own environment for the spawned belfryd.
    explicit TestDaemon(std::vector<std::string> extraConfig = {},
                        std::map<std::string, std::string> environment = {});
    ~TestDaemon();  // stops the daemon (SIGKILL if it must) and removes the state directory
    TestDaemon(const TestDaemon&) = delete;
    TestDaemon& operator=(const TestDaemon&) = delete;

    // Runs belfryd as `account` (through setpriv; the test runs as root): the state directory
    // becomes the account's, the configuration file stays root's. Call before start().
    void runAs(const std::string& account);

    // Spawns belfryd (with `extraEnv` added to the test's environment) and waits until its
    // endpoint file appears.
    void start(const std::map<std::string, std::string>& extraEnv = {});
    int stop();       // SIGTERM, wait; returns the exit status
    void killHard();  // SIGKILL, wait
    bool running() const { return pid_ > 0; }

    HttpResult request(const std::string& method, const std::string& path,
                       const std::string& body = "", bool authorized = true,
                       const std::string& tokenOverride = "");
    // Sends raw bytes and reads until the server closes; for malformed-request tests.
    std::string rawRequest(const std::string& bytes);

    // Creates a job from JSON; fails the test when the API refuses it.
    void createJob(const std::string& json);
    // Starts a run now and returns its id.
    long long runNow(const std::string& job);
    // Long-polls until the run is in a terminal state; returns the run JSON.
    Poco::JSON::Object::Ptr waitForRunEnd(
        long long id, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    std::string runState(long long id);

    CommandResult cli(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& extraEnv = {});
    std::vector<std::string> cliArgv(const std::vector<std::string>& args) const;

    const std::string& stateDir() const { return stateDir_; }
    const std::string& configPath() const { return configPath_; }
    const std::string& token() const { return token_; }
    int port() const { return port_; }
    int pid() const { return pid_; }
    std::string log() const;  // the daemon's log file so far, for failure messages

  private:
    std::map<std::string, std::string> environment_;
    std::vector<std::string> launcher_;  // prepended to belfryd's command line (runAs)
    std::string stateDir_;
    std::string configPath_;
    std::string token_;
    int port_ = 0;
    int pid_ = 0;
};

}  // namespace belfry::test
