#include "manager_reloads.h"

#include <gtest/gtest.h>
#include <systemd/sd-bus.h>

#include <cstring>

namespace belfry::test {
namespace {

int onReloading(sd_bus_message* message, void* userdata, sd_bus_error*) {
    int active = 0;
    if (sd_bus_message_read(message, "b", &active) >= 0 && active) {
        ++*static_cast<int*>(userdata);
    }
    return 0;
}

}  // namespace

ManagerReloads::ManagerReloads(const std::string& privateSocket) {
    int r = sd_bus_new(&bus_);
    if (r >= 0) r = sd_bus_set_address(bus_, ("unix:path=" + privateSocket).c_str());
    if (r >= 0) r = sd_bus_start(bus_);
    if (r >= 0) {
        r = sd_bus_match_signal(bus_, &match_, nullptr, "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "Reloading", onReloading,
                                &reloads_);
    }
    if (r < 0)
        ADD_FAILURE() << "cannot watch the manager at " << privateSocket << ": "
                      << std::strerror(-r);
    count();  // a round trip: the connection is registered with the manager from here on
}

ManagerReloads::~ManagerReloads() {
    sd_bus_slot_unref(match_);
    sd_bus_flush_close_unref(bus_);
}

int ManagerReloads::count() {
    if (!bus_) return -1;
    // The manager answers in order on this connection: once the reply is here, every signal sent
    // before it is queued for sd_bus_process.
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(bus_, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.DBus.Peer", "Ping", &error, &reply, "");
    if (r < 0) ADD_FAILURE() << "manager ping failed: " << (error.message ? error.message : "");
    sd_bus_message_unref(reply);
    sd_bus_error_free(&error);
    while (sd_bus_process(bus_, nullptr) > 0) {
    }
    return reloads_;
}

}  // namespace belfry::test
