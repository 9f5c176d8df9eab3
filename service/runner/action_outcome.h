// What happened when one action of a job ran: how it ended, its exit code or HTTP status, and the
// tail of what it printed. Both runners (process_runner.h, http_action.h) report in this shape so
// that the run queue, the runs table and the REST API handle them alike.
//
// Thread-safety: a plain value type; the usual rules for standard containers apply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cancel_source.h"

namespace belfry {

enum class Ending {
    Exited,         // ran to its end by itself: the process exited (exitCode), or the HTTP
                    // server answered (httpStatus), whether or not that counts as success
    Signaled,       // the process was killed by a signal it did not get from us (signal)
    TimedOut,       // we stopped it at its timeout (error says after how long)
    Cancelled,      // we stopped it on request (cancelReason)
    SpawnFailed,    // the process could not be started (error names the program or directory)
    RequestFailed,  // the HTTP request got no response: bad URL, refused, reset, DNS, no TLS
};

// "exited", "signaled", "timed-out", "cancelled", "spawn-failed", "request-failed".
std::string_view toString(Ending ending);

struct ActionOutcome {
    Ending ending = Ending::SpawnFailed;
    int exitCode = -1;                // Exited process: its exit status; -1 otherwise
    int signal = 0;                   // the signal that ended the process, also after a timeout
                                      // or cancel (SIGTERM, or SIGKILL after the grace period)
    int httpStatus = 0;               // HTTP: the response status, 0 when there was no response
    bool httpStatusExpected = false;  // HTTP: httpStatus lies in the action's expected range
    // The last `limit` bytes the action produced (process: stdout and stderr interleaved as
    // written; HTTP: the response body). When more was produced, it starts with one line
    // "[... N bytes omitted ...]\n". Raw bytes: not necessarily valid UTF-8.
    std::string output;
    std::uint64_t outputBytes = 0;  // everything produced, including what was omitted
    std::string error;              // why it failed, for an operator; "" when it did not fail
                                    // or simply exited non-zero or was cancelled
    CancelReason cancelReason = CancelReason::None;

    // Process: exited with 0. HTTP: answered with an expected status.
    bool succeeded() const;
};

}  // namespace belfry
