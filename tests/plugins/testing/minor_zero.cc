// minor_zero: a plugin as one built against ABI 1.0 looks to this host: its
// table ends after destroy(). What follows it in memory is not a function
// (here a poisoned pointer), so a host that read handle_with_progress from a
// 1.0 table would crash; the host must call handle().
#include <cstring>
#include <string>

#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"

namespace {

struct TableV1_0 {
  uint32_t abi_major, abi_minor;
  const char* name;
  uint32_t flags;
  decltype(agentd_plugin_v1::create) create;
  decltype(agentd_plugin_v1::handle) handle;
  decltype(agentd_plugin_v1::destroy) destroy;
};
struct TableWithGarbage {
  TableV1_0 table;
  void* poison;  // where a 1.1 table has handle_with_progress
};

int instance_storage;

agentd_status Create(const uint8_t*, size_t, agentd_instance** out, const agentd_sink*) {
  *out = reinterpret_cast<agentd_instance*>(&instance_storage);
  return AGENTD_OK;
}

agentd_status Handle(agentd_instance*, const uint8_t* request, size_t len, const agentd_cancel_token*,
                     const agentd_sink* sink) {
  agentd::v1::AgentRequest parsed;
  parsed.ParseFromArray(request, static_cast<int>(len));
  agentd::v1::AgentResponse response;
  response.set_summary("1.0 plugin answered: " + parsed.text());
  std::string bytes = response.SerializeAsString();
  sink->emit(sink->ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return AGENTD_OK;
}

void Destroy(agentd_instance*) {}

const TableWithGarbage kTable = {
    {AGENTD_PLUGIN_ABI_MAJOR, 0, "minor_zero", AGENTD_PLUGIN_THREAD_SAFE, &Create, &Handle, &Destroy},
    reinterpret_cast<void*>(0x1)};

}  // namespace

extern "C" AGENTD_PLUGIN_EXPORT const agentd_plugin_v1* agentd_plugin_entry_v1(void) {
  return reinterpret_cast<const agentd_plugin_v1*>(&kTable);
}
