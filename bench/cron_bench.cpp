// Prints how long the cron engine takes to parse an expression and to find a next fire, for
// simple and complex expressions, in UTC and in zones. Figures only, never pass/fail: each line
// is the median over several repetitions of a timed loop.
//
//   cron_bench [repetitions]        (default 9)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "belfry/schedule/cron.h"
#include "belfry/schedule/iso8601.h"
#include "belfry/schedule/time_zone.h"

namespace {

using belfry::schedule::CronExpression;
using belfry::schedule::Instant;
using belfry::schedule::TimeZone;
using Clock = std::chrono::steady_clock;

// Keeps results observable so the optimizer cannot drop the work.
volatile long long gSink = 0;

// Median nanoseconds per call of `body(i)` over `repetitions` runs of `iterations` calls.
double medianNanos(int repetitions, int iterations, const std::function<long long(int)>& body) {
    std::vector<double> samples;
    for (int r = 0; r < repetitions; ++r) {
        long long sink = 0;
        const auto start = Clock::now();
        for (int i = 0; i < iterations; ++i) sink += body(i);
        const auto elapsed = Clock::now() - start;
        gSink = gSink + sink;
        samples.push_back(std::chrono::duration<double, std::nano>(elapsed).count() / iterations);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

void report(const std::string& label, double nanos, int repetitions) {
    std::printf("%-58s %8.0f ns (median of %d)\n", (label + ":").c_str(), nanos, repetitions);
}

CronExpression mustParse(const char* text) {
    std::string error;
    auto cron = CronExpression::parse(text, &error);
    if (!cron) {
        std::fprintf(stderr, "cron_bench: %s\n", error.c_str());
        std::exit(1);
    }
    return *cron;
}

TimeZone mustLocate(const char* name) {
    std::string error;
    auto zone = TimeZone::locate(name, &error);
    if (!zone) {
        std::fprintf(stderr, "cron_bench: %s\n", error.c_str());
        std::exit(1);
    }
    return *zone;
}

}  // namespace

int main(int argc, char** argv) {
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
    constexpr int kParseIterations = 100'000;
    constexpr int kNextIterations = 1'000'000;

    struct Case {
        const char* label;
        const char* expression;
        const char* zone;  // nullptr: UTC
    };
    const Case parseCases[] = {
        {"parse simple (*/5 * * * *)", "*/5 * * * *", nullptr},
        {"parse simple (0 3 * * *)", "0 3 * * *", nullptr},
        {"parse complex (0 9-17/2 1,15,L * MON#1,FRIL)", "0 9-17/2 1,15,L * MON#1,FRIL", nullptr},
    };
    for (const Case& c : parseCases) {
        report(c.label,
               medianNanos(repetitions, kParseIterations,
                           [&](int) {
                               return static_cast<long long>(
                                   CronExpression::parse(c.expression)->fields().minutes);
                           }),
               repetitions);
    }

    // Starting points spread over two years, so every call does a real search.
    const Instant base = *belfry::schedule::parseIso8601("2026-01-01T00:00:00Z", nullptr);
    constexpr long long kSpread = 2LL * 366 * 86400;
    const Case nextCases[] = {
        {"next simple UTC (*/5 * * * *)", "*/5 * * * *", nullptr},
        {"next simple UTC (0 3 * * *)", "0 3 * * *", nullptr},
        {"next complex UTC OR-rule (0 0 1,15 * 5)", "0 0 1,15 * 5", nullptr},
        {"next complex UTC last day (0 3 L * *)", "0 3 L * *", nullptr},
        {"next complex UTC nth weekday (30 2 * * 1#2)", "30 2 * * 1#2", nullptr},
        {"next zoned simple Europe/Berlin (0 3 * * *)", "0 3 * * *", "Europe/Berlin"},
        {"next zoned complex Europe/Berlin (30 2 * * 5L)", "30 2 * * 5L", "Europe/Berlin"},
        {"next zoned complex America/New_York (*/15 1-3 1,15 * 0)", "*/15 1-3 1,15 * 0",
         "America/New_York"},
        {"next zoned complex Australia/Lord_Howe (0 0 L-2 * *)", "0 0 L-2 * *",
         "Australia/Lord_Howe"},
        {"next zoned far (0 12 1 7 *, America/New_York, 2040)", "0 12 1 7 *", "America/New_York"},
    };
    for (const Case& c : nextCases) {
        const CronExpression cron = mustParse(c.expression);
        const TimeZone zone = c.zone ? mustLocate(c.zone) : TimeZone();
        const Instant start = std::string(c.label).find("2040") != std::string::npos
                                  ? *belfry::schedule::parseIso8601("2040-01-01T00:00:00Z", nullptr)
                                  : base;
        report(c.label,
               medianNanos(repetitions, kNextIterations,
                           [&](int i) {
                               const Instant from =
                                   start + std::chrono::seconds{(i * 7919LL) % kSpread};
                               return static_cast<long long>(
                                   cron.nextAfter(from, zone)->time_since_epoch().count());
                           }),
               repetitions);
    }

    const CronExpression slot = mustParse("*/15 * * * *");
    const TimeZone berlin = mustLocate("Europe/Berlin");
    report("latestAtOrBefore zoned Europe/Berlin (*/15 * * * *)",
           medianNanos(repetitions, kNextIterations,
                       [&](int i) {
                           const Instant at = base + std::chrono::seconds{(i * 7919LL) % kSpread};
                           return static_cast<long long>(
                               slot.latestAtOrBefore(at, berlin)->time_since_epoch().count());
                       }),
           repetitions);
    return 0;
}
