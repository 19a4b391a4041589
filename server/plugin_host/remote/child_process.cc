#include "server/plugin_host/remote/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// The program to run: argv[0] if it holds a '/', else the first executable
// of that name on PATH (looked up here, as the child may only make
// async-signal-safe calls before exec).
std::string ResolveProgram(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (absl::StartsWith(entry, "PATH=")) path = entry.substr(5);
  }
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;  // exec fails with ENOENT, reported as for any missing program
}

// In the child, before exec: only async-signal-safe calls. On failure the
// errno goes to the parent through `report` (close-on-exec, so a successful
// exec closes it with nothing written).
[[noreturn]] void ExecChild(const char* program, char* const* argv, char* const* envp, const char* working_dir,
                            int output, int report, pid_t parent) {
  auto fail = [&report]() {
    const int error = errno;
    (void)!::write(report, &error, sizeof error);
    ::_exit(127);
  };
  // Killed with agentd, even by SIGKILL (no destructor runs then): the
  // kernel signals the child when the thread that started it ends.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail();
  if (::getppid() != parent) ::_exit(127);  // agentd died before that took effect
  if (::setpgid(0, 0) != 0) fail();
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail();
  const int null = ::open("/dev/null", O_RDONLY);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(output, 1) < 0 || ::dup2(output, 2) < 0) fail();
  if (working_dir[0] != '\0' && ::chdir(working_dir) != 0) fail();
  // Only fds 0-2 stay open across exec; `report` moves to 3, close-on-exec.
  if (::dup2(report, 3) < 0) fail();
  report = 3;
  if (::fcntl(report, F_SETFD, FD_CLOEXEC) != 0) fail();
  ::close_range(4, ~0U, 0);
  ::execve(program, argv, envp);
  fail();
  ::_exit(127);  // not reached: fail() exits
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
  const std::string program = ResolveProgram(argv[0], env);
  int output[2], report[2];
  if (::pipe2(output, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(output[0]);
    ::close(output[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(error)));
  }
  std::vector<char*> args = Pointers(argv), envp = Pointers(env);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ExecChild(program.c_str(), args.data(), envp.data(), spec.working_dir.c_str(), output[1], report[1], parent);
  }
  const int fork_error = errno;
  ::close(output[1]);
  ::close(report[1]);
  int exec_error = 0;
  if (pid > 0) {
    ssize_t n;
    while ((n = ::read(report[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
    }
    if (n != sizeof exec_error) exec_error = 0;  // closed by a successful exec
    if (exec_error != 0) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  ::close(report[0]);
  if (pid < 0 || exec_error != 0) {
    ::close(output[0]);
    return absl::FailedPreconditionError(absl::StrCat("cannot start '", spec.argv[0],
                                                      "': ", std::strerror(pid < 0 ? fork_error : exec_error)));
  }
  return std::unique_ptr<Child>(new Child(pid, output[0], spec.log_name));
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
