#include "belfry/utf8.h"

namespace belfry {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool isContinuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// Length of the valid sequence starting at `i`, or 0 if it is not one (RFC 3629 table 3-7).
std::size_t validSequenceLength(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const std::size_t left = s.size() - i;
    if (b0 >= 0x01 && b0 <= 0x7F) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && isContinuation(at(1)) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (left < 3 || !isContinuation(at(1)) || !isContinuation(at(2))) return 0;
        if (b0 == 0xE0 && at(1) < 0xA0) return 0;   // overlong
        if (b0 == 0xED && at(1) >= 0xA0) return 0;  // UTF-16 surrogates
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (left < 4 || !isContinuation(at(1)) || !isContinuation(at(2)) ||
            !isContinuation(at(3))) {
            return 0;
        }
        if (b0 == 0xF0 && at(1) < 0x90) return 0;   // overlong
        if (b0 == 0xF4 && at(1) >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

}  // namespace

std::string sanitizeUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto length = validSequenceLength(bytes, i);
        if (length == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(bytes.substr(i, length));
            i += length;
        }
    }
    return out;
}

}  // namespace belfry
