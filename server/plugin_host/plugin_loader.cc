#include "server/plugin_host/plugin_loader.h"

#include <dlfcn.h>
#include <stdint.h>
#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace {

void ReportProgress(void* ctx, const char* text, size_t len) {
  (*static_cast<const AgentInstance::ProgressFn*>(ctx))(std::string_view(text, len));
}

int IsCancelled(void* ctx) { return static_cast<const CancelState*>(ctx)->IsCancelled() ? 1 : 0; }

absl::Status FromPluginCode(agentd_status code, std::string message) {
  if (code < 0 || code > 16) code = AGENTD_UNKNOWN;
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

}  // namespace

// What a plugin says through the sink of one call: its answer as bytes
// (`bytes` set), parsed straight from the plugin's buffer (`parsed` set), or
// both, and its error message.
struct AgentInstance::Sink {
  std::string* bytes = nullptr;
  v1::AgentResponse* parsed = nullptr;
  bool emitted = false;
  bool parse_failed = false;
  std::string error;

  static void Emit(void* ctx, const uint8_t* data, size_t len) {
    auto* sink = static_cast<Sink*>(ctx);
    sink->emitted = true;  // a second emit replaces the first, in both forms
    if (sink->bytes != nullptr) sink->bytes->assign(reinterpret_cast<const char*>(data), len);
    if (sink->parsed == nullptr) return;
    sink->parse_failed = len > static_cast<size_t>(INT32_MAX) ||
                         !sink->parsed->ParseFromArray(data, static_cast<int>(len));
  }
  static void Fail(void* ctx, const char* message, size_t len) { static_cast<Sink*>(ctx)->error.assign(message, len); }
};

absl::StatusOr<std::shared_ptr<PluginLibrary>> PluginLibrary::Load(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("plugin ", path, ": no such file"));
  }
  // RTLD_LOCAL: two plugins may carry symbols of the same name.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = ::dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("plugin ", path, ": cannot load: ", err ? err : "unknown dlopen error"));
  }
  void* entry = ::dlsym(handle, AGENTD_PLUGIN_ENTRY_SYMBOL);
  if (entry == nullptr) {
    ::dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat(
        "plugin ", path, ": missing entry symbol ", AGENTD_PLUGIN_ENTRY_SYMBOL,
        " (is it an agentd plugin built against agentd/plugin.h?)"));
  }
  const agentd_plugin_v1* table = reinterpret_cast<agentd_plugin_entry_v1_fn>(entry)();
  if (table == nullptr) {
    ::dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("plugin ", path, ": entry symbol returned NULL"));
  }
  if (table->abi_major != AGENTD_PLUGIN_ABI_MAJOR) {
    std::string message = absl::StrFormat(
        "plugin %s: ABI major version %u, this host speaks %u (rebuild the plugin against this agentd)",
        path, table->abi_major, AGENTD_PLUGIN_ABI_MAJOR);
    ::dlclose(handle);
    return absl::FailedPreconditionError(message);
  }
  if (table->create == nullptr || table->handle == nullptr || table->destroy == nullptr ||
      table->name == nullptr) {
    ::dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("plugin ", path, ": incomplete function table"));
  }
  if (table->abi_minor > AGENTD_PLUGIN_ABI_MINOR) {
    spdlog::info("plugin {}: built for ABI {}.{}, this host knows {}.{}; what is newer goes unused", path,
                 table->abi_major, table->abi_minor, AGENTD_PLUGIN_ABI_MAJOR, AGENTD_PLUGIN_ABI_MINOR);
  }
  return std::shared_ptr<PluginLibrary>(new PluginLibrary(path, handle, table));
}

PluginLibrary::PluginLibrary(std::string path, void* handle, const agentd_plugin_v1* table)
    : path_(std::move(path)), name_(table->name), handle_(handle), table_(table) {}

PluginLibrary::~PluginLibrary() { ::dlclose(handle_); }

absl::StatusOr<std::unique_ptr<AgentInstance>> AgentInstance::Create(
    std::shared_ptr<PluginLibrary> library, const v1::AgentConfig& config) {
  std::string bytes = config.SerializeAsString();
  std::string ignored;
  Sink state;
  state.bytes = &ignored;
  agentd_sink sink{&state, &Sink::Emit, &Sink::Fail};
  agentd_instance* instance = nullptr;
  agentd_status code = library->table().create(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               bytes.size(), &instance, &sink);
  if (code != AGENTD_OK || instance == nullptr) {
    if (code == AGENTD_OK) code = AGENTD_INTERNAL;
    return FromPluginCode(code, absl::StrCat("plugin ", library->path(), ": create(",
                                             config.definition().name(), ") failed: ",
                                             state.error.empty() ? "no reason given" : state.error));
  }
  return std::unique_ptr<AgentInstance>(
      new AgentInstance(std::move(library), instance, config.definition().name()));
}

