// plugin_dirs: one parent per process under $TMPDIR, removed with its last
// folder or all at once; parents of processes that ended are reclaimed by
// the next one, and nothing else is.
#include "server/plugin_host/remote/plugin_dirs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/plugin_host/remote/scoped_tmpdir.h"

namespace agentd::plugin_dirs {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class PluginDirsTest : public ::testing::Test {
 protected:
  ScopedTmpdir tmp_;
};

TEST_F(PluginDirsTest, FoldersShareOneParentThatGoesWithTheLast) {
  absl::StatusOr<std::string> a = Make();
  absl::StatusOr<std::string> b = Make();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const fs::path parent = fs::path(*a).parent_path();
  EXPECT_EQ(parent.parent_path(), fs::path(tmp_.path()));
  EXPECT_EQ(fs::path(*b).parent_path(), parent);
  EXPECT_EQ(fs::status(parent).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_THAT(tmp_.Entries(), ElementsAre(parent.filename().string()));
  std::ofstream(*a + "/config.pb") << "x";

  Remove(*a);
  EXPECT_FALSE(fs::exists(*a));
  EXPECT_TRUE(fs::exists(*b));
  Remove(*b);
  EXPECT_THAT(tmp_.Entries(), IsEmpty());
}

TEST_F(PluginDirsTest, RemoveAllNowTakesTheParentWholeAndANewOneFollows) {
  absl::StatusOr<std::string> a = Make();
  ASSERT_TRUE(a.ok()) << a.status();
  std::ofstream(*a + "/plugin.sock") << "x";
  RemoveAllNow();
  EXPECT_THAT(tmp_.Entries(), IsEmpty());
  Remove(*a);  // already gone: nothing to do, nothing miscounted

  absl::StatusOr<std::string> b = Make();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(fs::is_directory(*b));
  Remove(*b);
  EXPECT_THAT(tmp_.Entries(), IsEmpty());
}

// A parent as another process leaves it; `locked` keeps its lock held (an
// owner alive) through a descriptor of its own, returned.
int FakeParent(const std::string& path, bool with_lock, bool locked) {
  fs::create_directory(path);
  fs::create_directory(path + "/p-abcdef");
  std::ofstream(path + "/p-abcdef/config.pb") << "x";
  if (!with_lock) return -1;
  int fd = ::open((path + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  if (locked) {
    EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    return fd;
  }
  ::close(fd);
  return -1;
}

TEST_F(PluginDirsTest, ReclaimsOnlyParentsWhoseOwnerEnded) {
  const std::string root = tmp_.path();
  FakeParent(root + "/agentd-plugins-dead01", true, false);
  const int alive = FakeParent(root + "/agentd-plugins-live01", true, true);
  FakeParent(root + "/agentd-plugins-new001", false, false);  // being made: no lock yet
  FakeParent(root + "/agentd-plugin-legacy", true, false);     // not ours to judge
  fs::create_directory(root + "/elsewhere");
  fs::create_directory_symlink(root + "/elsewhere", root + "/agentd-plugins-link01");

  EXPECT_EQ(ReclaimStale(root), 1);
  EXPECT_THAT(tmp_.Entries(), UnorderedElementsAre("agentd-plugins-live01", "agentd-plugins-new001",
                                                   "agentd-plugin-legacy", "elsewhere", "agentd-plugins-link01"));
  ::close(alive);  // its owner ends
  EXPECT_EQ(ReclaimStale(root), 1);
  EXPECT_FALSE(fs::exists(root + "/agentd-plugins-live01"));
  EXPECT_TRUE(fs::exists(root + "/agentd-plugins-new001"));
}

TEST_F(PluginDirsTest, AParentLeftWithoutALockIsReclaimedAfterAMinute) {
  const std::string path = tmp_.path() + "/agentd-plugins-old001";
  FakeParent(path, false, false);
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  EXPECT_EQ(ReclaimStale(tmp_.path()), 1);
  EXPECT_THAT(tmp_.Entries(), IsEmpty());
}

TEST_F(PluginDirsTest, MakingAParentReclaimsStaleOnesButNeverItsOwn) {
  FakeParent(tmp_.path() + "/agentd-plugins-dead02", true, false);
  absl::StatusOr<std::string> a = Make();
  ASSERT_TRUE(a.ok()) << a.status();
  const std::string own = fs::path(*a).parent_path().filename().string();
  EXPECT_THAT(tmp_.Entries(), ElementsAre(own));
  EXPECT_EQ(ReclaimStale(tmp_.path()), 0);  // our own lock is held
  EXPECT_TRUE(fs::exists(*a));
  Remove(*a);
  EXPECT_THAT(tmp_.Entries(), IsEmpty());
}

TEST_F(PluginDirsTest, AForeignOwnersLockKeepsAParentFromAnotherProcess) {
  // A child process holds a parent's lock: the parent is kept while it
  // lives, reclaimed once it has exited.
  const std::string path = tmp_.path() + "/agentd-plugins-child1";
  FakeParent(path, true, false);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open((path + "/lock").c_str(), O_RDWR);
    char byte = ::flock(fd, LOCK_EX) == 0 ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) _exit(1);
    ::pause();  // until killed
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  EXPECT_EQ(ReclaimStale(tmp_.path()), 0);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(ReclaimStale(tmp_.path()), 1);
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace agentd::plugin_dirs
