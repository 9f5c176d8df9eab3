#include "belfry/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace belfry {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t millis;
};

// Ordered largest first; "ms" precedes "m" so the longer suffix wins when matching.
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"ms", 1},
    {"m", 60'000},
    {"s", 1'000},
}};

// Rank used to insist on largest-unit-first order ("1h30m", never "30m1h").
int rankOf(std::string_view suffix) {
    if (suffix == "d") return 0;
    if (suffix == "h") return 1;
    if (suffix == "m") return 2;
    if (suffix == "s") return 3;
    return 4;  // ms
}

bool fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return false;
}

}  // namespace

std::optional<Milliseconds> parseDuration(std::string_view text, std::string* error) {
    const std::string quoted = "'" + std::string(text) + "'";
    if (text.empty()) {
        fail(error, "empty duration (expected e.g. 90s, 15m, 2h, 1d)");
        return std::nullopt;
    }
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 2;
    std::int64_t total = 0;
    int lastRank = -1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t digitsEnd = pos;
        std::int64_t number = 0;
        while (digitsEnd < text.size() && text[digitsEnd] >= '0' && text[digitsEnd] <= '9') {
            if (number > kMax / 10) {
                fail(error, "duration " + quoted + " is too large");
                return std::nullopt;
            }
            number = number * 10 + (text[digitsEnd] - '0');
            ++digitsEnd;
        }
        if (digitsEnd == pos) {
            fail(error,
                 "duration " + quoted + " must be a number followed by a unit (ms, s, m, h, d)");
            return std::nullopt;
        }
        const Unit* unit = nullptr;
        for (const auto& candidate : kUnits) {
            if (text.substr(digitsEnd, candidate.suffix.size()) == candidate.suffix) {
                unit = &candidate;
                break;
            }
        }
        if (!unit) {
            fail(error, "duration " + quoted + " has no valid unit after " +
                            std::string(text.substr(pos, digitsEnd - pos)) +
                            " (expected ms, s, m, h or d)");
            return std::nullopt;
        }
        const int rank = rankOf(unit->suffix);
        if (rank <= lastRank) {
            fail(error, "duration " + quoted + " repeats a unit or lists them out of order");
            return std::nullopt;
        }
        lastRank = rank;
        if (number > (kMax - total) / unit->millis) {
            fail(error, "duration " + quoted + " is too large");
            return std::nullopt;
        }
        total += number * unit->millis;
        pos = digitsEnd + unit->suffix.size();
    }
    return Milliseconds(total);
}

std::string formatDuration(Milliseconds duration) {
    std::int64_t remaining = duration.count();
    if (remaining == 0) return "0s";
    std::string out;
    if (remaining < 0) {
        out = "-";
        remaining = -remaining;
    }
    // Formatting walks strictly largest to smallest, unlike the matching order above.
    constexpr std::array<Unit, 5> kDescending{
        {kUnits[0], kUnits[1], kUnits[3], kUnits[4], kUnits[2]}};
    for (const auto& unit : kDescending) {
        if (remaining >= unit.millis) {
            out += std::to_string(remaining / unit.millis) + std::string(unit.suffix);
            remaining %= unit.millis;
        }
    }
    return out;
}

}  // namespace belfry