AgentInstance::AgentInstance(std::shared_ptr<PluginLibrary> library, agentd_instance* instance,
                             std::string agent)
    : library_(std::move(library)), instance_(instance), agent_(std::move(agent)) {}

AgentInstance::~AgentInstance() { library_->table().destroy(instance_); }

absl::Status AgentInstance::Call(std::string_view request, const CancelState& cancel, const ProgressFn* progress,
                                 Sink* sink) const {
  agentd_sink c_sink{sink, &Sink::Emit, &Sink::Fail};
  agentd_cancel_token token{const_cast<CancelState*>(&cancel), &IsCancelled};
  agentd_progress channel{const_cast<ProgressFn*>(progress), &ReportProgress};
  const bool with_progress = progress != nullptr && *progress && library_->reports_progress();
  auto call = [&] {
    const auto* data = reinterpret_cast<const uint8_t*>(request.data());
    return with_progress ? library_->table().handle_with_progress(instance_, data, request.size(), &token,
                                                                  &c_sink, &channel)
                         : library_->table().handle(instance_, data, request.size(), &token, &c_sink);
  };
  agentd_status code;
  if (library_->thread_safe()) {
    code = call();
  } else {
    absl::MutexLock lock(&serial_);
    code = call();
  }
  if (code != AGENTD_OK) {
    return FromPluginCode(code, absl::StrCat(agent_, ": ", sink->error.empty() ? "failed without a reason" : sink->error));
  }
  if (!sink->emitted) {
    return absl::InternalError(absl::StrCat(agent_, ": plugin returned OK without a response"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AgentInstance::HandleSerialized(std::string_view request, const CancelState& cancel,
                                                            const ProgressFn* progress) const {
  std::string response;
  Sink sink;
  sink.bytes = &response;
  absl::Status status = Call(request, cancel, progress, &sink);
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::AgentResponse> AgentInstance::CallParsed(std::string_view request, const CancelState& cancel,
                                                            const ProgressFn* progress,
                                                            std::string* answer_bytes) const {
  v1::AgentResponse response;
  Sink sink;
  sink.parsed = &response;
  sink.bytes = answer_bytes;
  absl::Status status = Call(request, cancel, progress, &sink);
  if (status.ok() && sink.parse_failed) {
    status = absl::InternalError(absl::StrCat(agent_, ": plugin emitted bytes that are not an AgentResponse"));
  }
  if (!status.ok()) {
    if (answer_bytes != nullptr) answer_bytes->clear();
    return status;
  }
  if (response.agent().empty()) {
    response.set_agent(agent_);
    // The bytes no longer say what the answer is: the store serializes it.
    if (answer_bytes != nullptr) answer_bytes->clear();
  }
  return response;
}

absl::StatusOr<v1::AgentResponse> AgentInstance::Handle(const v1::AgentRequest& request,
                                                        const CancelState& cancel,
                                                        const ProgressFn* progress) const {
  return CallParsed(request.SerializeAsString(), cancel, progress, nullptr);
}

absl::StatusOr<v1::AgentResponse> AgentInstance::HandleShared(const v1::AgentRequest& shared,
                                                              std::string_view shared_bytes, const std::string& agent,
                                                              int64_t deadline_unix_ms, const CancelState& cancel,
                                                              const ProgressFn* progress,
                                                              std::string* answer_bytes) const {
  // Fields that follow in the bytes replace earlier values of the same
  // field, so the shared bytes plus these two parse as the agent's request.
  v1::AgentRequest own;
  own.set_agent(agent);
  own.set_deadline_unix_ms(deadline_unix_ms);
  // A field the tail leaves out (set to its default) must not keep a value
  // from the shared bytes: then the plain way.
  if ((agent.empty() && !shared.agent().empty()) || (deadline_unix_ms == 0 && shared.deadline_unix_ms() != 0)) {
    return HostedAgent::HandleShared(shared, shared_bytes, agent, deadline_unix_ms, cancel, progress, answer_bytes);
  }
  std::string request;
  request.reserve(shared_bytes.size() + own.ByteSizeLong());
  request.append(shared_bytes);
  own.AppendToString(&request);
  return CallParsed(request, cancel, progress, answer_bytes);
}

std::string PluginRegistry::PathFor(const std::string& name) const {
  return absl::StrCat(dir_, "/lib", name, ".so");
}

absl::StatusOr<std::shared_ptr<PluginLibrary>> PluginRegistry::Get(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(name);
  if (it == loaded_.end()) {
    it = loaded_.emplace(name, PluginLibrary::Load(PathFor(name))).first;
  }
  return it->second;
}

}  // namespace agentd
