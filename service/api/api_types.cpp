#include "api_types.h"

namespace belfry {

ApiResponse errorResponse(int status, const std::string& error, const std::string& detail) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body->set("error", error);
    body->set("detail", detail);
    return jsonResponse(status, body);
}

ApiResponse jsonResponse(int status, Poco::JSON::Object::Ptr json) {
    ApiResponse response;
    response.status = status;
    response.json = std::move(json);
    return response;
}

}  // namespace belfry
