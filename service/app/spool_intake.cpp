#include "spool_intake.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Timestamp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "store.h"
#include "timestamps.h"

namespace belfry {
namespace {

std::string joinPath(const std::string& directory, const std::string& name) {
    return !directory.empty() && directory.back() == '/' ? directory + name
                                                         : directory + "/" + name;
}

// Up to kMaxFileBytes + 1 bytes: enough for the parser to tell a spool file from anything larger.
bool readSpoolFile(const std::string& path, std::string* text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    text->assign(spool::kMaxFileBytes + 1, '\0');
    in.read(text->data(), static_cast<std::streamsize>(text->size()));
    if (in.bad()) return false;
    text->resize(static_cast<std::size_t>(in.gcount()));
    return true;
}

std::string describe(const spool::SpooledFire& fire) {
    std::string text = std::string(spool::toString(fire.trigger)) + " fire of job " + fire.job;
    if (fire.elapsedUsec) {
        text += " (timer elapsed " + formatIso(static_cast<EpochMillis>(*fire.elapsedUsec / 1000)) +
                ")";
    }
    return text + ", spooled at " + formatIso(fire.spooledAt * 1000);
}

}  // namespace

SpoolIntake::SpoolIntake(std::string directory, FirePath& firePath,
                         std::chrono::milliseconds interval)
    : directory_(std::move(directory)),
      rejectedDir_(joinPath(directory_, spool::kRejectedFolder)),
      firePath_(firePath),
      sweeps_(interval, [this] { sweep(); }) {
    try {
        Poco::File(rejectedDir_).createDirectories();
    } catch (const Poco::Exception& e) {
        spdlog::error("spool: cannot create {}: {}; spooled fires cannot be taken", rejectedDir_,
                      e.displayText());
    }
}

SpoolIntake::~SpoolIntake() {
    stop();
}

SpoolIntake::SweepCounts SpoolIntake::sweep(std::chrono::milliseconds budget) {
    std::lock_guard<std::mutex> lock(sweepMutex_);
    const auto deadline = std::chrono::steady_clock::now() + budget;
    SweepCounts counts;
    std::vector<std::string> names;
    try {
        for (Poco::DirectoryIterator it(directory_), end; it != end; ++it) {
            const std::string& name = it.name();
            if (spool::isWriterTempName(name)) {
                removeIfAbandoned(*it);
                continue;
            }
            if (name == spool::kRejectedFolder || stuck_.count(name)) continue;
            names.push_back(name);
        }
    } catch (const Poco::Exception& e) {
        // Absent (never created, or removed by hand): nothing spooled. Anything else is worth
        // a line, once per sweep.
        if (Poco::File(directory_).exists())
            spdlog::error("spool: cannot list {}: {}", directory_, e.displayText());
        return counts;
    }
    std::sort(names.begin(), names.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (std::chrono::steady_clock::now() > deadline || stopping_) {
            counts.left = static_cast<int>(names.size() - i);
            break;
        }
        Outcome outcome = Outcome::Skipped;
        try {
            outcome = takeFile(names[i]);
        } catch (const std::exception& e) {
            // A filesystem surprise on one file must not stop belfryd or the other files.
            stuck_.insert(names[i]);
            spdlog::error("spool: cannot handle {}: {}", joinPath(directory_, names[i]), e.what());
        }
        if (outcome == Outcome::Taken) ++counts.taken;
        if (outcome == Outcome::Rejected) ++counts.rejected;
        if (outcome == Outcome::Left) {
            // The store failed; the others would fail alike. They stay for the next sweep.
            counts.left = static_cast<int>(names.size() - i);
            break;
        }
    }
    if (counts.taken + counts.rejected + counts.left > 0) {
        spdlog::info("spool: took {} fire(s), set aside {}, left {} in {}", counts.taken,
                     counts.rejected, counts.left, directory_);
    }
    return counts;
}

void SpoolIntake::removeIfAbandoned(const Poco::File& file) {
    try {
        if (!file.isFile()) return;
        const auto age = Poco::Timestamp() - file.getLastModified();  // microseconds
        if (age < std::chrono::duration_cast<std::chrono::microseconds>(kStaleWriterAge).count())
            return;
        Poco::File(file).remove();
        spdlog::warn(
            "spool: removed {}, a writer's file abandoned for over an hour (a `belfry "
            "fire` killed while spooling; it had not spooled the fire)",
            file.path());
    } catch (const Poco::Exception& e) {
        spdlog::error("spool: cannot remove the abandoned {}: {}", file.path(), e.displayText());
    }
}

SpoolIntake::Outcome SpoolIntake::takeFile(const std::string& name) {
    const std::string path = joinPath(directory_, name);
    Poco::File file(path);
    try {
        if (!file.exists()) return Outcome::Skipped;  // gone meanwhile
        // rejected/, or an admin's folder: not a fire, and not ours to move.
        if (file.isDirectory() && !file.isLink()) return Outcome::Skipped;
        if (file.isLink() || !file.isFile()) return setAside(name, "not a regular file");
    } catch (const Poco::Exception& e) {
        return setAside(name, e.displayText());
    }
    std::string text;
    if (!readSpoolFile(path, &text)) return setAside(name, "cannot be read");
    spool::SpooledFire fire;
    std::string error;
    if (!spool::parseSpooledFire(text, &fire, &error)) {
        return setAside(name, "not a spooled fire belfryd can take: " + error);
    }
    return takeFire(name, fire);
}

SpoolIntake::Outcome SpoolIntake::takeFire(const std::string& name,
                                           const spool::SpooledFire& fire) {
    std::optional<EpochMillis> elapsed;
    if (fire.elapsedUsec) elapsed = static_cast<EpochMillis>(*fire.elapsedUsec / 1000);
    FirePath::Result result;
    try {
        result = firePath_.fire(fire.job, elapsed, fire.id);
    } catch (const std::exception& e) {
        spdlog::error("spool: cannot take the {} now ({}); it stays in {}", describe(fire),
                      e.what(), directory_);
        return Outcome::Left;
    }
    switch (result.status) {
        case FirePath::Result::Status::NoSuchJob:
            return setAside(name, "job " + fire.job + " does not exist");
        case FirePath::Result::Status::Disabled:
            // As POST /v1/jobs/NAME/fire answers 409: disabling a job stops its timer fires.
            return setAside(name, "job " + fire.job + " is disabled");
        case FirePath::Result::Status::Accepted:
            break;
    }
    if (result.takenBefore) {
        spdlog::info("spool: the {} was taken before, as run {}; removing its file", describe(fire),
                     result.run);
    } else {
        spdlog::info("spool: took the {} as run {}{}", describe(fire), result.run,
                     result.duplicate ? " (its slot had run already: recorded as skipped)" : "");
    }
    try {
        Poco::File(joinPath(directory_, name)).remove();
    } catch (const Poco::Exception& e) {
        // Taken again, it would only be recognised (its id is recorded); still, say so.
        stuck_.insert(name);
        spdlog::error("spool: took {} but cannot remove it: {}; remove it by hand", name,
                      e.displayText());
    }
    return Outcome::Taken;
}

SpoolIntake::Outcome SpoolIntake::setAside(const std::string& name, const std::string& reason) {
    std::string target = joinPath(rejectedDir_, name);
    for (int n = 1; Poco::File(target).exists(); ++n) {
        target = joinPath(rejectedDir_, name + "." + std::to_string(n));
    }
    try {
        Poco::File(rejectedDir_).createDirectories();  // removed by hand since the start?
        Poco::File(joinPath(directory_, name)).renameTo(target);
    } catch (const Poco::Exception& e) {
        stuck_.insert(name);
        spdlog::error("spool: refused {} ({}), and cannot move it to {}: {}",
                      joinPath(directory_, name), reason, rejectedDir_, e.displayText());
        return Outcome::Rejected;
    }
    spdlog::warn("spool: refused {}: {}; moved to {}", joinPath(directory_, name), reason, target);
    return Outcome::Rejected;
}

void SpoolIntake::start() {
    stopping_ = false;
    sweeps_.start();
}

void SpoolIntake::stop() {
    stopping_ = true;
    sweeps_.stop();
}

}  // namespace belfry
