// Reading a job's run history in the execution-policy tests (retries, concurrency, shutdown,
// delayed runs): the runs of one job, oldest first, and their fields.
#pragma once

#include <Poco/JSON/Array.h>

#include <string>
#include <vector>

#include "test_daemon.h"

namespace belfry::test {

inline std::vector<Poco::JSON::Object::Ptr> runsOf(TestDaemon& daemon, const std::string& job) {
    const auto answer = daemon.request("GET", "/v1/runs?job=" + job + "&limit=1000");
    std::vector<Poco::JSON::Object::Ptr> runs;
    if (!answer.json) return runs;
    const auto list = answer.json->getArray("runs");
    for (std::size_t i = list->size(); i-- > 0;) runs.push_back(list->getObject(i));
    return runs;
}

inline std::string text(const Poco::JSON::Object::Ptr& run, const std::string& field) {
    return run->isNull(field) ? "" : run->getValue<std::string>(field);
}

// Starts a run through the REST API with a JSON body; returns the answer.
inline HttpResult startRun(TestDaemon& daemon, const std::string& job, const std::string& body) {
    return daemon.request("POST", "/v1/jobs/" + job + "/runs", body);
}

}  // namespace belfry::test
