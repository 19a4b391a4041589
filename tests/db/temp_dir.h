// A fresh temporary directory per test, removed with everything in it.
#ifndef AGENTD_TESTS_DB_TEMP_DIR_H_
#define AGENTD_TESTS_DB_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace agentd::testing_db {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "agentd_db_test.XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace agentd::testing_db

#endif  // AGENTD_TESTS_DB_TEMP_DIR_H_
