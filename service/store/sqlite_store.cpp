// SQLite implementation of Store through Poco::Data. Two connections: one writes, serialised by a
// group commit (group_commit.h), since SQLite serialises writers anyway, every statement here is
// short (no query waits on a job), and operations that arrive together share one commit; the
// other reads, and sees only committed state (WAL gives it a snapshot per read), so no answer
// ever reports what a crash could undo and no read waits for someone else's batch.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Nullable.h>

#include <mutex>
#include <sstream>

#include "group_commit.h"
#include "job_cache.h"
#include "job_json.h"
#include "sqlite_migrations.h"
#include "sqlite_statement.h"
#include "store.h"
#include "timestamps.h"

namespace belfry {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;

template <typename T>
Poco::Nullable<T> nullable(const std::optional<T>& value) {
    return value ? Poco::Nullable<T>(*value) : Poco::Nullable<T>();
}

std::optional<std::int64_t> optionalInt(RecordSet& rows, const std::string& column) {
    const auto value = rows[column];
    if (value.isEmpty()) return std::nullopt;
    return value.convert<std::int64_t>();
}

std::optional<int> optionalSmallInt(RecordSet& rows, const std::string& column) {
    const auto value = optionalInt(rows, column);
    return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

Poco::Nullable<std::string> spoolIdOf(const NewRun& run) {
    return run.spoolId.empty() ? Poco::Nullable<std::string>()
                               : Poco::Nullable<std::string>(run.spoolId);
}

std::string toJsonText(const Job& job) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(jobToJson(job), out);
    return out.str();
}

// Splits a migration into statements: migrations are plain DDL with no semicolon inside literals
// or comments.
std::vector<std::string> splitStatements(const std::string& script) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < script.size()) {
        auto end = script.find(';', start);
        if (end == std::string::npos) end = script.size();
        auto statement = script.substr(start, end - start);
        if (statement.find_first_not_of(" \n\t") != std::string::npos) out.push_back(statement);
        start = end + 1;
    }
    return out;
}

const char* kRunColumns =
    "id, job, trigger, slot, attempt, state, queued_at, started_at, finished_at, exit_code, "
    "signal, http_status, output, error, node, due_at";

// The writes on every run's path, prepared once (sqlite_statement.h), after the schema is current.
struct RunStatements {
    explicit RunStatements(sqlite3* db)
        : insert(db,
                 "INSERT INTO runs (job, trigger, slot, attempt, state, queued_at, node, due_at, "
                 "spool_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)"),
          markRunning(db,
                      "UPDATE runs SET state = 'running', started_at = ? WHERE id = ? AND "
                      "state = 'queued'"),
          finish(db,
                 "UPDATE runs SET state = ?, finished_at = ?, exit_code = ?, signal = ?, "
                 "http_status = ?, output = ?, error = ? "
                 "WHERE id = ? AND state IN ('queued', 'running')"),
          slotOwner(db,
                    "SELECT id FROM runs WHERE job = ? AND slot = ? AND trigger IN "
                    "('schedule', 'catchup') AND duplicate_of IS NULL") {}

    SqliteStatement insert;
    SqliteStatement markRunning;
    SqliteStatement finish;
    SqliteStatement slotOwner;
};

// The reading connection and what it reads on every run's path.
struct Reader {
    explicit Reader(Session opened)
        : session(std::move(opened)),
          loadRun(Poco::Data::SQLite::Utility::dbHandle(session),
                  std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?") {}

    Session session;
    SqliteStatement loadRun;
};

Run runFromRow(RecordSet& rows) {
    Run run;
    run.id = rows["id"].convert<std::int64_t>();
    run.job = rows["job"].convert<std::string>();
    run.trigger = triggerFromString(rows["trigger"].convert<std::string>()).value_or(Trigger::Api);
    run.slot = optionalInt(rows, "slot");
    run.attempt = rows["attempt"].convert<int>();
    run.state = runStateFromString(rows["state"].convert<std::string>()).value_or(RunState::Failed);
    run.queuedAt = rows["queued_at"].convert<std::int64_t>();
    run.startedAt = optionalInt(rows, "started_at");
    run.finishedAt = optionalInt(rows, "finished_at");
    run.exitCode = optionalSmallInt(rows, "exit_code");
    run.signal = optionalSmallInt(rows, "signal");
    run.httpStatus = optionalSmallInt(rows, "http_status");
    run.output = rows["output"].convert<std::string>();
    run.error = rows["error"].convert<std::string>();
    run.node = rows["node"].convert<std::string>();
    run.dueAt = optionalInt(rows, "due_at");
    return run;
}

class SqliteStore final : public Store {
  public:
    SqliteStore(const std::string& path, const SqliteOptions& options)
        : session_(open(path)), path_(path) {
        session_ << "PRAGMA journal_mode=WAL", now;
        session_ << "PRAGMA synchronous=" + options.synchronous, now;
        session_ << "PRAGMA busy_timeout=5000", now;
        migrate();
        statements_ = std::make_unique<RunStatements>(db_);
        auto reading = open(path);
        // Readers wait only while a checkpoint resets the WAL; query_only keeps them readers.
        reading << "PRAGMA busy_timeout=5000", now;
        reading << "PRAGMA query_only=1", now;
        reader_ = std::make_unique<Reader>(std::move(reading));
    }

