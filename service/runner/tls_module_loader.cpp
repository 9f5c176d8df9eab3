// Loads belfry-tls.so once, on the first https call (see tls_session.h).
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/SharedLibrary.h>

#include <memory>
#include <vector>

#include "belfry/executable_directory.h"
#include "tls_session.h"

namespace belfry {
namespace {

struct LoadedModule {
    std::shared_ptr<Poco::SharedLibrary> library;  // its destructor leaves the library loaded
    NewTlsSessionFunction create = nullptr;
    std::string error;  // why `create` is null
};

LoadedModule loadModule() {
    const std::string directory = executableDirectory();
    const std::vector<std::string> candidates{
        directory + "/../lib/belfry/" + kTlsModuleName,
        directory + "/" + kTlsModuleName,
    };
    std::string tried;
    for (const auto& candidate : candidates) {
        tried += (tried.empty() ? "" : ", ") + candidate;
        if (!Poco::File(candidate).exists()) continue;
        try {
            // Never unloaded: sessions and OpenSSL's own state live as long as the process.
            auto library = std::make_shared<Poco::SharedLibrary>(candidate);
            if (!library->hasSymbol(kNewTlsSessionSymbol)) {
                return {nullptr, nullptr, candidate + " has no " + kNewTlsSessionSymbol};
            }
            const auto create =
                reinterpret_cast<NewTlsSessionFunction>(library->getSymbol(kNewTlsSessionSymbol));
            return {library, create, ""};
        } catch (const Poco::Exception& e) {
            return {nullptr, nullptr, "cannot load " + candidate + ": " + e.displayText()};
        }
    }
    return {nullptr, nullptr,
            "the TLS module " + std::string(kTlsModuleName) + " is not installed (looked for " +
                tried + ")"};
}

}  // namespace

std::unique_ptr<TlsSession> newTlsSession(TlsTransport& transport, const TlsOptions& options) {
    static const LoadedModule module = loadModule();  // thread-safe, once
    if (module.create == nullptr) throw Poco::IOException("TLS: " + module.error);
    return std::unique_ptr<TlsSession>(module.create(transport, options));
}

}  // namespace belfry
