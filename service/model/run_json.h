// Runs in their JSON form (DESIGN.md "Run"). Pure function; safe from any thread.
#pragma once

#include <Poco/JSON/Object.h>

#include "run.h"

namespace belfry {

Poco::JSON::Object::Ptr runToJson(const Run& run);

}  // namespace belfry
