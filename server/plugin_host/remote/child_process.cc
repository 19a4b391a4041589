#include "server/plugin_host/remote/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace agentd {
namespace {

constexpr size_t kMaxLogLine = 4096;

// Logs the child's output line by line until every writer has closed it.
void PipeToLog(int fd, std::string name) {
  std::string pending;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos || pending.size() - start > kMaxLogLine) {
      if (end == std::string::npos || end - start > kMaxLogLine) end = start + kMaxLogLine;
      spdlog::info("plugin {}: {}", name, std::string_view(pending).substr(start, end - start));
      start = end < pending.size() && pending[end] == '\n' ? end + 1 : end;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) spdlog::info("plugin {}: {}", name, pending);
  ::close(fd);
}

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string key(entry.substr(0, entry.find('=')));
    if (extra.count(key) == 0) env.emplace_back(entry);
  }
  for (const auto& [key, value] : extra) env.push_back(absl::StrCat(key, "=", value));
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Child>> Child::Spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("empty command");
  std::vector<std::string> argv = spec.argv;
  // A relative path is relative to the definition's folder, not agentd's.
  if (argv[0].find('/') != std::string::npos && argv[0][0] != '/') {
    argv[0] = (std::filesystem::path(spec.working_dir) / argv[0]).lexically_normal().string();
  }
  std::vector<std::string> env = Environment(spec.env);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  if (!spec.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  pid_t pid = 0;
  std::vector<char*> args = Pointers(argv), envp = Pointers(env);
  int error = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(fds[1]);
  if (error != 0) {
    ::close(fds[0]);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start '", spec.argv[0], "': ", std::strerror(error)));
  }
  return std::unique_ptr<Child>(new Child(pid, fds[0], spec.log_name));
}

Child::Child(pid_t pid, int log_fd, std::string log_name)
    : pid_(pid), log_reader_(PipeToLog, log_fd, std::move(log_name)) {}

Child::~Child() {
  if (!reaped_) Reap();
}

bool Child::Exited() const {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
}

void Child::AwaitExit() const {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

void Child::Signal(int sig) const {
  if (!reaped_) ::kill(-pid_, sig);
}

std::string Child::Reap() {
  if (reaped_) return "reaped already";
  ::kill(-pid_, SIGKILL);  // the leader may be gone; its group's leftovers go too
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (log_reader_.joinable()) log_reader_.join();
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = ::sigabbrev_np(WTERMSIG(status));
    return absl::StrCat("killed by signal ", WTERMSIG(status), name ? absl::StrCat(" (SIG", name, ")") : "");
  }
  return "ended";
}

}  // namespace agentd
