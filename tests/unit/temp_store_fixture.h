// A fresh SQLite store in a temporary directory per test, removed afterwards: the fixture of the
// store-level unit tests. Derive from it and use store_ (path_ to reopen the same file).
#pragma once

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../support/fresh_temp_dir.h"
#include "store.h"

namespace belfry {

class TempStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = test::freshTempDirectory();
        path_ = dir_ + "/belfry.db";
        store_ = openSqliteStore(path_);
    }
    void TearDown() override {
        store_.reset();
        Poco::File(dir_).remove(true);
    }

    std::string dir_;
    std::string path_;
    std::unique_ptr<Store> store_;
};

}  // namespace belfry