    bool insertJob(Job& job) override {
        return guarded("create job " + job.name, [&] {
            int existing = 0;
            session_ << "SELECT COUNT(*) FROM jobs WHERE name = ?", use(job.name), into(existing),
                now;
            if (existing) return false;
            job.createdAt = job.updatedAt = nowMillis();
            auto text = toJsonText(job);
            int enabled = job.enabled;
            session_ << "INSERT INTO jobs (name, definition, enabled, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                use(job.name), use(text), use(enabled), use(job.createdAt), use(job.updatedAt), now;
            forgetJobOnCommit(job.name);
            return true;
        });
    }

    bool updateJob(Job& job) override {
        return guarded("update job " + job.name, [&] {
            const auto existing = loadJob(session_, job.name);
            if (!existing) return false;
            job.createdAt = existing->createdAt;
            job.updatedAt = nowMillis();
            auto text = toJsonText(job);
            int enabled = job.enabled;
            session_
                << "UPDATE jobs SET definition = ?, enabled = ?, updated_at = ? WHERE name = ?",
                use(text), use(enabled), use(job.updatedAt), use(job.name), now;
            forgetJobOnCommit(job.name);
            return true;
        });
    }

    bool deleteJob(const std::string& name) override {
        return guarded("delete job " + name, [&] {
            std::string key = name;
            Statement statement(session_);
            statement << "DELETE FROM jobs WHERE name = ?", use(key);
            forgetJobOnCommit(name);
            return statement.execute() > 0;
        });
    }

    bool setJobEnabled(const std::string& name, bool enabled) override {
        return guarded("set enabled on job " + name, [&] {
            auto job = loadJob(session_, name);
            if (!job) return false;
            job->enabled = enabled;
            job->updatedAt = nowMillis();
            auto text = toJsonText(*job);
            int flag = enabled;
            session_
                << "UPDATE jobs SET definition = ?, enabled = ?, updated_at = ? WHERE name = ?",
                use(text), use(flag), use(job->updatedAt), use(job->name), now;
            forgetJobOnCommit(job->name);
            return true;
        });
    }

    std::optional<Job> job(const std::string& name) override {
        return reading("read job " + name, [&] { return readJob(name); });
    }

    std::vector<Job> jobs() override {
        return reading("list jobs", [&] {
            Statement select(reader_->session);
            select << "SELECT definition, created_at, updated_at FROM jobs ORDER BY name", now;
            RecordSet rows(select);
            std::vector<Job> out;
            for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
                out.push_back(jobFromRow(rows));
            }
            return out;
        });
    }

    RunId insertRun(const NewRun& run) override {
        return guarded("record a run of " + run.job, [&] { return insertRunLocked(run); });
    }

    std::vector<RunId> insertRuns(const std::vector<NewRun>& runs) override {
        return guarded("record " + std::to_string(runs.size()) + " runs", [&] {
            std::vector<RunId> ids;
            ids.reserve(runs.size());
            for (const auto& run : runs) ids.push_back(insertRunLocked(run));
            return ids;
        });
    }

