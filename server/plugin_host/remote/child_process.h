// Starting and reaping one plugin child process (POSIX). Used by
// ProcessAgent, which supervises it; nothing here restarts anything.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_CHILD_PROCESS_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace agentd {

struct ChildSpec {
  std::vector<std::string> argv;         // argv[0]: a name on PATH, or a path (relative to working_dir)
  std::string working_dir;               // the child's current directory
  std::map<std::string, std::string> env;  // added to agentd's own environment
  std::string log_name;                  // its output is logged as "plugin <log_name>: <line>"
};

// A started child: its own process group (pid == pgid), stdin from
// /dev/null, stdout and stderr into agentd's log, only fds 0-2 open,
// default signal dispositions and an empty signal mask (agentd blocks
// SIGTERM in its threads; the child must not inherit that), SIGKILLed by
// the kernel when the thread that spawned it ends (PR_SET_PDEATHSIG), so it
// never outlives agentd, even a SIGKILLed one. Spawn from a thread that
// lives as long as the child (ProcessAgent's supervisor).
class Child {
 public:
  static absl::StatusOr<std::unique_ptr<Child>> Spawn(const ChildSpec& spec);
  // Kills what is left of the process group and joins the log reader.
  ~Child();

  pid_t pid() const { return pid_; }
  // Whether it has exited, without reaping it (so its pid stays reserved
  // and signals to its group cannot hit a stranger). Never blocks.
  bool Exited() const;
  // Blocks until it exits, without reaping.
  void AwaitExit() const;
  // Signals the whole process group (while not reaped).
  void Signal(int sig) const;
  // Kills what is left of its group (descendants), then reaps it and
  // joins the log reader. "exited with status N" or "killed by signal N (name)".
  std::string Reap();

 private:
  Child(pid_t pid, int log_fd, std::string log_name);
  pid_t pid_;
  bool reaped_ = false;
  std::thread log_reader_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_CHILD_PROCESS_H_
