// Job output is raw bytes: whatever a program wrote, cut at an arbitrary byte by the output tail.
// Before it is stored and served as JSON it is made valid UTF-8 here. Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace belfry {

// Returns `bytes` with every invalid or truncated UTF-8 sequence (overlongs, surrogates, code
// points above U+10FFFF) and every NUL replaced by U+FFFD; valid text passes through unchanged.
std::string sanitizeUtf8(std::string_view bytes);

}  // namespace belfry
