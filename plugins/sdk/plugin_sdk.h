// The C++ side of the plugin ABI: a plugin author writes one class and one
// macro; this header turns them into the C table of agentd/plugin.h.
//
//   class MyAgent {
//    public:
//     static constexpr const char* kPluginName = "my_agent";
//     static constexpr uint32_t kFlags = AGENTD_PLUGIN_THREAD_SAFE;
//     static absl::StatusOr<std::unique_ptr<MyAgent>> Create(const agentd::v1::AgentConfig&);
//     absl::StatusOr<agentd::v1::AgentResponse> Handle(const agentd::v1::AgentRequest&,
//                                                       const agentd::sdk::CancelToken&);
//   };
//   AGENTD_PLUGIN(MyAgent)
//
// A plugin that reports progress (ABI 1.1) declares Handle with a third
// parameter, `const agentd::sdk::Progress&`, instead.
//
// Handle must be thread-safe when kFlags says so. Exceptions never leave the
// plugin: the macro turns them into AGENTD_INTERNAL.
#ifndef AGENTD_PLUGINS_SDK_PLUGIN_SDK_H_
#define AGENTD_PLUGINS_SDK_PLUGIN_SDK_H_

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"
#include "google/protobuf/arena.h"

namespace agentd::sdk {

// Read-only view of the host's cancel token.
class CancelToken {
 public:
  explicit CancelToken(const agentd_cancel_token* token) : token_(token) {}
  bool cancelled() const {
    return token_ != nullptr && token_->is_cancelled != nullptr &&
           token_->is_cancelled(token_->ctx) != 0;
  }

 private:
  const agentd_cancel_token* token_;
};

// Progress reports to the host (ABI 1.1); a no-op when the host gave none.
class Progress {
 public:
  explicit Progress(const agentd_progress* progress) : progress_(progress) {}
  void Report(std::string_view text) const {
    if (progress_ != nullptr && progress_->report != nullptr && !text.empty()) {
      progress_->report(progress_->ctx, text.data(), text.size());
    }
  }

