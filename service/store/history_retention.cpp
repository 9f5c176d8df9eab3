#include "history_retention.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include "belfry/duration.h"

namespace belfry {
namespace {

constexpr std::size_t kMaxKeepPerJob = 100'000'000;

bool fail(std::string* error, const std::string& message) {
    if (error) *error = message;
    return false;
}

// A count term: "1000" or "1000 runs".
bool parseCount(std::string term, std::size_t& out) {
    if (term.size() > 4 && term.compare(term.size() - 4, 4, "runs") == 0) {
        term = Poco::trim(term.substr(0, term.size() - 4));
    }
    Poco::UInt64 value = 0;
    if (term.empty() || !Poco::NumberParser::tryParseUnsigned64(term, value)) return false;
    out = static_cast<std::size_t>(value);
    return true;
}

bool parseTerm(const std::string& term, RetentionPolicy& policy, std::string* error) {
    std::size_t count = 0;
    if (parseCount(term, count)) {
        if (policy.keepPerJob) return fail(error, "gives the run count twice");
        if (count < 1 || count > kMaxKeepPerJob) {
            return fail(error, "the run count must be between 1 and 100000000");
        }
        policy.keepPerJob = count;
        return true;
    }
    std::string durationError;
    const auto age = parseDuration(term, &durationError);
    if (!age) {
        return fail(error, "'" + term + "' is neither a duration like 30d nor a run count like " +
                               "1000 (" + durationError + ")");
    }
    if (policy.maxAge) return fail(error, "gives the age twice");
    if (age->count() <= 0) return fail(error, "the age must be longer than 0s");
    policy.maxAge = *age;
    return true;
}

}  // namespace

std::optional<RetentionPolicy> parseRetention(const std::string& text, std::string* error) {
    const std::string trimmed = Poco::trim(text);
    RetentionPolicy policy;
    if (trimmed == "forever") return policy;
    if (trimmed.empty()) {
        fail(error, "is empty (use 'forever' to keep all history)");
        return std::nullopt;
    }
    const Poco::StringTokenizer terms(trimmed, ",", Poco::StringTokenizer::TOK_TRIM);
    for (const auto& term : terms) {
        if (term.empty()) {
            fail(error, "has an empty term");
            return std::nullopt;
        }
        if (!parseTerm(term, policy, error)) return std::nullopt;
    }
    return policy;
}

}  // namespace belfry
