#include "continuation_graph.h"

#include <map>
#include <set>

namespace belfry {
namespace {

using Graph = std::map<std::string, std::vector<std::string>>;

std::vector<std::string> targetsOf(const Job& job) {
    auto targets = job.onSuccess;
    targets.insert(targets.end(), job.onFailure.begin(), job.onFailure.end());
    return targets;
}

// A path from `from` to `goal`, `from` included, or empty. Depth-first; `seen` keeps it linear.
std::vector<std::string> pathTo(const Graph& graph, const std::string& from,
                                const std::string& goal, std::set<std::string>& seen) {
    if (from == goal) return {from};
    if (!seen.insert(from).second) return {};
    const auto found = graph.find(from);
    if (found == graph.end()) return {};
    for (const auto& next : found->second) {
        auto rest = pathTo(graph, next, goal, seen);
        if (rest.empty()) continue;
        rest.insert(rest.begin(), from);
        return rest;
    }
    return {};
}

}  // namespace

std::string continuationProblem(const Job& candidate, const std::vector<Job>& stored) {
    Graph graph;
    for (const auto& job : stored) graph[job.name] = targetsOf(job);
    graph[candidate.name] = targetsOf(candidate);
    for (const auto& [field, targets] : {std::pair{"on_success", &candidate.onSuccess},
                                         std::pair{"on_failure", &candidate.onFailure}}) {
        for (const auto& target : *targets) {
            if (!graph.count(target)) {
                return std::string(field) + ": there is no job named " + target +
                       " (create it first)";
            }
            std::set<std::string> seen;
            const auto loop = pathTo(graph, target, candidate.name, seen);
            if (loop.empty()) continue;
            std::string chain = candidate.name;
            for (const auto& step : loop) chain += " -> " + step;
            return std::string(field) + ": " + chain + " is a loop; continuations must not lead " +
                   "back to the job that started them";
        }
    }
    return "";
}

}  // namespace belfry
