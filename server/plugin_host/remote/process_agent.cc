#include "server/plugin_host/remote/process_agent.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/plugin_host/remote/plugin_dirs.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace {

// A child that stayed up this long had a fresh failure: back-off restarts.
constexpr absl::Duration kStableRun = absl::Seconds(30);
constexpr absl::Duration kHealthPoll = absl::Milliseconds(10);

absl::Status WriteFile(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == bytes.size() ? absl::OkStatus() : absl::InternalError(absl::StrCat("short write to ", path));
}

// Every ProcessAgent alive, for KillAllNow.
absl::Mutex all_mu(absl::kConstInit);
std::set<ProcessAgent*>& All() ABSL_EXCLUSIVE_LOCKS_REQUIRED(all_mu) {
  static auto* all = new std::set<ProcessAgent*>();
  return *all;
}

}  // namespace

void ProcessAgent::KillAllNow() {
  {
    absl::MutexLock all_lock(&all_mu);
    for (ProcessAgent* agent : All()) {
      absl::MutexLock lock(&agent->mu_);
      if (agent->child_ != nullptr) agent->child_->Signal(SIGKILL);
    }
  }
  plugin_dirs::RemoveAllNow();
}

absl::StatusOr<std::unique_ptr<ProcessAgent>> ProcessAgent::Start(ProcessOptions options) {
  std::unique_ptr<ProcessAgent> agent(new ProcessAgent(std::move(options)));
  absl::StatusOr<std::string> dir = plugin_dirs::Make();
  if (!dir.ok()) {
    return absl::InternalError(
        absl::StrCat("no folder for plugin ", agent->options_.agent, ": ", dir.status().message()));
  }
  agent->dir_ = *std::move(dir);
  agent->socket_ = agent->dir_ + "/plugin.sock";
  if (agent->socket_.size() >= sizeof(sockaddr_un::sun_path)) {
    plugin_dirs::Remove(agent->dir_);
    return absl::FailedPreconditionError(absl::StrCat("TMPDIR too long for a Unix socket path: ", agent->socket_));
  }
  if (absl::Status s = WriteFile(agent->dir_ + "/config.pb", agent->options_.config); !s.ok()) {
    plugin_dirs::Remove(agent->dir_);
    return s;
  }
  ProcessAgent* self = agent.get();
  {
    absl::MutexLock lock(&all_mu);
    All().insert(self);
  }
  agent->supervisor_ = std::thread([self] { self->Supervise(); });
  absl::MutexLock lock(&agent->mu_);
  agent->mu_.AwaitWithTimeout(absl::Condition(&agent->first_verdict_),
                              agent->options_.start_timeout + absl::Seconds(1));
  return agent;
}

ProcessAgent::~ProcessAgent() {
  Stop();
  absl::MutexLock lock(&all_mu);
  All().erase(this);
}

