// newer_minor: a plugin as one built against a later ABI 1.x looks to this
// host. Its table declares abi_minor = this host's minor + 1 and goes on past
// handle_with_progress with a function this host has never heard of (here a
// poisoned pointer: calling it would crash). The host must load it, answer
// through what both know (handle, handle_with_progress) and never touch the
// rest.
#include <string>

#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"

namespace {

struct TableFromTheFuture {
  agentd_plugin_v1 known;  // everything up to this host's minor
  void* added_in_next_minor;
};

int instance_storage;

agentd_status Create(const uint8_t*, size_t, agentd_instance** out, const agentd_sink*) {
  *out = reinterpret_cast<agentd_instance*>(&instance_storage);
  return AGENTD_OK;
}

void Answer(const uint8_t* request, size_t len, const agentd_sink* sink) {
  agentd::v1::AgentRequest parsed;
  parsed.ParseFromArray(request, static_cast<int>(len));
  agentd::v1::AgentResponse response;
  response.set_summary("newer plugin answered: " + parsed.text());
  std::string bytes = response.SerializeAsString();
  sink->emit(sink->ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

agentd_status Handle(agentd_instance*, const uint8_t* request, size_t len, const agentd_cancel_token*,
                     const agentd_sink* sink) {
  Answer(request, len, sink);
  return AGENTD_OK;
}

agentd_status HandleWithProgress(agentd_instance*, const uint8_t* request, size_t len, const agentd_cancel_token*,
                                 const agentd_sink* sink, const agentd_progress* progress) {
  static constexpr char kStep[] = "working";
  if (progress != nullptr) progress->report(progress->ctx, kStep, sizeof(kStep) - 1);
  Answer(request, len, sink);
  return AGENTD_OK;
}

void Destroy(agentd_instance*) {}

const TableFromTheFuture kTable = {
    {AGENTD_PLUGIN_ABI_MAJOR, AGENTD_PLUGIN_ABI_MINOR + 1, "newer_minor", AGENTD_PLUGIN_THREAD_SAFE, &Create,
     &Handle, &Destroy, &HandleWithProgress},
    reinterpret_cast<void*>(0x1)};

}  // namespace

extern "C" AGENTD_PLUGIN_EXPORT const agentd_plugin_v1* agentd_plugin_entry_v1(void) { return &kTable.known; }
