// A prepared SQLite statement kept for the life of its connection, for the statements on every
// run's path. Poco::Data parses and prepares a statement anew on each execution, which costs more
// than the statement itself once commits are shared (group_commit.h); a cached sqlite3_stmt is
// bound and stepped directly.
//
// Errors throw SqliteError with SQLite's message. Thread-safety: none; the owner serialises use
// (the store's group commit does).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace belfry {

class SqliteError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class SqliteStatement {
  public:
    SqliteStatement(sqlite3* db, const std::string& sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // One execution: binds parameters (1-based, as in SQL), steps through the rows, and resets
    // the statement (and clears its bindings) when it goes out of scope, so a statement left
    // half-read by an exception is ready for the next use.
    class Execution {
      public:
        explicit Execution(SqliteStatement& statement) : statement_(statement) {}
        ~Execution();
        Execution(const Execution&) = delete;
        Execution& operator=(const Execution&) = delete;

        Execution& bind(int index, std::int64_t value);
        Execution& bind(int index, const std::optional<std::int64_t>& value);
        Execution& bind(int index, const std::optional<int>& value);
        // The text must outlive the execution (SQLite does not copy it).
        Execution& bind(int index, const std::string& value);
        Execution& bindNull(int index);

        // Advances to the next row: false when there is none (the statement is done).
        bool step();
        // Runs a statement that returns no rows; returns the number of rows it changed.
        int run();

        std::int64_t integer(int column) const;
        std::optional<std::int64_t> optionalInteger(int column) const;
        std::string text(int column) const;

      private:
        SqliteStatement& statement_;
    };

    Execution execute() { return Execution(*this); }

  private:
    [[noreturn]] void fail(const char* what) const;

    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
    std::string sql_;
};

}  // namespace belfry
