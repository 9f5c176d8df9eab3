// The handlers belfryd knows by name: registered in-process by the program that embeds the
// executor (tests, benchmarks, a custom daemon), or loaded from plugin libraries named in
// `handlers.plugins` (README "C++ handlers").
//
// Plugin libraries are loaded into one process-wide Poco::ClassLoader that is never destroyed:
// a handler abandoned for ignoring cancellation may still be executing library code, so unloading
// is never safe.
//
// Thread-safety: every method may be called from any thread; registration normally happens at
// start, before any run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "belfry/handler.h"

namespace belfry {

class HandlerError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class HandlerRegistry {
  public:
    using Factory = std::function<std::unique_ptr<JobHandler>()>;

    // Registers `factory` under `name`; throws HandlerError when the name is taken.
    void add(const std::string& name, Factory factory);

    // Loads the plugin library at `path` and registers every class its manifest exports under
    // the class's name; returns those names. Throws HandlerError naming the path and the cause
    // (missing file, no manifest, built against another interface, a name already taken).
    std::vector<std::string> loadPlugin(const std::string& path);

    // A new handler object, or nullptr when no handler has this name.
    std::unique_ptr<JobHandler> create(const std::string& name) const;
    bool has(const std::string& name) const;
    std::vector<std::string> names() const;
    // For error messages: "registered: a, b" or "none is registered".
    std::string describeNames() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, Factory> factories_;
};

}  // namespace belfry
