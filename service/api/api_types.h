// The REST API's request and response as plain values, independent of the HTTP server, so every
// endpoint can be exercised directly in tests. Plain value types; no synchronisation.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

namespace belfry {

struct ApiRequest {
    std::string method;
    std::vector<std::string> segments;  // percent-decoded path segments: /v1/jobs/x -> v1 jobs x
    std::map<std::string, std::string> query;
    std::string authorization;  // the Authorization header, verbatim
    std::string body;
};

struct ApiResponse {
    int status = 200;
    Poco::JSON::Object::Ptr json;                // body when set
    std::map<std::string, std::string> headers;  // extra headers (Allow, WWW-Authenticate)
};

// A JSON error body {"error": ..., "detail": ...}. `error` is short and stable; `detail` says
// what exactly was wrong.
ApiResponse errorResponse(int status, const std::string& error, const std::string& detail = "");
ApiResponse jsonResponse(int status, Poco::JSON::Object::Ptr json);

}  // namespace belfry