 private:
  const agentd_progress* progress_;
};

namespace internal {

template <typename Plugin>
concept ReportsProgress = requires(Plugin& p, const agentd::v1::AgentRequest& r, const CancelToken& c,
                                   const Progress& g) {
  { p.Handle(r, c, g) };
};

inline void Fail(const agentd_sink* sink, const std::string& message) {
  if (sink != nullptr && sink->fail != nullptr) {
    sink->fail(sink->ctx, message.data(), message.size());
  }
}

inline agentd_status ToCode(const absl::Status& status) {
  return static_cast<agentd_status>(status.code());
}

template <typename Plugin>
agentd_status Create(const uint8_t* config, size_t config_len,
                     agentd_instance** out, const agentd_sink* err) {
  *out = nullptr;
  try {
    agentd::v1::AgentConfig parsed;
    if (!parsed.ParseFromArray(config, static_cast<int>(config_len))) {
      Fail(err, "config is not a serialized agentd.v1.AgentConfig");
      return AGENTD_INVALID_ARGUMENT;
    }
    absl::StatusOr<std::unique_ptr<Plugin>> created = Plugin::Create(parsed);
    if (!created.ok()) {
      Fail(err, std::string(created.status().message()));
      return ToCode(created.status());
    }
    *out = reinterpret_cast<agentd_instance*>(created->release());
    return AGENTD_OK;
  } catch (const std::exception& e) {
    Fail(err, std::string("plugin threw: ") + e.what());
    return AGENTD_INTERNAL;
  } catch (...) {
    Fail(err, "plugin threw a non-standard exception");
    return AGENTD_INTERNAL;
  }
}

// Bytes of stack for a parsed request before its arena turns to the heap;
// a review's request is about 1 KiB parsed.
inline constexpr size_t kRequestArenaBlock = 8192;

template <typename Plugin>
agentd_status HandleWithProgress(agentd_instance* instance, const uint8_t* request,
                                 size_t request_len, const agentd_cancel_token* cancel,
                                 const agentd_sink* sink, const agentd_progress* progress) {
  try {
    // The request lives on an arena whose first block is on this stack: its
    // strings and sub-messages cost no malloc and no per-field free.
    alignas(std::max_align_t) char first_block[kRequestArenaBlock];
    google::protobuf::ArenaOptions options;
    options.initial_block = first_block;
    options.initial_block_size = sizeof(first_block);
    google::protobuf::Arena arena(options);
    auto& parsed = *google::protobuf::Arena::CreateMessage<agentd::v1::AgentRequest>(&arena);
    if (!parsed.ParseFromArray(request, static_cast<int>(request_len))) {
      Fail(sink, "request is not a serialized agentd.v1.AgentRequest");
      return AGENTD_INVALID_ARGUMENT;
    }
    auto* plugin = reinterpret_cast<Plugin*>(instance);
    absl::StatusOr<agentd::v1::AgentResponse> response;
    if constexpr (ReportsProgress<Plugin>) {
      response = plugin->Handle(parsed, CancelToken(cancel), Progress(progress));
    } else {
      response = plugin->Handle(parsed, CancelToken(cancel));
    }
    if (!response.ok()) {
      Fail(sink, std::string(response.status().message()));
      return ToCode(response.status());
    }
    // Not SerializeAsString: it zero-fills a fresh string before writing it.
    const size_t size = response->ByteSizeLong();
    auto bytes = std::make_unique_for_overwrite<uint8_t[]>(size);
    response->SerializeWithCachedSizesToArray(bytes.get());
    sink->emit(sink->ctx, bytes.get(), size);
    return AGENTD_OK;
  } catch (const std::exception& e) {
    Fail(sink, std::string("plugin threw: ") + e.what());
    return AGENTD_INTERNAL;
  } catch (...) {
    Fail(sink, "plugin threw a non-standard exception");
    return AGENTD_INTERNAL;
  }
}

template <typename Plugin>
agentd_status Handle(agentd_instance* instance, const uint8_t* request, size_t request_len,
                     const agentd_cancel_token* cancel, const agentd_sink* sink) {
  return HandleWithProgress<Plugin>(instance, request, request_len, cancel, sink, nullptr);
}

template <typename Plugin>
constexpr auto HandleWithProgressFor() {
  using Fn = agentd_status (*)(agentd_instance*, const uint8_t*, size_t, const agentd_cancel_token*,
                               const agentd_sink*, const agentd_progress*);
  if constexpr (ReportsProgress<Plugin>) {
    return static_cast<Fn>(&HandleWithProgress<Plugin>);
  } else {
    return static_cast<Fn>(nullptr);
  }
}

template <typename Plugin>
void Destroy(agentd_instance* instance) {
  delete reinterpret_cast<Plugin*>(instance);
}

}  // namespace internal
}  // namespace agentd::sdk

// Defines the exported entry symbol for `Plugin`. Use once per library.
#define AGENTD_PLUGIN(Plugin)                                              \
  extern "C" AGENTD_PLUGIN_EXPORT const agentd_plugin_v1*                  \
  agentd_plugin_entry_v1(void) {                                           \
    static const agentd_plugin_v1 table = {                                \
        AGENTD_PLUGIN_ABI_MAJOR,                                           \
        AGENTD_PLUGIN_ABI_MINOR,                                           \
        Plugin::kPluginName,                                               \
        Plugin::kFlags,                                                    \
        &::agentd::sdk::internal::Create<Plugin>,                          \
        &::agentd::sdk::internal::Handle<Plugin>,                          \
        &::agentd::sdk::internal::Destroy<Plugin>,                         \
        ::agentd::sdk::internal::HandleWithProgressFor<Plugin>(),          \
    };                                                                     \
    return &table;                                                         \
  }

#endif  // AGENTD_PLUGINS_SDK_PLUGIN_SDK_H_
