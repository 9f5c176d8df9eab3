#include "sqlite_history_pruner.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>

#include "store.h"
#include "write_turns.h"

namespace belfry {

using namespace Poco::Data::Keywords;

namespace {

// An ended run: it has a finish time and is in no state that a worker may still change. The
// finish time alone would do today; the state check keeps a future state safe.
constexpr const char* kEnded = "finished_at IS NOT NULL AND state NOT IN ('queued', 'running')";

// The run that owns a job's newest scheduled slot stays (see the header).
constexpr const char* kNotLatestSlot =
    "NOT (slot IS NOT NULL AND trigger IN ('schedule', 'catchup') AND duplicate_of IS NULL AND "
    "slot = (SELECT MAX(s.slot) FROM runs s WHERE s.job = runs.job AND s.trigger IN "
    "('schedule', 'catchup') AND s.duplicate_of IS NULL))";

}  // namespace

struct SqliteHistoryPruner::Connection {
    explicit Connection(const std::string& path)
        : session(open(path)), turns(WriteTurns::forDatabase(path)) {
        session << "PRAGMA busy_timeout=5000", now;
    }
    static Poco::Data::Session open(const std::string& path) {
        Poco::Data::SQLite::Connector::registerConnector();
        return Poco::Data::Session("SQLite", path);
    }

    // Runs one delete as its own short write transaction. BEGIN IMMEDIATE takes the write lock
    // up front, so a busy database is waited for (busy timeout) instead of failing midway.
    // The turn puts it in line with the store's commits (write_turns.h): without it, the
    // pruner polled for the lock and could lag most of a second behind a busy store.
    std::size_t deleteInTransaction(Poco::Data::Statement& statement) {
        const WriteTurns::Turn turn(*turns);
        session << "BEGIN IMMEDIATE", now;
        try {
            const auto deleted = statement.execute();
            session << "COMMIT", now;
            return deleted;
        } catch (...) {
            session << "ROLLBACK", now;
            throw;
        }
    }

    Poco::Data::Session session;
    std::shared_ptr<WriteTurns> turns;
};

SqliteHistoryPruner::SqliteHistoryPruner(const std::string& path) : path_(path) {
    try {
        connection_ = std::make_unique<Connection>(path);
    } catch (const Poco::Exception& e) {
        throw StoreError("database " + path +
                         ": cannot open for history pruning: " + e.displayText());
    }
}

SqliteHistoryPruner::~SqliteHistoryPruner() = default;

std::size_t SqliteHistoryPruner::pruneFinishedBefore(EpochMillis cutoff, std::size_t limit) {
    try {
        std::int64_t before = cutoff;
        auto max = static_cast<std::int64_t>(limit);
        Poco::Data::Statement statement(connection_->session);
        statement << std::string(
                         "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE "
                         "finished_at < ? AND ") +
                         kEnded + " AND " + kNotLatestSlot + " ORDER BY finished_at LIMIT ?)",
            use(before), use(max);
        return connection_->deleteInTransaction(statement);
    } catch (const Poco::Exception& e) {
        throw StoreError("database " + path_ + ": cannot prune old runs: " + e.displayText());
    }
}

std::vector<std::string> SqliteHistoryPruner::jobsWithMoreRunsThan(std::size_t keep) {
    try {
        std::vector<std::string> jobs;
        auto threshold = static_cast<std::int64_t>(keep);
        connection_->session << "SELECT job FROM runs GROUP BY job HAVING COUNT(*) > ?",
            use(threshold), into(jobs), now;
        return jobs;
    } catch (const Poco::Exception& e) {
        throw StoreError("database " + path_ + ": cannot count runs per job: " + e.displayText());
    }
}

std::size_t SqliteHistoryPruner::pruneBeyondNewest(const std::string& job, std::size_t keep,
                                                   std::size_t limit) {
    if (keep == 0) return 0;  // the policy parser never allows it; no meaning to guess
    try {
        // The job name is bound, never spliced: names are validated, but this is SQL.
        std::int64_t cutoff = 0;
        std::string name = job;
        auto offset = static_cast<std::int64_t>(keep - 1);
        Poco::Data::Statement newest(connection_->session);
        newest << std::string("SELECT id FROM runs WHERE job = ? AND ") + kEnded +
                      " ORDER BY id DESC LIMIT 1 OFFSET ?",
            use(name), use(offset), into(cutoff);
        if (newest.execute() == 0) return 0;  // not more than `keep` ended runs

        Poco::Data::Statement statement(connection_->session);
        auto max = static_cast<std::int64_t>(limit);
        statement << std::string(
                         "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE "
                         "job = ? AND id < ? AND ") +
                         kEnded + " AND " + kNotLatestSlot + " ORDER BY id LIMIT ?)",
            use(name), use(cutoff), use(max);
        return connection_->deleteInTransaction(statement);
    } catch (const Poco::Exception& e) {
        throw StoreError("database " + path_ + ": cannot prune runs of job " + job + ": " +
                         e.displayText());
    }
}

}  // namespace belfry
