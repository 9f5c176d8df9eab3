// Jobs to and from their JSON form (DESIGN.md "Job"). Parsing validates every field and reports
// the first problem as "field: what is wrong", so a rejected request can say exactly why; nothing
// half-parsed ever escapes. Pure functions; safe from any thread.
#pragma once

#include <Poco/JSON/Object.h>

#include <stdexcept>
#include <string>

#include "job.h"

namespace belfry {

// Thrown for input that breaks the contract; what() is meant for the operator.
class ValidationError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parses and validates a job definition. Read-only fields a client may echo back from a GET
// (created_at, updated_at, os) are accepted and ignored; any other unknown field is an error, so
// a typo like "timout" is caught instead of silently falling back to a default.
Job jobFromJson(const Poco::JSON::Object& object);

// Parses a request body; malformed JSON and non-object documents become ValidationError.
Poco::JSON::Object::Ptr parseJsonObject(const std::string& body);

// The canonical form, with every default spelled out.
Poco::JSON::Object::Ptr jobToJson(const Job& job);

}  // namespace belfry
