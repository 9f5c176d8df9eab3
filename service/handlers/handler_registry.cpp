#include "handler_registry.h"

#include <Poco/ClassLoader.h>
#include <Poco/Exception.h>
#include <Poco/Manifest.h>

namespace belfry {
namespace {

using PluginLoader = Poco::ClassLoader<JobHandler>;

// Never destroyed, so never unloads a library (see the header). Reachable from a static, so leak
// checkers do not report it.
PluginLoader& pluginLoader() {
    static PluginLoader* const loader = new PluginLoader;
    return *loader;
}

std::mutex& pluginLoaderMutex() {
    static std::mutex mutex;
    return mutex;
}

}  // namespace

void HandlerRegistry::add(const std::string& name, Factory factory) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!factories_.emplace(name, std::move(factory)).second) {
        throw HandlerError("a handler named " + name + " is already registered");
    }
}

std::vector<std::string> HandlerRegistry::loadPlugin(const std::string& path) {
    std::vector<std::string> classes;
    {
        std::lock_guard<std::mutex> lock(pluginLoaderMutex());
        auto& loader = pluginLoader();
        try {
            loader.loadLibrary(path);
        } catch (const Poco::Exception& e) {
            throw HandlerError("handler plugin " + path + ": cannot load: " + e.displayText());
        }
        const auto* manifest = loader.findManifest(path);
        if (manifest == nullptr || manifest->size() == 0) {
            throw HandlerError("handler plugin " + path + ": exports no handler classes");
        }
        for (auto it = manifest->begin(); it != manifest->end(); ++it) {
            classes.push_back(it->name());
        }
    }
    for (const auto& name : classes) {
        try {
            add(name, [name] { return std::unique_ptr<JobHandler>(pluginLoader().create(name)); });
        } catch (const HandlerError& e) {
            throw HandlerError("handler plugin " + path + ": " + e.what());
        }
    }
    return classes;
}

std::unique_ptr<JobHandler> HandlerRegistry::create(const std::string& name) const {
    Factory factory;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = factories_.find(name);
        if (it == factories_.end()) return nullptr;
        factory = it->second;
    }
    return factory();
}

bool HandlerRegistry::has(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return factories_.count(name) > 0;
}

std::vector<std::string> HandlerRegistry::names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& entry : factories_) out.push_back(entry.first);
    return out;
}

std::string HandlerRegistry::describeNames() const {
    std::string list;
    for (const auto& name : names()) list += (list.empty() ? "" : ", ") + name;
    return list.empty() ? "none is registered" : "registered: " + list;
}

}  // namespace belfry
