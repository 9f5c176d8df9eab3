// The REST API's HTTP listener: Poco's HTTPServer on the configured address (loopback by
// default), turning HTTP requests into ApiRequests for the router and enforcing the body limit
// before reading a body. Thread-safety: start/stop from one thread; requests are served on Poco's
// pool, up to `maxThreads` at a time (long-polls hold one each).
#pragma once

#include <memory>
#include <string>

#include "api_router.h"

namespace Poco::Net {
class HTTPServer;
}

namespace belfry {

struct ApiServerOptions {
    std::string host = "127.0.0.1";
    int port = 8470;  // 0: any free port, see boundPort()
    std::size_t maxBodyBytes = 1 << 20;
    int maxThreads = 64;
};

class ApiServer {
  public:
    ApiServer(const ApiRouter& router, ApiServerOptions options);
    ~ApiServer();

    // Binds and starts serving; throws Poco::Net::NetException if the address is unavailable.
    void start();
    void stop();
    int boundPort() const { return boundPort_; }

  private:
    const ApiRouter& router_;
    ApiServerOptions options_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    int boundPort_ = 0;
};

}  // namespace belfry