    FireOutcome insertScheduledRun(const NewRun& run) override {
        return guarded("record a fire of " + run.job, [&] {
            std::optional<RunId> existing;
            {
                auto select = statements_->slotOwner.execute();
                select.bind(1, run.job).bind(2, run.slot);
                if (select.step()) existing = select.integer(0);
            }
            if (!existing) return FireOutcome{insertRunLocked(run), false, 0};
            RunId owner = *existing;
            auto slot = nullable(run.slot);
            std::string job2 = run.job;
            std::string trigger = toString(run.trigger);
            int attempt = run.attempt;
            std::string node = run.node;
            std::string error =
                "duplicate fire: this slot already ran as run " + std::to_string(owner);
            EpochMillis at = nowMillis();
            auto spoolId = spoolIdOf(run);
            session_ << "INSERT INTO runs (job, trigger, slot, attempt, state, queued_at, "
                        "finished_at, node, error, duplicate_of, spool_id) "
                        "VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?, ?, ?, ?)",
                use(job2), use(trigger), use(slot), use(attempt), use(at), use(at), use(node),
                use(error), use(owner), use(spoolId), now;
            RunId record = 0;
            session_ << "SELECT last_insert_rowid()", into(record), now;
            return FireOutcome{owner, true, record};
        });
    }

    std::optional<RunId> runOfSpooledFire(const std::string& spoolId) override {
        return reading("look up spooled fire " + spoolId, [&]() -> std::optional<RunId> {
            std::string key = spoolId;
            Poco::Nullable<std::int64_t> id;
            reader_->session << "SELECT id FROM runs WHERE spool_id = ?", use(key), into(id), now;
            if (id.isNull()) return std::nullopt;
            return id.value();
        });
    }

    std::optional<EpochMillis> latestSlot(const std::string& job) override {
        return reading("read the latest slot of " + job, [&]() -> std::optional<EpochMillis> {
            std::string key = job;
            Poco::Nullable<std::int64_t> slot;
            reader_->session << "SELECT MAX(slot) FROM runs WHERE job = ? AND trigger IN "
                                "('schedule', 'catchup') AND duplicate_of IS NULL",
                use(key), into(slot), now;
            if (slot.isNull()) return std::nullopt;
            return slot.value();
        });
    }

    bool markRunning(RunId id, EpochMillis startedAt) override {
        return guarded("start run " + std::to_string(id), [&] {
            return statements_->markRunning.execute().bind(1, startedAt).bind(2, id).run() > 0;
        });
    }

    bool finishRun(RunId id, const RunResult& result, EpochMillis finishedAt) override {
        return guarded("finish run " + std::to_string(id),
                       [&] { return finishRunLocked(id, result, finishedAt); });
    }

    std::optional<std::vector<RunId>> finishRunAndQueue(RunId id, const RunResult& result,
                                                        EpochMillis finishedAt,
                                                        const std::vector<NewRun>& next) override {
        return guarded(finishAndQueueOperation(id),
                       [&] { return finishRunAndQueueLocked(id, result, finishedAt, next); });
    }

    void finishRunAndQueueThen(RunId id, RunResult result, EpochMillis finishedAt,
                               std::vector<NewRun> next, FinishedThen then) override {
        auto queued = std::make_shared<std::optional<std::vector<RunId>>>();
        commits_.post([this, id, result = std::move(result), finishedAt, next = std::move(next),
                       queued] { *queued = finishRunAndQueueLocked(id, result, finishedAt, next); },
                      [this, id, queued, then = std::move(then)](std::exception_ptr error) {
                          if (error) {
                              then(std::nullopt, translated(finishAndQueueOperation(id), error));
                          } else {
                              then(std::move(*queued), nullptr);
                          }
                      });
    }

    std::optional<Run> run(RunId id) override {
        return reading("read run " + std::to_string(id), [&] { return loadRun(id); });
    }

    std::optional<RunAndJob> runAndJob(RunId id) override {
        return reading("read run " + std::to_string(id) + " and its job",
                       [&]() -> std::optional<RunAndJob> {
                           auto run = loadRun(id);
                           if (!run) return std::nullopt;
                           auto job = readJob(run->job);
                           return RunAndJob{std::move(*run), std::move(job)};
                       });
    }

