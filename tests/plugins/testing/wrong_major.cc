// A plugin built against a future ABI major: the host must refuse it.
#include "agentd/plugin.h"

extern "C" AGENTD_PLUGIN_EXPORT const agentd_plugin_v1* agentd_plugin_entry_v1(void) {
  static const agentd_plugin_v1 table = {AGENTD_PLUGIN_ABI_MAJOR + 98, 0, "wrong_major", 0, nullptr, nullptr, nullptr};
  return &table;
}
