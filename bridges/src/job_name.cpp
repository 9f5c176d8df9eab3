#include "belfry/job_name.h"

#include <cstdio>

namespace belfry {
namespace {

constexpr std::size_t kMaxNameLength = 63;
constexpr std::string_view kReservedJobName = "systemd-helper";

bool isLowerAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string printableForMessage(std::string_view text, std::size_t maxLength) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < maxLength; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (text.size() > maxLength) out += "...";
    return out;
}

bool isValidJobName(std::string_view name, std::string* error) {
    auto reject = [&](const std::string& why) {
        if (error) *error = "invalid job name '" + printableForMessage(name) + "': " + why;
        return false;
    };
    if (name.empty()) return reject("must not be empty");
    if (name.size() > kMaxNameLength) {
        return reject("is " + std::to_string(name.size()) + " characters long; at most " +
                      std::to_string(kMaxNameLength) + " are allowed");
    }
    if (!isLowerAlnum(name.front())) {
        return reject("must start with a lower-case letter or a digit");
    }
    for (char c : name) {
        if (!isLowerAlnum(c) && c != '.' && c != '_' && c != '-') {
            return reject("may contain only a-z, 0-9, '.', '_' and '-'");
        }
    }
    // Its units would be named like the package's own belfry-systemd-helper.service and, written
    // to /etc/systemd/system, would take its place.
    if (name == kReservedJobName)
        return reject("is reserved for Belfry's own belfry-systemd-helper");
    return true;
}

}  // namespace belfry
