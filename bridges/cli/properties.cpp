#include "properties.h"

#include <cstdlib>

namespace belfry::cli {
namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && isSpace(text[begin])) ++begin;
    while (end > begin && isSpace(text[end - 1])) --end;
    return std::string(text.substr(begin, end - begin));
}

std::string toLower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

bool isLineEnd(char c) {
    return c == '\n' || c == '\r';
}

// Walks the text one logical line at a time, with Poco's rules for each syntax.
class Parser {
  public:
    Parser(std::string_view text, ConfigSyntax syntax) : text_(text), syntax_(syntax) {}

    void run(std::map<std::string, std::string>* values) {
        while (true) {
            while (pos_ < text_.size() && isSpace(text_[pos_])) ++pos_;
            if (pos_ >= text_.size()) return;
            const char first = text_[pos_];
            if (first == '#' || first == '!' || first == ';') {
                skipLine();
            } else if (first == '[') {
                readSection();
            } else if (syntax_ == ConfigSyntax::kIni) {
                readIniAssignment(values);
            } else {
                readPropertyAssignment(values);
            }
        }
    }

  private:
    void skipLine() {
        while (pos_ < text_.size() && !isLineEnd(text_[pos_])) ++pos_;
    }

    void readSection() {
        ++pos_;  // '['
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != ']' && !isLineEnd(text_[pos_])) ++pos_;
        section_ = trim(text_.substr(begin, pos_ - begin));
        if (syntax_ == ConfigSyntax::kIni) section_ = toLower(section_);
        skipLine();
    }

    std::string fullKey(const std::string& key) const {
        return section_.empty() ? key : section_ + "." + key;
    }

    void readIniAssignment(std::map<std::string, std::string>* values) {
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != '=' && !isLineEnd(text_[pos_])) ++pos_;
        const std::string key = toLower(trim(text_.substr(begin, pos_ - begin)));
        std::string value;
        if (pos_ < text_.size() && text_[pos_] == '=') {
            const std::size_t valueBegin = ++pos_;
            skipLine();
            value = trim(text_.substr(valueBegin, pos_ - valueBegin));
        }
        if (!key.empty()) (*values)[fullKey(key)] = value;
    }

    void readPropertyAssignment(std::map<std::string, std::string>* values) {
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != '=' && text_[pos_] != ':' &&
               !isLineEnd(text_[pos_])) {
            ++pos_;
        }
        const std::string key = trim(text_.substr(begin, pos_ - begin));
        std::string value;
        if (pos_ < text_.size() && !isLineEnd(text_[pos_])) {
            ++pos_;  // '=' or ':'
            while (readValueChar(&value)) {
            }
        }
        if (!key.empty()) (*values)[fullKey(key)] = trim(value);
    }

    // Appends the next character of a property value, decoding escapes and joining continued lines
    // (the next line's leading whitespace is kept, as Poco keeps it). False at the end of the
    // value.
    bool readValueChar(std::string* value) {
        while (pos_ < text_.size()) {
            const char c = text_[pos_++];
            if (isLineEnd(c)) return false;
            if (c != '\\') {
                value->push_back(c);
                return true;
            }
            if (pos_ >= text_.size()) return false;
            const char escaped = text_[pos_++];
            switch (escaped) {
                case 't':
                    value->push_back('\t');
                    return true;
                case 'n':
                    value->push_back('\n');
                    return true;
                case 'r':
                    value->push_back('\r');
                    return true;
                case 'f':
                    value->push_back('\f');
                    return true;
                case '\r':
                    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
                    continue;
                case '\n':
                    continue;
                default:
                    value->push_back(escaped);
                    return true;
            }
        }
        return false;
    }

    std::string_view text_;
    ConfigSyntax syntax_;
    std::size_t pos_ = 0;
    std::string section_;
};

}  // namespace

EnvLookup processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    };
}

Properties Properties::parse(std::string_view text, ConfigSyntax syntax) {
    Properties properties;
    properties.syntax_ = syntax;
    Parser(text, syntax).run(&properties.values_);
    return properties;
}

ConfigSyntax Properties::syntaxForPath(std::string_view path) {
    if (path.size() >= 4 && toLower(std::string(path.substr(path.size() - 4))) == ".ini") {
        return ConfigSyntax::kIni;
    }
    return ConfigSyntax::kProperties;
}

std::optional<std::string> Properties::getRaw(const std::string& key) const {
    const auto it = values_.find(syntax_ == ConfigSyntax::kIni ? toLower(key) : key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> Properties::get(const std::string& key, const EnvLookup& env) const {
    auto raw = getRaw(key);
    if (!raw) return std::nullopt;
    return expand(*raw, env, 0);
}

std::string Properties::expand(const std::string& value, const EnvLookup& env, int depth) const {
    // Poco gives up on references nested this deep (they are almost certainly a cycle).
    constexpr int kMaxDepth = 10;
    std::string out;
    std::size_t pos = 0;
    while (pos < value.size()) {
        const std::size_t open = value.find("${", pos);
        const std::size_t close = open == std::string::npos ? open : value.find('}', open + 2);
        if (close == std::string::npos) {
            out.append(value, pos, std::string::npos);
            break;
        }
        out.append(value, pos, open - pos);
        const std::string name = value.substr(open + 2, close - open - 2);
        std::optional<std::string> replacement;
        constexpr std::string_view kEnvPrefix = "system.env.";
        if (name.compare(0, kEnvPrefix.size(), kEnvPrefix) == 0) {
            if (env) replacement = env(name.substr(kEnvPrefix.size()));
        } else if (depth < kMaxDepth) {
            if (auto raw = getRaw(name)) replacement = expand(*raw, env, depth + 1);
        }
        out += replacement ? *replacement : value.substr(open, close - open + 1);
        pos = close + 1;
    }
    return out;
}

}  // namespace belfry::cli
