// A fresh temporary folder set as $TMPDIR for one test, so that what the
// code under test leaves in $TMPDIR can be listed; the previous $TMPDIR is
// restored and the folder removed with everything in it at the end.
#ifndef AGENTD_TESTS_SERVER_PLUGIN_HOST_REMOTE_SCOPED_TMPDIR_H_
#define AGENTD_TESTS_SERVER_PLUGIN_HOST_REMOTE_SCOPED_TMPDIR_H_

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace agentd {

class ScopedTmpdir {
 public:
  ScopedTmpdir() {
    if (const char* old = getenv("TMPDIR")) previous_ = old;
    std::string tmpl = (std::filesystem::temp_directory_path() / "agentd-tmpdir-test-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (previous_) {
      setenv("TMPDIR", previous_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

  const std::string& path() const { return path_; }
  // The names in the folder, sorted.
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::optional<std::string> previous_;
  std::string path_;
};

}  // namespace agentd

#endif  // AGENTD_TESTS_SERVER_PLUGIN_HOST_REMOTE_SCOPED_TMPDIR_H_
