// `belfry reconcile [--dry-run]`: asks belfryd to reconcile the OS scheduler with its jobs now
// (POST /v1/reconcile) and prints what happened per job.
#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "format.h"

namespace belfry::cli {
namespace {

// A reconcile of a thousand jobs takes a few seconds of systemd's work; a slow manager more.
constexpr std::chrono::minutes kReconcileTimeout{5};

// JOB, ACTION, DETAIL, then the summary line.
std::string formatReconcileReport(const Json& report) {
    std::vector<std::vector<std::string>> rows;
    if (const auto* jobs = jsonMember(report, "jobs"); jobs && jobs->is_array()) {
        for (const auto& entry : *jobs) {
            const auto detail = jsonString(entry, "detail").value_or("");
            rows.push_back({oneLineText(jsonString(entry, "job").value_or("-")),
                            oneLineText(jsonString(entry, "action").value_or("-")),
                            detail.empty() ? "-" : oneLineText(detail)});
        }
    }
    std::string text = rows.empty() ? "no jobs and no belfry units\n"
                                    : renderTable({"JOB", "ACTION", "DETAIL"}, rows);
    const auto dryRun = jsonMember(report, "dry_run");
    text +=
        dryRun && dryRun->is_boolean() && dryRun->get<bool>() ? "dry run, nothing changed: " : "";
    std::string counts;
    if (const auto* summary = jsonMember(report, "summary"); summary && summary->is_object()) {
        for (const auto& [action, count] : summary->items()) {
            counts += (counts.empty() ? "" : ", ") +
                      (count.is_number_integer() ? std::to_string(count.get<std::int64_t>())
                                                 : std::string("?")) +
                      " " + action;
        }
    }
    text += counts;
    if (const auto elapsed = jsonInt(report, "elapsed_ms")) {
        text += " (" + formatElapsed(*elapsed) + ")";
    }
    return text + "\n";
}

}  // namespace

int reconcileCommand(CommandContext& context, const std::vector<std::string>& args) {
    bool dryRun = false;
    for (const auto& arg : args) {
        if (arg == "--dry-run") {
            dryRun = true;
        } else {
            return context.usageError("reconcile: unexpected argument '" + oneLineText(arg) + "'");
        }
    }
    std::unique_ptr<ApiClient> client;
    if (const int code = context.connect(&client)) return code;
    const auto result =
        client->call("POST", dryRun ? "/v1/reconcile?dry_run=true" : "/v1/reconcile", nullptr,
                     kReconcileTimeout);
    if (!result.ok) return context.fail(result);
    context.print(context.json ? prettyJson(result.body) : formatReconcileReport(result.body));
    const auto* summary = jsonMember(result.body, "summary");
    const auto failed = summary ? jsonInt(*summary, "failed") : std::nullopt;
    return failed && *failed > 0 ? kExitFailure : kExitSuccess;
}

}  // namespace belfry::cli
