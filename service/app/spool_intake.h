// belfryd's side of the fire spool (DESIGN.md, "The fire path", step 4): `belfry fire` records a
// fire it could not deliver as one file in the spool directory (belfry/spool/spooled_fire.h);
// belfryd takes those files at its start and then sweeps the directory periodically.
//
// Each spooled fire goes through the FirePath exactly like POST /v1/jobs/NAME/fire: the slot comes
// from the fire's elapse time, a slot that already has a run is recorded as a skipped duplicate,
// catch-up rules apply. A file is deleted only after its run is committed, and the run records
// the file's id: a crash in between leaves the file, which the next sweep recognises as taken and
// only deletes — never lost, never run twice.
//
// A file belfryd cannot take — not JSON, another format or version, wrong members, an invalid or
// unknown job, a disabled job, unreadable — is logged with the reason and moved into
// `<spool>/rejected/` (never deleted; an admin can read it, fix it and move it back). One bad file
// never stops the others. Files whose names start with '.' belong to a writer still at work and
// are left alone, unless older than kStaleWriterAge: a writer is done within milliseconds, so such
// a file is what a `belfry fire` killed mid-write left (it had not spooled the fire: it exits 73
// then, or was killed before it could answer), and the sweep deletes it. When the store fails, the
// sweep stops and the files stay for the next one.
//
// Thread-safety: sweep() is serialised internally; start()/stop() are called from one thread
// (belfryd's main thread).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "belfry/spool/spooled_fire.h"
#include "fire_path.h"
#include "periodic_task.h"

namespace Poco {
class File;
}

namespace belfry {

class SpoolIntake {
  public:
    // The pause between sweeps while belfryd runs. A fire lands in the spool while belfryd runs
    // only when it was spooled during belfryd's start (its retries ran out just before belfryd
    // listened) or while the API was unreachable; such a fire then waits at most this long. A sweep
    // of an empty directory is one readdir, so a short pause costs nothing; 10 s keeps a spooled
    // fire's delay well under any schedule period that matters while staying portable (no inotify).
    static constexpr std::chrono::seconds kSweepInterval{10};

    // How long the sweep at start may hold up belfryd's start. Taking a fire costs a few
    // milliseconds (3.5 s for 1000 measured, with their runs starting meanwhile); a day of an
    // every-second timer spooled is 86400 files, which must not keep belfryd from listening until
    // its unit's start timeout kills it. What is left is taken by the sweeps after the start.
    static constexpr std::chrono::seconds kStartBudget{10};

    // A writer's temporary file older than this is abandoned (see above).
    static constexpr std::chrono::hours kStaleWriterAge{1};

    struct SweepCounts {
        int taken = 0;     // recorded as runs (duplicates included)
        int rejected = 0;  // moved into rejected/
        int left = 0;      // left in place for a later sweep (store failure, budget spent, stop)
    };

    // Creates `directory` and its rejected/ folder when missing; a failure is logged, not thrown:
    // belfryd serves without a usable spool (and `belfry fire` reports its own failure to spool).
    SpoolIntake(std::string directory, FirePath& firePath,
                std::chrono::milliseconds interval = kSweepInterval);
    ~SpoolIntake();  // stop()
    SpoolIntake(const SpoolIntake&) = delete;
    SpoolIntake& operator=(const SpoolIntake&) = delete;

    // Takes spooled fires now, in file-name order (oldest spool time first), until all are taken,
    // `budget` is spent or stop() is called. Never throws.
    SweepCounts sweep(std::chrono::milliseconds budget = std::chrono::hours(24));

    // Sweeps every `interval` on a thread of its own until stop().
    void start();
    void stop();

    const std::string& directory() const { return directory_; }

  private:
    enum class Outcome { Taken, Rejected, Left, Skipped };
    Outcome takeFile(const std::string& name);
    void removeIfAbandoned(const Poco::File& file);
    Outcome setAside(const std::string& name, const std::string& reason);
    Outcome takeFire(const std::string& name, const spool::SpooledFire& fire);

    std::string directory_;
    std::string rejectedDir_;
    FirePath& firePath_;
    std::mutex sweepMutex_;
    // Files already handled that could not be removed or moved: not taken (or reported) again.
    std::set<std::string> stuck_;

    std::atomic<bool> stopping_{false};  // a sweep in progress ends early
    PeriodicTask sweeps_;                // last: its thread uses everything above
};

}  // namespace belfry