void ProcessAgent::Supervise() {
  absl::Duration backoff = options_.min_backoff;
  for (;;) {
    const absl::Time began = absl::Now();
    std::string why = RunChild();
    {
      absl::MutexLock lock(&mu_);
      ++exits_;
      down_reason_ = why;
      first_verdict_ = true;
      if (stopping_) return;
    }
    if (absl::Now() - began >= kStableRun) backoff = options_.min_backoff;
    spdlog::warn("plugin process of agent {} {}; restarting in {}", options_.agent, why,
                 absl::FormatDuration(backoff));
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

std::string ProcessAgent::RunChild() {
  ::unlink(socket_.c_str());  // a dead child's socket file
  ChildSpec spec;
  spec.argv = options_.argv;
  spec.working_dir = options_.working_dir;
  spec.env = {{"AGENTD_PLUGIN_ADDRESS", "unix:" + socket_},
              {"AGENTD_PLUGIN_CONFIG", dir_ + "/config.pb"},
              {"AGENTD_PLUGIN_AGENT", options_.agent}};
  spec.log_name = options_.agent;
  absl::StatusOr<std::unique_ptr<Child>> child = Child::Spawn(spec);
  if (!child.ok()) return std::string(child.status().message());
  {
    absl::MutexLock lock(&mu_);
    child_ = child->get();
    if (stopping_) (*child)->Signal(SIGTERM);  // Stop() came before it could see this child
  }
  spdlog::info("plugin process of agent {} started (pid {}) on unix:{}; waiting up to {} for it to be healthy",
               options_.agent, (*child)->pid(), socket_, absl::FormatDuration(options_.start_timeout));
  std::string unhealthy;
  if (std::shared_ptr<RemoteAgent> remote = WaitHealthy(**child, &unhealthy)) {
    absl::MutexLock lock(&mu_);
    if (!stopping_) current_ = remote;  // Stop() drops it: the child must see us leave
    unhealthy.clear();
    down_reason_.clear();
    first_verdict_ = true;
  } else if (!(*child)->Exited()) {
    unhealthy = absl::StrCat("did not become healthy within ", absl::FormatDuration(options_.start_timeout),
                             " (start_timeout_ms: in its definition, or --plugin_start_timeout_ms): ", unhealthy, "; ");
    (*child)->Signal(SIGKILL);
  } else {
    unhealthy.clear();  // how it exited says more
  }
  (*child)->AwaitExit();
  {
    absl::MutexLock lock(&mu_);
    current_ = nullptr;
    child_ = nullptr;
  }
  return absl::StrCat(unhealthy, (*child)->Reap());
}

std::shared_ptr<RemoteAgent> ProcessAgent::WaitHealthy(const Child& child, std::string* why) {
  const absl::Time started = absl::Now();
  const absl::Time deadline = started + options_.start_timeout;
  std::shared_ptr<RemoteAgent> remote;
  *why = "it never listened on its socket";
  for (;;) {
    if (child.Exited()) return nullptr;
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return nullptr;
    // Connect only once the socket exists: a channel that failed to
    // connect backs off before it tries again, which would delay the start.
    struct stat st;
    if (remote == nullptr && ::stat(socket_.c_str(), &st) == 0) {
      RemoteOptions remote_options;
      remote_options.target = "unix:" + socket_;
      remote_options.agent = options_.agent;
      remote_options.sections = options_.sections;
      remote = std::make_shared<RemoteAgent>(std::move(remote_options));
    }
    if (remote != nullptr) {
      absl::StatusOr<v1::DescribeResponse> described = remote->Probe(std::min(left, absl::Seconds(1)));
      if (described.ok()) {
        spdlog::info("plugin process of agent {} healthy in {}: {} {}", options_.agent,
                     absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(1))),
                     described->name(), described->version());
        return remote;
      }
      *why = absl::StrReplaceAll(described.status().message(), {{socket_, "its socket"}});
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), kHealthPoll)) return nullptr;
  }
}

void ProcessAgent::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    // Our connection goes first: a plugin that shuts down gracefully
    // (grpc-js tryShutdown, Python's server.stop(grace)) waits for its
    // clients to leave before it exits.
    current_ = nullptr;
    if (child_ != nullptr) child_->Signal(SIGTERM);
    auto gone = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return child_ == nullptr; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&gone), options_.stop_grace) && child_ != nullptr) {
      spdlog::warn("plugin process of agent {} ignored SIGTERM for {}: SIGKILL", options_.agent,
                   absl::FormatDuration(options_.stop_grace));
      child_->Signal(SIGKILL);
    }
  }
  if (supervisor_.joinable()) supervisor_.join();
  plugin_dirs::Remove(dir_);
}

absl::StatusOr<v1::AgentResponse> ProcessAgent::Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                                       const ProgressFn* progress) const {
  std::shared_ptr<RemoteAgent> remote;
  int exits_before;
  {
    absl::MutexLock lock(&mu_);
    if (current_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat(options_.agent, ": plugin process not running (", down_reason_, ")"));
    }
    remote = current_;
    exits_before = exits_;
  }
  absl::StatusOr<v1::AgentResponse> response = remote->Handle(request, cancel, progress);
  if (response.ok() || response.status().code() != absl::StatusCode::kUnavailable) return response;
  // The connection broke: when the child died, say how, once the
  // supervisor has reaped it (within moments, or the gRPC reason stands).
  absl::MutexLock lock(&mu_);
  auto exited = [this, exits_before]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exits_ > exits_before; };
  if (mu_.AwaitWithTimeout(absl::Condition(&exited), absl::Milliseconds(250))) {
    return absl::UnavailableError(
        absl::StrCat(options_.agent, ": plugin process died during the call (", down_reason_, "); restarting it"));
  }
  return response;
}

absl::Status ProcessAgent::Availability() const {
  absl::MutexLock lock(&mu_);
  if (current_ != nullptr) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("plugin process not running (", down_reason_, ")"));
}

pid_t ProcessAgent::pid() const {
  absl::MutexLock lock(&mu_);
  return child_ != nullptr ? child_->pid() : 0;
}

int ProcessAgent::exits() const {
  absl::MutexLock lock(&mu_);
  return exits_;
}

}  // namespace agentd
