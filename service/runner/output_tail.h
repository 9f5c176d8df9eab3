// Keeps the last `limit` bytes of a stream of any length in at most `limit` bytes of memory, and
// counts the whole. Jobs may print gigabytes; the runs table only ever wants the end, where the
// error usually is.
//
// Thread-safety: none; one runner owns one tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace belfry {

class OutputTail {
  public:
    explicit OutputTail(std::size_t limit) : limit_(limit) {}

    void append(const char* data, std::size_t size);

    std::uint64_t totalBytes() const { return total_; }

    // The kept bytes in order; when bytes were dropped, prefixed with the one-line marker
    // "[... N bytes omitted ...]\n" (see ActionOutcome::output).
    std::string text() const;

  private:
    std::size_t limit_;
    std::string ring_;      // grows to limit_, then wraps; memory follows the output, not limit_
    std::size_t next_ = 0;  // once full: where the oldest byte is and the next one goes
    std::uint64_t total_ = 0;
};

}  // namespace belfry