    std::vector<Run> runs(const RunFilter& filter) override {
        return reading("list runs", [&] {
            // The optional filters are bound as NULLs and skipped in SQL; SQLite's planner still
            // picks the matching (job|state, id) index for the constant ones.
            std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1";
            std::string job = filter.job.value_or("");
            std::string state = filter.state ? toString(*filter.state) : "";
            RunId before = filter.before.value_or(0);
            int limit = filter.limit;
            Statement select(reader_->session);
            if (filter.job) sql += " AND job = ?";
            if (filter.state) sql += " AND state = ?";
            if (filter.before) sql += " AND id < ?";
            sql += " ORDER BY id DESC LIMIT ?";
            select << sql;
            if (filter.job) select, use(job);
            if (filter.state) select, use(state);
            if (filter.before) select, use(before);
            select, use(limit);
            select.execute();
            RecordSet rows(select);
            std::vector<Run> out;
            for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
                out.push_back(runFromRow(rows));
            }
            return out;
        });
    }

    int interruptAbandonedRuns(EpochMillis now) override {
        return guarded("recover interrupted runs", [&] {
            std::string error = "belfryd stopped while the run was in progress";
            Statement statement(session_);
            statement << "UPDATE runs SET state = 'interrupted', finished_at = ?, error = ? "
                         "WHERE state = 'running'",
                use(now), use(error);
            return static_cast<int>(statement.execute());
        });
    }

    std::vector<RunId> queuedRuns() override {
        return reading("list queued runs", [&] {
            std::vector<RunId> ids;
            reader_->session << "SELECT id FROM runs WHERE state = 'queued' ORDER BY id", into(ids),
                now;
            return ids;
        });
    }

  private:
    static Session open(const std::string& path) {
        Poco::Data::SQLite::Connector::registerConnector();
        try {
            return Session("SQLite", path);
        } catch (const Poco::Exception& e) {
            throw StoreError("cannot open database " + path + ": " + e.displayText());
        }
    }

    // Operations that change something go through the group commit (guarded()) and use session_;
    // those that only read use the reader (reading()), one at a time.
    template <typename Fn>
    auto guarded(const std::string& operation, Fn&& fn) -> decltype(fn()) {
        return translatingErrors(operation, [&] { return commits_.run(std::forward<Fn>(fn)); });
    }

    template <typename Fn>
    auto reading(const std::string& operation, Fn&& fn) -> decltype(fn()) {
        return translatingErrors(operation, [&] {
            std::lock_guard<std::mutex> lock(readerMutex_);
            return fn();
        });
    }

    // Within a write: the cached definition goes once the change is committed (job_cache.h).
    void forgetJobOnCommit(const std::string& name) {
        commits_.afterCommit([this, name] { jobs_.forget(name); });
    }

    template <typename Fn>
    auto translatingErrors(const std::string& operation, Fn&& fn) -> decltype(fn()) {
        try {
            return fn();
        } catch (const Poco::Exception& e) {
            throw StoreError("database " + path_ + ": cannot " + operation + ": " +
                             e.displayText());
        } catch (const SqliteError& e) {
            throw StoreError("database " + path_ + ": cannot " + operation + ": " + e.what());
        }
    }

    // The StoreError that `error` becomes, as translatingErrors() would throw it.
    std::exception_ptr translated(const std::string& operation, std::exception_ptr error) {
        try {
            translatingErrors(operation, [&] { std::rethrow_exception(error); });
        } catch (...) {
            return std::current_exception();
        }
        return error;
    }

    void migrate() {
        int version = 0;
        session_ << "PRAGMA user_version", into(version), now;
        const auto& migrations = sqliteMigrations();
        if (version > static_cast<int>(migrations.size())) {
            throw StoreError("database " + path_ + " has schema version " +
                             std::to_string(version) + ", newer than this belfryd understands (" +
                             std::to_string(migrations.size()) + "); refusing to touch it");
        }
        for (auto index = static_cast<std::size_t>(version); index < migrations.size(); ++index) {
            try {
                session_.begin();
                for (const auto& statement : splitStatements(migrations[index])) {
                    session_ << statement, now;
                }
                session_ << "PRAGMA user_version = " + std::to_string(index + 1), now;
                session_.commit();
            } catch (const Poco::Exception& e) {
                if (session_.isTransaction()) session_.rollback();
                throw StoreError("database " + path_ + ": migration " + std::to_string(index + 1) +
                                 " failed: " + e.displayText());
            }
        }
    }

    RunId insertRunLocked(const NewRun& run) {
        const std::string trigger = toString(run.trigger);
        auto insert = statements_->insert.execute();
        insert.bind(1, run.job)
            .bind(2, trigger)
            .bind(3, run.slot)
            .bind(4, static_cast<std::int64_t>(run.attempt))
            .bind(5, nowMillis())
            .bind(6, run.node)
            .bind(7, run.dueAt);
        if (run.spoolId.empty()) {
            insert.bindNull(8);
        } else {
            insert.bind(8, run.spoolId);
        }
        insert.run();
        return sqlite3_last_insert_rowid(db_);
    }

    bool finishRunLocked(RunId id, const RunResult& result, EpochMillis finishedAt) {
        const std::string state = toString(result.state);
        return statements_->finish.execute()
                   .bind(1, state)
                   .bind(2, finishedAt)
                   .bind(3, result.exitCode)
                   .bind(4, result.signal)
                   .bind(5, result.httpStatus)
                   .bind(6, result.output)
                   .bind(7, result.error)
                   .bind(8, id)
                   .run() > 0;
    }

    // A job as the reader sees it, parsed once per committed version (job_cache.h). Only this
    // object writes the jobs table (an operator changes jobs through the API), so the cache
    // learns of every change.
    std::optional<Job> readJob(const std::string& name) {
        if (auto cached = jobs_.find(name)) return cached;
        const auto generation = jobs_.generation();
        auto job = loadJob(reader_->session, name);
        if (job) jobs_.keep(*job, generation);
        return job;
    }

    static std::optional<Job> loadJob(Session& session, const std::string& name) {
        std::string key = name;
        Statement select(session);
        select << "SELECT definition, created_at, updated_at FROM jobs WHERE name = ?", use(key),
            now;
        RecordSet rows(select);
        if (!rows.moveFirst()) return std::nullopt;
        return jobFromRow(rows);
    }

    // One operation, so one transaction (or savepoint) of the group commit: the end of the run and
    // the runs that follow it are committed together or not at all. nullopt when the run had
    // ended already (nothing is queued then).
    std::optional<std::vector<RunId>> finishRunAndQueueLocked(RunId id, const RunResult& result,
                                                              EpochMillis finishedAt,
                                                              const std::vector<NewRun>& next) {
        if (!finishRunLocked(id, result, finishedAt)) return std::nullopt;
        std::vector<RunId> queued;
        for (const auto& run : next) queued.push_back(insertRunLocked(run));
        return queued;
    }

    static std::string finishAndQueueOperation(RunId id) {
        return "finish run " + std::to_string(id) + " and queue what follows it";
    }

    // One run by id (the columns in kRunColumns' order): this read sits on every run's path.
    std::optional<Run> loadRun(RunId id) {
        auto select = reader_->loadRun.execute();
        select.bind(1, id);
        if (!select.step()) return std::nullopt;
        const auto small = [&](int column) -> std::optional<int> {
            const auto value = select.optionalInteger(column);
            if (!value) return std::nullopt;
            return static_cast<int>(*value);
        };
        Run run;
        run.id = select.integer(0);
        run.job = select.text(1);
        run.trigger = triggerFromString(select.text(2)).value_or(Trigger::Api);
        run.slot = select.optionalInteger(3);
        run.attempt = static_cast<int>(select.integer(4));
        run.state = runStateFromString(select.text(5)).value_or(RunState::Failed);
        run.queuedAt = select.integer(6);
        run.startedAt = select.optionalInteger(7);
        run.finishedAt = select.optionalInteger(8);
        run.exitCode = small(9);
        run.signal = small(10);
        run.httpStatus = small(11);
        run.output = select.text(12);
        run.error = select.text(13);
        run.node = select.text(14);
        run.dueAt = select.optionalInteger(15);
        return run;
    }

    static Job jobFromRow(RecordSet& rows) {
        auto job = jobFromJson(*parseJsonObject(rows["definition"].convert<std::string>()));
        job.createdAt = rows["created_at"].convert<std::int64_t>();
        job.updatedAt = rows["updated_at"].convert<std::int64_t>();
        return job;
    }

    Session session_;
    std::string path_;
    sqlite3* db_ = Poco::Data::SQLite::Utility::dbHandle(session_);
    GroupCommit commits_{session_, WriteTurns::forDatabase(path_)};
    std::unique_ptr<RunStatements> statements_;  // used under commits_, like the connection
    std::mutex readerMutex_;
    std::unique_ptr<Reader> reader_;  // guarded by readerMutex_
    JobCache jobs_;
};

}  // namespace

std::unique_ptr<Store> openSqliteStore(const std::string& path, const SqliteOptions& options) {
    if (options.synchronous != "FULL" && options.synchronous != "NORMAL") {
        throw StoreError("store.synchronous must be FULL or NORMAL, not '" + options.synchronous +
                         "'");
    }
    try {
        return std::make_unique<SqliteStore>(path, options);
    } catch (const Poco::Exception& e) {
        throw StoreError("database " + path + ": " + e.displayText());
    }
}

}  // namespace belfry
