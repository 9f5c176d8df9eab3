// Dispatches an ApiRequest to its endpoint (DESIGN.md "REST"), after checking the admin token on
// everything but /v1/health. Unknown paths are 404, known paths with the wrong method 405 with an
// Allow header; handler exceptions become JSON errors, never a dropped connection.
// Thread-safety: handle() may run concurrently on many server threads.
#pragma once

#include "api_context.h"
#include "api_types.h"

namespace belfry {

class ApiRouter {
  public:
    explicit ApiRouter(ApiContext& context) : context_(context) {}
    ApiResponse handle(const ApiRequest& request) const;

  private:
    ApiContext& context_;
};

// Endpoints, one file per resource (jobs_endpoints.cpp, runs_endpoints.cpp). Each returns the
// full response, including errors for bad input; none changes anything when it rejects a request.
ApiResponse listJobs(ApiContext& context, const ApiRequest& request);
ApiResponse createJob(ApiContext& context, const ApiRequest& request);
ApiResponse getJob(ApiContext& context, const std::string& name);
ApiResponse replaceJob(ApiContext& context, const std::string& name, const ApiRequest& request);
ApiResponse deleteJob(ApiContext& context, const std::string& name);
ApiResponse setJobEnabled(ApiContext& context, const std::string& name, bool enabled);
ApiResponse startRun(ApiContext& context, const std::string& name, const ApiRequest& request);
ApiResponse fireJob(ApiContext& context, const std::string& name, const ApiRequest& request);
ApiResponse listRuns(ApiContext& context, const ApiRequest& request);
ApiResponse getRun(ApiContext& context, const std::string& id, const ApiRequest& request);
ApiResponse cancelRun(ApiContext& context, const std::string& id);
ApiResponse retryRun(ApiContext& context, const std::string& id);
ApiResponse reconcileJobs(ApiContext& context,
                          const ApiRequest& request);  // reconcile_endpoint.cpp

}  // namespace belfry
