// Continuations: parsing on_success / on_failure, and refusing loops and unknown targets.
#include "continuation_graph.h"

#include <gtest/gtest.h>

#include "continuations.h"
#include "job_json.h"

namespace belfry {
namespace {

Job job(const std::string& name, std::vector<std::string> onSuccess = {},
        std::vector<std::string> onFailure = {}) {
    Job out;
    out.name = name;
    out.onSuccess = std::move(onSuccess);
    out.onFailure = std::move(onFailure);
    return out;
}

Job parse(const std::string& extra) {
    return jobFromJson(
        *parseJsonObject(R"({"name": "a", "exec": {"argv": ["/bin/true"]})" + extra + "}"));
}

TEST(Continuations, ListsAreParsedAndWrittenBack) {
    const auto parsed = parse(R"(, "on_success": ["b", "c"], "on_failure": ["alert"])");
    EXPECT_EQ(parsed.onSuccess, (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(parsed.onFailure, (std::vector<std::string>{"alert"}));
    const auto again = jobFromJson(*jobToJson(parsed));
    EXPECT_EQ(again.onSuccess, parsed.onSuccess);
    EXPECT_EQ(again.onFailure, parsed.onFailure);
    EXPECT_TRUE(parse("").onSuccess.empty());
}

TEST(Continuations, BadListsAreRefused) {
    for (const std::string extra :
         {R"(, "on_success": "b")", R"(, "on_success": [1])", R"(, "on_failure": ["Bad Name"])",
          R"(, "on_success": ["b", "b"])"}) {
        EXPECT_THROW(parse(extra), ValidationError) << extra;
    }
}

TEST(Continuations, ChainWithoutLoopIsAccepted) {
    const std::vector<Job> stored{job("b", {"c"}), job("c"), job("alert")};
    EXPECT_EQ(continuationProblem(job("a", {"b"}, {"alert"}), stored), "");
}

TEST(Continuations, LoopsAreRefusedNamingTheChain) {
    const std::vector<Job> stored{job("a"), job("b", {"c"}), job("c", {}, {"a"})};
    const auto problem = continuationProblem(job("a", {"b"}), stored);
    EXPECT_NE(problem.find("a -> b -> c -> a"), std::string::npos) << problem;
    EXPECT_NE(continuationProblem(job("a", {}, {"a"}), stored), "") << "a job cannot follow itself";
}

TEST(Continuations, UnknownTargetIsRefused) {
    const auto problem = continuationProblem(job("a", {"nobody"}), {});
    EXPECT_NE(problem.find("nobody"), std::string::npos) << problem;
}

TEST(Continuations, SuccessAndFinalFailureStartTheirLists) {
    const auto a = job("a", {"next"}, {"alert"});
    EXPECT_EQ(continuationTargets(a, RunState::Succeeded, false), a.onSuccess);
    EXPECT_EQ(continuationTargets(a, RunState::Failed, false), a.onFailure);
    EXPECT_EQ(continuationTargets(a, RunState::TimedOut, false), a.onFailure);
    EXPECT_TRUE(continuationTargets(a, RunState::Failed, true).empty()) << "a retry follows";
    for (const auto state : {RunState::Interrupted, RunState::Cancelled, RunState::Skipped})
        EXPECT_TRUE(continuationTargets(a, state, false).empty()) << toString(state);
}

}  // namespace
}  // namespace belfry
