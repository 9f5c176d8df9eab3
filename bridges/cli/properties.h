// Reads belfryd's configuration file the way the daemon's Poco::Util does, so the CLI finds the
// same `http.listen` and `state.dir`. The CLI has its own small reader because it must not load
// Poco: `belfry fire` runs at every timer elapse, and Poco's shared libraries alone cost it over a
// millisecond per start.
//
// Two syntaxes, picked like Poco's Application::loadConfiguration picks a class (by extension):
//  - properties (PropertyFileConfiguration): `key = value` or `key: value`; `\t \n \r \f`
//    escapes, any other `\x` is `x`; a `\` before the line break continues the value on the next
//    line; keys and values trimmed. `[section]` lines are accepted as well (`listen = ...` under
//    `[http]` means `http.listen`), which Poco's class does not do: such files belong in *.ini.
//  - INI (IniFileConfiguration, files named *.ini): `[section]`, `key = value`, no escapes or
//    continuations (Windows paths keep their backslashes), keys case-insensitive.
// In both, a line starting with `#`, `!` or `;` is a comment.
// Values expand `${other.key}` and `${system.env.NAME}` as Poco's AbstractConfiguration does;
// unknown references stay as written.
//
// A Properties is a plain value: const methods may be called from several threads at once.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace belfry::cli {

// Reads an environment variable; nullopt when unset. Injected so tests need not touch the process
// environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment (getenv).
EnvLookup processEnvironment();

enum class ConfigSyntax { kProperties, kIni };

class Properties {
  public:
    // Parses `text`. Never fails: like Poco, any line that is not a comment or a section is an
    // assignment, with an empty value when it has no separator.
    static Properties parse(std::string_view text, ConfigSyntax syntax = ConfigSyntax::kProperties);

    // The syntax Poco would use for a file at `path`: kIni for "*.ini" (any case), else
    // kProperties.
    static ConfigSyntax syntaxForPath(std::string_view path);

    // The value of `key` with ${...} references expanded (environment through `env`), or nullopt.
    std::optional<std::string> get(const std::string& key, const EnvLookup& env = nullptr) const;

    // The value exactly as written in the file, or nullopt.
    std::optional<std::string> getRaw(const std::string& key) const;

    std::size_t size() const { return values_.size(); }

  private:
    std::string expand(const std::string& value, const EnvLookup& env, int depth) const;

    ConfigSyntax syntax_ = ConfigSyntax::kProperties;
    std::map<std::string, std::string> values_;
};

}  // namespace belfry::cli
