#include "sqlite_statement.h"

namespace belfry {

SqliteStatement::SqliteStatement(sqlite3* db, const std::string& sql) : db_(db), sql_(sql) {
    // Persistent: SQLite keeps it out of the lookaside it reserves for short-lived statements.
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) {
        fail("prepare");
    }
}

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(statement_);
}

void SqliteStatement::fail(const char* what) const {
    throw SqliteError(std::string("cannot ") + what + " [" + sql_ + "]: " + sqlite3_errmsg(db_));
}

SqliteStatement::Execution::~Execution() {
    sqlite3_reset(statement_.statement_);
    sqlite3_clear_bindings(statement_.statement_);
}

SqliteStatement::Execution& SqliteStatement::Execution::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_.statement_, index, value) != SQLITE_OK)
        statement_.fail("bind");
    return *this;
}

SqliteStatement::Execution& SqliteStatement::Execution::bind(
    int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

SqliteStatement::Execution& SqliteStatement::Execution::bind(int index,
                                                             const std::optional<int>& value) {
    return value ? bind(index, static_cast<std::int64_t>(*value)) : bindNull(index);
}

SqliteStatement::Execution& SqliteStatement::Execution::bind(int index, const std::string& value) {
    if (sqlite3_bind_text(statement_.statement_, index, value.data(),
                          static_cast<int>(value.size()), SQLITE_STATIC) != SQLITE_OK) {
        statement_.fail("bind");
    }
    return *this;
}

SqliteStatement::Execution& SqliteStatement::Execution::bindNull(int index) {
    if (sqlite3_bind_null(statement_.statement_, index) != SQLITE_OK) statement_.fail("bind");
    return *this;
}

bool SqliteStatement::Execution::step() {
    const int code = sqlite3_step(statement_.statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    statement_.fail("execute");
}

int SqliteStatement::Execution::run() {
    while (step()) {
    }
    return sqlite3_changes(statement_.db_);
}

std::int64_t SqliteStatement::Execution::integer(int column) const {
    return sqlite3_column_int64(statement_.statement_, column);
}

std::optional<std::int64_t> SqliteStatement::Execution::optionalInteger(int column) const {
    if (sqlite3_column_type(statement_.statement_, column) == SQLITE_NULL) return std::nullopt;
    return integer(column);
}

std::string SqliteStatement::Execution::text(int column) const {
    const auto* data = sqlite3_column_text(statement_.statement_, column);
    if (!data) return {};
    return std::string(
        reinterpret_cast<const char*>(data),
        static_cast<std::size_t>(sqlite3_column_bytes(statement_.statement_, column)));
}

}  // namespace belfry
