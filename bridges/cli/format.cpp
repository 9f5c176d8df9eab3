#include "format.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "belfry/duration.h"
#include "exit_codes.h"

namespace belfry::cli {
namespace {

std::size_t displayWidth(std::string_view text) {
    // Continuation bytes (10xxxxxx) do not start a character.
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// A scalar JSON value as text: strings unquoted, null as "-".
std::string scalarText(const Json& value) {
    if (value.is_string()) return oneLineText(value.get_ref<const std::string&>());
    if (value.is_null()) return "-";
    return compactJson(value);
}

std::string memberText(const Json& object, const char* key) {
    const Json* member = jsonMember(object, key);
    return member ? scalarText(*member) : "-";
}

void flatten(const std::string& prefix, const Json& value,
             std::vector<std::pair<std::string, std::string>>* lines) {
    if (value.is_object() && !value.empty()) {
        for (const auto& [key, member] : value.items()) {
            flatten(prefix + "." + oneLineText(key), member, lines);
        }
        return;
    }
    if (value.is_array() && !value.empty()) {
        const bool allScalars = std::all_of(value.begin(), value.end(), [](const Json& element) {
            return !element.is_object() && !element.is_array();
        });
        if (allScalars) {
            std::string joined;
            for (const auto& element : value) {
                if (!joined.empty()) joined += ", ";
                joined += scalarText(element);
            }
            lines->emplace_back(prefix, joined);
            return;
        }
        std::size_t index = 0;
        for (const auto& element : value) {
            flatten(prefix + "." + std::to_string(index++), element, lines);
        }
        return;
    }
    lines->emplace_back(prefix, value.is_object()  ? "{}"
                                : value.is_array() ? "[]"
                                                   : scalarText(value));
}

std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
    // Howard Hinnant's days_from_civil: proleptic Gregorian calendar, no time zone database.
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yearOfEra = static_cast<unsigned>(year - era * 400);
    const unsigned dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

bool readDigits(std::string_view text, std::size_t pos, std::size_t count, int* value) {
    if (pos + count > text.size()) return false;
    int result = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        result = result * 10 + (text[i] - '0');
    }
    *value = result;
    return true;
}

}  // namespace

std::string oneLineText(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

std::string shellQuote(const std::string& arg) {
    if (arg.empty()) return "''";
    const bool plain = std::all_of(arg.begin(), arg.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("-_./=:,+@%").find(c) != std::string_view::npos ||
               static_cast<unsigned char>(c) >= 0x80;
    });
    if (plain) return arg;
    std::string quoted = "'";
    for (const char c : arg) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string renderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], displayWidth(row[i]));
        }
    };
    measure(header);
    for (const auto& row : rows) measure(row);

    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < row.size() ? row[i] : "";
            line += cell;
            if (i + 1 < widths.size()) line.append(widths[i] - displayWidth(cell) + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    };
    emit(header);
    for (const auto& row : rows) emit(row);
    return out;
}

std::string scheduleSummary(const Json& job) {
    const Json* schedule = jsonMember(job, "schedule");
    if (!schedule || schedule->is_null()) return "-";
    if (const auto cron = jsonString(*schedule, "cron")) {
        std::string text = "cron " + oneLineText(*cron);
        if (const auto zone = jsonString(*schedule, "timezone"); zone && !zone->empty()) {
            text += " (" + oneLineText(*zone) + ")";
        }
        return text;
    }
    if (const Json* every = jsonMember(*schedule, "every")) return "every " + scalarText(*every);
    if (const Json* at = jsonMember(*schedule, "at")) return "at " + scalarText(*at);
    return oneLineText(compactJson(*schedule));
}

std::string actionSummary(const Json& job) {
    if (const Json* exec = jsonMember(job, "exec")) {
        const Json* argv = jsonMember(*exec, "argv");
        if (!argv || !argv->is_array()) return "-";
        std::string text;
        for (const auto& arg : *argv) {
            if (!text.empty()) text += ' ';
            text +=
                oneLineText(shellQuote(arg.is_string() ? arg.get<std::string>() : scalarText(arg)));
        }
        return text.empty() ? "-" : text;
    }
    if (const Json* http = jsonMember(job, "http")) {
        return "HTTP " + jsonString(*http, "method").value_or("GET") + " " +
               oneLineText(jsonString(*http, "url").value_or("-"));
    }
    if (const Json* handler = jsonMember(job, "handler")) {
        if (handler->is_string()) return "handler " + scalarText(*handler);
        return "handler " + memberText(*handler, "name");
    }
    return "-";
}

std::string formatJobTable(const Json& response) {
    std::vector<std::vector<std::string>> rows;
    if (const Json* jobs = jsonMember(response, "jobs"); jobs && jobs->is_array()) {
        for (const auto& job : *jobs) {
            const Json* enabledMember = jsonMember(job, "enabled");
            std::string enabled = "-";
            if (enabledMember && enabledMember->is_boolean()) {
                enabled = enabledMember->get<bool>() ? "yes" : "no";
                // When an admin changed the timer or task in the OS tool, say so: the OS wins.
                const Json* os = jsonMember(job, "os");
                const Json* osEnabled = os ? jsonMember(*os, "enabled") : nullptr;
                if (osEnabled && osEnabled->is_boolean() &&
                    osEnabled->get<bool>() != enabledMember->get<bool>()) {
                    enabled += osEnabled->get<bool>() ? " (os: yes)" : " (os: no)";
                }
            }
            rows.push_back(
                {memberText(job, "name"), enabled, scheduleSummary(job), actionSummary(job)});
        }
    }
    return renderTable({"NAME", "ENABLED", "SCHEDULE", "ACTION"}, rows);
}

