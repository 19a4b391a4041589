// The private folders of plugin processes (ProcessAgent): where their
// sockets and config files live, and how they are cleaned up.
//
// One agentd process keeps one parent, $TMPDIR/agentd-plugins-XXXXXX (0700),
// made on first use, with one folder per plugin process in it. The parent
// holds a file `lock` that its process keeps flock()ed for as long as it
// lives; the kernel drops that lock however the process ends. So:
//   - an orderly exit removes each folder (ProcessAgent::Stop), and the
//     parent with the last one;
//   - an exit that skips destructors removes the parent whole:
//     ProcessAgent::KillAllNow before _exit, and an atexit hook for exit();
//   - a process killed hard (SIGKILL, OOM, a crash) leaves its parent until
//     the next process that makes one under the same TMPDIR: it removes
//     every parent whose lock nobody holds (its owner is gone, whatever
//     became of its pid). A service restarted many times therefore leaves
//     at most one parent per process killed since its last start.
// Only folders named agentd-plugins-*, owned by this user and not symlinks,
// are ever reclaimed. Thread-safe.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_DIRS_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_DIRS_H_

#include <string>

#include "absl/status/statusor.h"

namespace agentd::plugin_dirs {

// Makes a new empty private folder for one plugin process under this
// process's parent, making the parent first (and reclaiming stale ones) when
// there is none. The folder is $TMPDIR (or /tmp)/agentd-plugins-XXXXXX/p-XXXXXX.
absl::StatusOr<std::string> Make();

// Removes a folder Make() returned, with the files in it; the parent goes
// with the last folder.
void Remove(const std::string& dir);

// Removes this process's parent and everything in it now: for an exit that
// runs no destructors. Later Make() calls start a new parent.
void RemoveAllNow();

// Removes the parents under `tmpdir` whose owning process has ended (their
// lock is free), and those left without a lock file for over a minute (an
// owner that died while making one). Returns how many it removed.
int ReclaimStale(const std::string& tmpdir);

// $TMPDIR, or /tmp when it is unset or empty.
std::string TempRoot();

}  // namespace agentd::plugin_dirs

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_DIRS_H_
