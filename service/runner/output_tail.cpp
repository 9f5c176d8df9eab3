#include "output_tail.h"

#include <algorithm>

namespace belfry {

void OutputTail::append(const char* data, std::size_t size) {
    total_ += size;
    if (limit_ == 0) return;
    if (size >= limit_) {  // the new bytes alone fill the tail
        ring_.assign(data + (size - limit_), limit_);
        next_ = 0;
        return;
    }
    if (ring_.size() < limit_) {  // still growing: fill up, wrap whatever does not fit
        const std::size_t fits = std::min(size, limit_ - ring_.size());
        ring_.append(data, fits);
        data += fits;
        size -= fits;
    }
    while (size > 0) {
        const std::size_t chunk = std::min(size, limit_ - next_);
        ring_.replace(next_, chunk, data, chunk);
        next_ = (next_ + chunk) % limit_;
        data += chunk;
        size -= chunk;
    }
}

std::string OutputTail::text() const {
    std::string out;
    if (total_ > ring_.size()) {
        out = "[... " + std::to_string(total_ - ring_.size()) + " bytes omitted ...]\n";
    }
    out.reserve(out.size() + ring_.size());
    out.append(ring_, next_, std::string::npos);
    out.append(ring_, 0, next_);
    return out;
}

}  // namespace belfry