std::string formatJobDetails(const Json& job) {
    std::vector<std::pair<std::string, std::string>> lines;
    std::vector<std::string> shown;
    auto addMember = [&](const char* key) {
        shown.emplace_back(key);
        if (const Json* member = jsonMember(job, key)) flatten(key, *member, &lines);
    };
    addMember("name");
    addMember("description");
    addMember("enabled");
    shown.emplace_back("schedule");
    lines.emplace_back("schedule", scheduleSummary(job));
    lines.emplace_back("action", actionSummary(job));
    // The action's details beyond what the summary line already says.
    for (const char* kind : {"exec", "http", "handler"}) {
        shown.emplace_back(kind);
        const Json* action = jsonMember(job, kind);
        if (!action || !action->is_object()) continue;
        for (const auto& [key, member] : action->items()) {
            if ((std::string_view(kind) == "exec" && key == "argv") ||
                (std::string_view(kind) == "http" && (key == "method" || key == "url")) ||
                (std::string_view(kind) == "handler" && key == "name")) {
                continue;
            }
            flatten(std::string(kind) + "." + key, member, &lines);
        }
    }
    for (const char* key : {"timeout", "retry", "concurrency", "catch_up", "jitter"})
        addMember(key);
    for (const auto& [key, member] : job.items()) {
        if (std::find(shown.begin(), shown.end(), key) == shown.end() && key != "created_at" &&
            key != "updated_at" && key != "os") {
            flatten(oneLineText(key), member, &lines);
        }
    }
    for (const char* key : {"created_at", "updated_at", "os"}) addMember(key);

    std::size_t width = 0;
    for (const auto& line : lines) width = std::max(width, displayWidth(line.first));
    std::string out;
    for (const auto& [key, value] : lines) {
        out += key + ":";
        out.append(width - displayWidth(key) + 1, ' ');
        out += value + "\n";
    }
    return out;
}

std::optional<std::int64_t> parseIsoTimestamp(std::string_view text) {
    int year, month, day, hour, minute, second;
    if (!readDigits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' ||
        !readDigits(text, 5, 2, &month) || text[7] != '-' || !readDigits(text, 8, 2, &day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !readDigits(text, 11, 2, &hour) || text[13] != ':' || !readDigits(text, 14, 2, &minute) ||
        text[16] != ':' || !readDigits(text, 17, 2, &second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t millis = 0;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int scale = 100;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            millis += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    std::int64_t offsetSeconds = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int offsetHours = 0;
        int offsetMinutes = 0;
        const bool colon = pos + 3 < text.size() && text[pos + 3] == ':';
        if (!readDigits(text, pos + 1, 2, &offsetHours) ||
            !readDigits(text, pos + (colon ? 4 : 3), 2, &offsetMinutes)) {
            return std::nullopt;
        }
        offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (text[pos] == '-' ? -1 : 1);
        pos += colon ? 6 : 5;
    } else {
        return std::nullopt;  // without an offset the instant is unknown
    }
    if (pos != text.size()) return std::nullopt;
    const std::int64_t days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
    return seconds * 1000 + millis;
}

std::string shortTimestamp(const std::string& text) {
    if (!parseIsoTimestamp(text) || text.size() <= 19 || text[19] != '.') return text;
    std::size_t end = 20;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    return text.substr(0, 19) + text.substr(end);
}

std::string formatElapsed(std::int64_t millis) {
    if (millis < 0) millis = 0;
    if (millis < 1000) return std::to_string(millis) + "ms";
    if (millis < 60'000) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(millis) / 1000.0);
        return text;
    }
    // Beyond a minute, sub-second precision is noise.
    return formatDuration(Milliseconds((millis + 500) / 1000 * 1000));
}

std::string runDuration(const Json& run) {
    const auto started = jsonString(run, "started_at");
    const auto finished = jsonString(run, "finished_at");
    if (!started || !finished) return "-";
    const auto start = parseIsoTimestamp(*started);
    const auto end = parseIsoTimestamp(*finished);
    if (!start || !end) return "-";
    return formatElapsed(*end - *start);
}

std::string formatRunTable(const Json& response) {
    std::vector<std::vector<std::string>> rows;
    if (const Json* runs = jsonMember(response, "runs"); runs && runs->is_array()) {
        for (const auto& run : *runs) {
            std::string exit = "-";
            if (const auto code = jsonInt(run, "exit_code")) {
                exit = std::to_string(*code);
            } else if (const auto signal = jsonInt(run, "signal")) {
                exit = "signal " + std::to_string(*signal);
            } else if (const auto status = jsonInt(run, "http_status")) {
                exit = "HTTP " + std::to_string(*status);
            }
            const auto queued = jsonString(run, "queued_at");
            rows.push_back({memberText(run, "id"), memberText(run, "job"),
                            memberText(run, "trigger"), memberText(run, "state"),
                            queued ? oneLineText(shortTimestamp(*queued)) : "-", runDuration(run),
                            exit});
        }
    }
    return renderTable({"ID", "JOB", "TRIGGER", "STATE", "QUEUED", "DURATION", "EXIT"}, rows);
}

std::string formatRunReport(const Json& run) {
    std::string out = describeRunEnd(run);
    if (const std::string duration = runDuration(run); duration != "-") {
        out += " (" + duration + ")";
    }
    out += "\n";
    if (const auto output = jsonString(run, "output"); output && !output->empty()) {
        out += *output;
        if (output->back() != '\n') out += "\n";
    }
    return out;
}

}  // namespace belfry::cli
