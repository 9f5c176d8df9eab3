#include "api_router.h"

#include <spdlog/spdlog.h>

#include "admin_token.h"
#include "job_json.h"

namespace belfry {
namespace {

constexpr const char* kBearer = "Bearer ";

std::string pathOf(const ApiRequest& request) {
    std::string path;
    for (const auto& segment : request.segments) path += "/" + segment;
    return path;
}

ApiResponse methodNotAllowed(const std::string& allowed) {
    auto response = errorResponse(405, "method not allowed", "allowed: " + allowed);
    response.headers["Allow"] = allowed;
    return response;
}

ApiResponse health(const ApiContext& context) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("status", "ok");
    body->set("version", BELFRY_VERSION);
    body->set("scheduler", context.scheduler.backendName());
    body->set("scheduler_choice", context.schedulerChoice);
    body->set("node", context.node);
    return jsonResponse(200, body);
}

std::optional<ApiResponse> rejectUnauthorized(const ApiContext& context,
                                              const ApiRequest& request) {
    const std::string& header = request.authorization;
    if (header.rfind(kBearer, 0) != 0) {
        auto response = errorResponse(401, "unauthorized",
                                      "send the admin token as 'Authorization: Bearer <token>'");
        response.headers["WWW-Authenticate"] = "Bearer realm=\"belfry\"";
        return response;
    }
    if (!tokensEqual(header.substr(std::char_traits<char>::length(kBearer)), context.adminToken)) {
        auto response = errorResponse(401, "unauthorized", "the admin token is not valid");
        response.headers["WWW-Authenticate"] = "Bearer realm=\"belfry\", error=\"invalid_token\"";
        return response;
    }
    return std::nullopt;
}

ApiResponse route(ApiContext& context, const ApiRequest& request) {
    const auto& s = request.segments;
    const auto& method = request.method;
    const auto n = s.size();
    if (n >= 2 && s[0] == "v1" && s[1] == "jobs") {
        if (n == 2) {
            if (method == "GET") return listJobs(context, request);
            if (method == "POST") return createJob(context, request);
            return methodNotAllowed("GET, POST");
        }
        if (n == 3) {
            if (method == "GET") return getJob(context, s[2]);
            if (method == "PUT") return replaceJob(context, s[2], request);
            if (method == "DELETE") return deleteJob(context, s[2]);
            return methodNotAllowed("GET, PUT, DELETE");
        }
        if (n == 4) {
            const auto& verb = s[3];
            if (verb != "enable" && verb != "disable" && verb != "runs" && verb != "fire") {
                return errorResponse(404, "not found", "no such endpoint");
            }
            if (method != "POST") return methodNotAllowed("POST");
            if (verb == "enable") return setJobEnabled(context, s[2], true);
            if (verb == "disable") return setJobEnabled(context, s[2], false);
            if (verb == "runs") return startRun(context, s[2], request);
            return fireJob(context, s[2], request);
        }
    }
    if (n >= 2 && s[0] == "v1" && s[1] == "runs") {
        if (n == 2) return method == "GET" ? listRuns(context, request) : methodNotAllowed("GET");
        if (n == 3)
            return method == "GET" ? getRun(context, s[2], request) : methodNotAllowed("GET");
        if (n == 4 && s[3] == "cancel") {
            return method == "POST" ? cancelRun(context, s[2]) : methodNotAllowed("POST");
        }
        if (n == 4 && s[3] == "retry") {
            return method == "POST" ? retryRun(context, s[2]) : methodNotAllowed("POST");
        }
    }
    if (n == 2 && s[0] == "v1" && s[1] == "reconcile") {
        return method == "POST" ? reconcileJobs(context, request) : methodNotAllowed("POST");
    }
    return errorResponse(404, "not found", "no such endpoint");
}

}  // namespace

ApiResponse ApiRouter::handle(const ApiRequest& request) const {
    const auto& s = request.segments;
    if (s.size() == 2 && s[0] == "v1" && s[1] == "health") {
        return request.method == "GET" ? health(context_) : methodNotAllowed("GET");
    }
    // Authenticate before routing, so an anonymous client learns nothing about what exists.
    if (auto rejected = rejectUnauthorized(context_, request)) return *rejected;
    try {
        return route(context_, request);
    } catch (const ValidationError& e) {
        return errorResponse(400, "invalid request", e.what());
    } catch (const StoreError& e) {
        spdlog::error("{} {}: {}", request.method, pathOf(request), e.what());
        return errorResponse(503, "store unavailable", e.what());
    } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", request.method, pathOf(request), e.what());
        return errorResponse(500, "internal error", e.what());
    }
}

}  // namespace belfry
