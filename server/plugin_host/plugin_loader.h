// The plugin host: loads plugin libraries (plugins/include/agentd/plugin.h)
// and runs their agents.
//
// PluginLibrary owns one dlopen'ed library; AgentInstance owns one instance a
// plugin created for one agent definition and keeps its library alive. Every
// error names the library's path. Both classes are thread-safe after
// construction: AgentInstance::Handle serialises calls itself when the plugin
// did not declare AGENTD_PLUGIN_THREAD_SAFE.
#ifndef AGENTD_SERVER_PLUGIN_HOST_PLUGIN_LOADER_H_
#define AGENTD_SERVER_PLUGIN_HOST_PLUGIN_LOADER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"
#include "server/plugin_host/hosted_agent.h"

namespace agentd {

class PluginLibrary {
 public:
  // dlopen()s `path` and checks the entry symbol and the ABI major version.
  // NOT_FOUND: no such file; FAILED_PRECONDITION: not a library, no entry
  // symbol, or an ABI major this host does not know.
  static absl::StatusOr<std::shared_ptr<PluginLibrary>> Load(const std::string& path);
  ~PluginLibrary();

  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  const agentd_plugin_v1& table() const { return *table_; }
  bool thread_safe() const { return (table_->flags & AGENTD_PLUGIN_THREAD_SAFE) != 0; }
  // The ABI minor the plugin was built with, and the one the host uses with
  // it: the lower of that and AGENTD_PLUGIN_ABI_MINOR. The host reads only
  // the table fields of the minor it uses, so a plugin built for a newer
  // minor loads and works for what both know.
  uint32_t abi_minor() const { return table_->abi_minor; }
  uint32_t used_minor() const { return table_->abi_minor < AGENTD_PLUGIN_ABI_MINOR ? table_->abi_minor
                                                                                    : AGENTD_PLUGIN_ABI_MINOR; }
  // ABI 1.1: the plugin reports progress through handle_with_progress.
  bool reports_progress() const { return used_minor() >= 1 && table_->handle_with_progress != nullptr; }

 private:
  PluginLibrary(std::string path, void* handle, const agentd_plugin_v1* table);
  std::string path_;
  std::string name_;
  void* handle_;
  const agentd_plugin_v1* table_;
};

// One agent served by an in-process plugin (the C ABI).
class AgentInstance : public HostedAgent {
 public:
  // Calls the plugin's create() with `config` serialized.
  static absl::StatusOr<std::unique_ptr<AgentInstance>> Create(
      std::shared_ptr<PluginLibrary> library, const v1::AgentConfig& config);
  ~AgentInstance() override;

  // The plugin's error code and message come back as the status (its
  // message prefixed with the agent name).
  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                           const ProgressFn* progress = nullptr) const override;
  // `shared_bytes` with the agent and deadline appended goes to the plugin
  // as it is: one serialization of the request for all the agents asked.
  // `answer_bytes` gets a copy of the bytes the plugin emitted, unless the
  // answer had to be changed after parsing (no agent name: the host names
  // it), when it is left empty.
  absl::StatusOr<v1::AgentResponse> HandleShared(const v1::AgentRequest& shared, std::string_view shared_bytes,
                                                 const std::string& agent, int64_t deadline_unix_ms,
                                                 const CancelState& cancel, const ProgressFn* progress = nullptr,
                                                 std::string* answer_bytes = nullptr) const override;
  // The bytes straight to the plugin and back: no parse, no serialization.
  // The answer's bytes are not checked here (Handle parses them; whoever
  // receives them must).
  absl::StatusOr<std::string> HandleSerialized(std::string_view request, const CancelState& cancel,
                                               const ProgressFn* progress = nullptr) const override;

  const PluginLibrary& library() const { return *library_; }
  const std::string& agent() const { return agent_; }

 private:
  AgentInstance(std::shared_ptr<PluginLibrary> library, agentd_instance* instance, std::string agent);
  struct Sink;
  // Calls the plugin's handle with `request`; its answer goes to `sink`.
  absl::Status Call(std::string_view request, const CancelState& cancel, const ProgressFn* progress,
                    Sink* sink) const;
  // Call, with the answer parsed straight from the plugin's buffer (and its
  // bytes copied to `answer_bytes` when given, as HandleShared says).
  absl::StatusOr<v1::AgentResponse> CallParsed(std::string_view request, const CancelState& cancel,
                                               const ProgressFn* progress, std::string* answer_bytes) const;
  std::shared_ptr<PluginLibrary> library_;
  agentd_instance* instance_;
  std::string agent_;
  mutable absl::Mutex serial_;  // held around handle() for plugins that are not thread-safe
};

// Finds plugin libraries by name in one folder (lib<name>.so), loading each
// at most once. Thread-safe.
class PluginRegistry {
 public:
  explicit PluginRegistry(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::shared_ptr<PluginLibrary>> Get(const std::string& name);
  std::string PathFor(const std::string& name) const;

 private:
  std::string dir_;
  absl::Mutex mu_;
  std::map<std::string, absl::StatusOr<std::shared_ptr<PluginLibrary>>> loaded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_PLUGIN_LOADER_H_
