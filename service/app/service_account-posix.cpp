#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "service_account.h"

namespace belfry {

std::string currentAccountName() {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
        return "";
    }
    return entry.pw_name;
}

}  // namespace belfry
