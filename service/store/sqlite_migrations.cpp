#include "sqlite_migrations.h"

namespace belfry {

const std::vector<std::string>& sqliteMigrations() {
    static const std::vector<std::string> kMigrations{
        // 1: jobs keep their canonical JSON definition, so new job fields need no migration;
        // runs are one row per attempt. Instants are milliseconds since the epoch, UTC.
        R"SQL(
CREATE TABLE jobs (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job         TEXT NOT NULL,
    trigger     TEXT NOT NULL,
    slot        INTEGER,
    attempt     INTEGER NOT NULL,
    state       TEXT NOT NULL,
    queued_at   INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    exit_code   INTEGER,
    signal      INTEGER,
    http_status INTEGER,
    output      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    node        TEXT NOT NULL
);
-- A scheduled fire is unique per (job, slot): the farm-wide guarantee rests on this index.
CREATE UNIQUE INDEX runs_scheduled_slot ON runs (job, slot) WHERE trigger IN ('schedule', 'catchup');
-- History is read newest first, by job, by state, or both (the id is the paging cursor).
CREATE INDEX runs_by_job ON runs (job, id);
CREATE INDEX runs_by_state ON runs (state, id);
CREATE INDEX runs_by_job_state ON runs (job, state, id);
)SQL",
        // 2: a doubled fire is recorded as its own `skipped` row pointing at the run that took the
        // slot; such rows stay out of the uniqueness rule.
        R"SQL(
ALTER TABLE runs ADD COLUMN duplicate_of INTEGER;
DROP INDEX runs_scheduled_slot;
CREATE UNIQUE INDEX runs_scheduled_slot ON runs (job, slot)
    WHERE trigger IN ('schedule', 'catchup') AND duplicate_of IS NULL;
)SQL",
        // 3: history retention deletes ended runs oldest-finished first; without this index every
        // pruning pass would scan the whole table.
        R"SQL(
CREATE INDEX runs_by_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
)SQL",
        // 4: a queued run may wait for its due time (a retry's back-off, a delayed API run); the
        // time is stored so the wait survives a restart.
        R"SQL(
ALTER TABLE runs ADD COLUMN due_at INTEGER;
)SQL",
        // 5: a fire taken from the spool carries the spool file's id, so that the file is taken
        // once even if belfryd dies between recording the run and removing the file.
        R"SQL(
ALTER TABLE runs ADD COLUMN spool_id TEXT;
CREATE UNIQUE INDEX runs_by_spool_id ON runs (spool_id) WHERE spool_id IS NOT NULL;
)SQL",
    };
    return kMigrations;
}

}  // namespace belfry
