#include "text_file.h"

#include <cerrno>
#include <cstring>

namespace belfry::cli {

bool readTextStream(std::FILE* stream, const std::string& name, std::string* content,
                    std::string* error) {
    content->clear();
    char buffer[8192];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, stream);
        content->append(buffer, n);
        if (n < sizeof buffer) break;
    }
    if (std::ferror(stream)) {
        *error = "cannot read " + name + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool readTextFile(const std::string& path, std::string* content, std::string* error,
                  int* errorNumber) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) {
        if (errorNumber) *errorNumber = errno;
        *error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    const bool ok = readTextStream(file, path, content, error);
    if (!ok && errorNumber) *errorNumber = errno;
    std::fclose(file);
    return ok;
}

std::string trimWhitespace(const std::string& text) {
    constexpr const char* kSpace = " \t\r\n\f\v";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

}  // namespace belfry::cli
