#include "admin_token.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/RandomStream.h>
#include <Poco/String.h>

#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "private_file.h"

namespace belfry {

std::string loadOrCreateAdminToken(const std::string& path) {
    if (!Poco::File(path).exists()) {
        // Poco's RandomInputStream reads the OS's CSPRNG (/dev/urandom, CryptGenRandom).
        Poco::RandomInputStream random;
        std::ostringstream hex;
        for (int i = 0; i < 32; ++i) {
            hex << std::hex << std::setw(2) << std::setfill('0') << (random.get() & 0xff);
        }
        try {
            createPrivateFile(path, hex.str() + "\n");
        } catch (const std::runtime_error&) {
            if (!Poco::File(path).exists()) throw;  // lost a race with another start: read theirs
        }
    }
    Poco::FileInputStream in(path);
    std::string token;
    std::getline(in, token);
    Poco::trimInPlace(token);
    if (token.empty()) throw std::runtime_error("admin token file " + path + " is empty");
    return token;
}

bool tokensEqual(const std::string& presented, const std::string& expected) {
    if (expected.empty()) return false;
    unsigned char difference = presented.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < presented.size(); ++i) {
        difference |= static_cast<unsigned char>(presented[i] ^ expected[i % expected.size()]);
    }
    return difference == 0;
}

}  // namespace belfry
