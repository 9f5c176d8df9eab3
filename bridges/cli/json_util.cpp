#include "json_util.h"

#include <nlohmann/json.hpp>

namespace belfry::cli {

const Json* jsonMember(const Json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> jsonString(const Json& object, const char* key) {
    const Json* member = jsonMember(object, key);
    if (!member || !member->is_string()) return std::nullopt;
    return member->get<std::string>();
}

std::optional<std::int64_t> jsonInt(const Json& object, const char* key) {
    const Json* member = jsonMember(object, key);
    if (!member || !member->is_number_integer()) return std::nullopt;
    return member->get<std::int64_t>();
}

std::optional<Json> parseJson(const std::string& text) {
    Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::string prettyJson(const Json& value) {
    return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string compactJson(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace belfry::cli
