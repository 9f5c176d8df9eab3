// Writers to one SQLite database within this process take turns in the order they asked.
//
// Why not leave it to SQLite: a connection that finds the write lock taken can only poll for it
// (busy_timeout sleeps 1, 2, 5 ... up to 100 ms between tries). While the store commits back to
// back, each try of the history pruner has a small chance of finding the lock free, so it
// waited up to most of a second per batch and history overshot its bound under load; the store,
// in turn, polled behind the pruner's deletes. A ticket queue hands the lock over the moment it
// is released, to whoever asked first. Other processes (none write belfryd's database) still
// meet the busy timeout.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace belfry {

class WriteTurns {
  public:
    // The queue shared by every writer of the database file at `path` in this process (paths
    // that name the same file share one). It lives while anyone holds it.
    static std::shared_ptr<WriteTurns> forDatabase(const std::string& path);

    // Holds the turn from construction until destruction.
    class Turn {
      public:
        explicit Turn(WriteTurns& turns) : turns_(turns) { turns_.take(); }
        ~Turn() { turns_.handOn(); }
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

      private:
        WriteTurns& turns_;
    };

  private:
    void take();
    void handOn();

    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t nextTicket_ = 0;
    std::uint64_t serving_ = 0;
};

}  // namespace belfry
