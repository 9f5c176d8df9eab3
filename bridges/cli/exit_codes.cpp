#include "exit_codes.h"

#include <array>

#include <nlohmann/json.hpp>

namespace belfry::cli {
namespace {

// The service's error text can span lines (a job's stderr); the summary must stay one line so a
// journal or a terminal shows it whole.
std::string oneLine(std::string text) {
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return text;
}

}  // namespace

bool isTerminalRunState(std::string_view state) {
    static constexpr std::array<std::string_view, 6> kTerminal{
        "succeeded", "failed", "timed_out", "cancelled", "interrupted", "skipped"};
    for (const auto terminal : kTerminal) {
        if (state == terminal) return true;
    }
    return false;
}

int exitCodeForRun(const Json& run) {
    const std::string state = jsonString(run, "state").value_or("");
    // Skipping is the job's concurrency policy doing its work, not a failure; reporting it as
    // one would make the OS scheduler flag a healthy job.
    if (state == "succeeded" || state == "skipped") return kExitSuccess;
    if (state == "timed_out") return kExitTimedOut;
    if (state == "cancelled") return kExitCancelled;
    if (state == "interrupted") return kExitTempFail;
    if (state != "failed") return kExitServiceError;
    if (const auto signal = jsonInt(run, "signal"); signal && *signal > 0) {
        return *signal < 128 ? kExitSignalBase + static_cast<int>(*signal) : 255;
    }
    // An exit status only has 8 bits; 0 cannot report a failure, so it becomes the generic 1.
    if (const auto code = jsonInt(run, "exit_code"); code && *code > 0 && *code <= 255) {
        return static_cast<int>(*code);
    }
    return kExitFailure;
}

int exitCodeForHttpStatus(int status) {
    if (status >= 200 && status < 300) return kExitSuccess;
    if (status == 401 || status == 403) return kExitNoPermission;
    if (status == 404) return kExitNotFound;
    if (status >= 400 && status < 500) return kExitRejected;
    return kExitServiceError;
}

std::string describeRunEnd(const Json& run) {
    std::string text = "run " + std::to_string(jsonInt(run, "id").value_or(0)) + " of job " +
                       jsonString(run, "job").value_or("?");
    const std::string state = jsonString(run, "state").value_or("?");
    if (state == "failed") {
        if (const auto signal = jsonInt(run, "signal")) {
            text += " was killed by signal " + std::to_string(*signal);
        } else if (const auto code = jsonInt(run, "exit_code")) {
            text += " failed with exit code " + std::to_string(*code);
        } else if (const auto status = jsonInt(run, "http_status")) {
            text += " failed with HTTP status " + std::to_string(*status);
        } else {
            text += " failed";
        }
    } else if (state == "timed_out") {
        text += " timed out";
    } else if (state == "cancelled" || state == "interrupted" || state == "skipped") {
        text += " was " + state;
    } else {
        text += " " + state;
    }
    if (const auto error = jsonString(run, "error"); error && !error->empty()) {
        text += ": " + oneLine(*error);
    }
    return text;
}

}  // namespace belfry::cli
