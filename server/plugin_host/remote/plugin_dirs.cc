#include "server/plugin_host/remote/plugin_dirs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/spdlog.h"

namespace agentd::plugin_dirs {
namespace {

constexpr absl::string_view kParentPrefix = "agentd-plugins-";
// A parent without a lock file is being made, or its maker died doing so.
constexpr absl::Duration kUnlockedGrace = absl::Minutes(1);

// This process's parent, if it has one now.
struct Parent {
  std::string path;
  int lock_fd = -1;  // flock()ed while the parent exists
  int folders = 0;   // made by Make() and not yet removed
};

absl::Mutex mu(absl::kConstInit);
Parent& Current() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  static auto* parent = new Parent();  // never destroyed: the atexit hook uses it
  return *parent;
}

int ReclaimStaleExcept(const std::string& tmpdir, const std::string& own);

void RemoveTree(const std::string& path) {
  std::error_code ec;  // remove_all does not follow symlinks
  std::filesystem::remove_all(path, ec);
}

void RemoveParentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  Parent& parent = Current();
  if (parent.path.empty()) return;
  RemoveTree(parent.path);  // the lock goes before it is released: no reclaimer sees it free
  ::close(parent.lock_fd);
  parent = Parent();
}

// A folder named by mkdtemp, flock()ed through `lock` (made under another
// name and renamed once locked, so a reclaimer never finds it unlocked).
absl::Status MakeParentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  const std::string root = TempRoot();
  if (int reclaimed = ReclaimStaleExcept(root, ""); reclaimed > 0) {
    spdlog::info("removed {} plugin folder(s) left in {} by agentd processes that were killed", reclaimed, root);
  }
  std::string path = absl::StrCat(root, "/", kParentPrefix, "XXXXXX");
  if (::mkdtemp(path.data()) == nullptr) {  // mode 0700: only this user reaches the sockets
    return absl::InternalError(absl::StrCat("cannot make a folder for plugin processes in ", root, ": ",
                                            std::strerror(errno)));
  }
  const std::string making = path + "/lock.new";
  int fd = ::open(making.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::rename(making.c_str(), (path + "/lock").c_str()) != 0) {
    absl::Status failed = absl::InternalError(absl::StrCat("cannot lock ", path, ": ", std::strerror(errno)));
    if (fd >= 0) ::close(fd);
    RemoveTree(path);
    return failed;
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");  // for a human looking in
  if (::write(fd, pid.data(), pid.size()) < 0) spdlog::debug("{}: cannot write the pid", path);
  static const bool hooked = std::atexit(RemoveAllNow) == 0;  // exit() with agents never stopped
  (void)hooked;
  Current() = Parent{std::move(path), fd, 0};
  return absl::OkStatus();
}

// Whether `path` (a parent under a temp root) belongs to a process that has
// ended. Takes and keeps its lock in `*fd` when it does.
bool Abandoned(const std::string& path, const struct stat& st, int* fd) {
  *fd = ::open((path + "/lock").c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0) {
    return errno == ENOENT && absl::FromTimeT(st.st_mtime) + kUnlockedGrace < absl::Now();
  }
  return ::flock(*fd, LOCK_EX | LOCK_NB) == 0;
}

}  // namespace

std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

int ReclaimStale(const std::string& tmpdir) {
  std::string own;
  {
    absl::MutexLock lock(&mu);
    own = Current().path;
  }
  return ReclaimStaleExcept(tmpdir, own);
}

namespace {

int ReclaimStaleExcept(const std::string& tmpdir, const std::string& own) {
  std::error_code ec;
  std::filesystem::directory_iterator it(tmpdir, ec);
  if (ec) return 0;
  int removed = 0;
  for (const std::filesystem::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, kParentPrefix)) continue;
    const std::string path = entry.path().string();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (path == own) continue;  // ours is locked through another descriptor anyway
    int fd = -1;
    if (Abandoned(path, st, &fd)) {
      RemoveTree(path);
      ++removed;
    }
    if (fd >= 0) ::close(fd);
  }
  return removed;
}

}  // namespace

absl::StatusOr<std::string> Make() {
  absl::MutexLock lock(&mu);
  if (Current().path.empty()) {
    if (absl::Status made = MakeParentLocked(); !made.ok()) return made;
  }
  std::string dir = Current().path + "/p-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot make a folder in ", Current().path, ": ", std::strerror(errno)));
  }
  ++Current().folders;
  return dir;
}

void Remove(const std::string& dir) {
  absl::MutexLock lock(&mu);
  Parent& parent = Current();
  // After RemoveAllNow, or under an earlier parent: already gone.
  if (parent.path.empty() || dir.rfind(parent.path + "/", 0) != 0) return;
  RemoveTree(dir);
  if (--parent.folders == 0) RemoveParentLocked();
}

void RemoveAllNow() {
  absl::MutexLock lock(&mu);
  RemoveParentLocked();
}

}  // namespace agentd::plugin_dirs
