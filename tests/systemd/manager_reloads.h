// Counts the sandbox manager's daemon-reloads as the manager itself announces them: systemd sends
// the D-Bus signal org.freedesktop.systemd1.Manager.Reloading(true) to every client of its private
// socket when a reload begins. That is how the tests check "one daemon-reload per batch" without
// trusting belfryd's own report.
// Thread-safety: one object per test, used from the test's thread.
#pragma once

#include <string>

struct sd_bus;
struct sd_bus_slot;

namespace belfry::test {

class ManagerReloads {
  public:
    // Connects to `privateSocket` (the sandbox's BELFRY_SYSTEMD_PRIVATE_SOCKET); reloads are
    // counted from here on. Fails the test (gtest ADD_FAILURE) when it cannot connect.
    explicit ManagerReloads(const std::string& privateSocket);
    ~ManagerReloads();
    ManagerReloads(const ManagerReloads&) = delete;
    ManagerReloads& operator=(const ManagerReloads&) = delete;

    // Reloads begun so far. Makes a round trip to the manager first, so every reload that finished
    // before this call is counted.
    int count();

  private:
    sd_bus* bus_ = nullptr;
    sd_bus_slot* match_ = nullptr;
    int reloads_ = 0;
};

}  // namespace belfry::test
