// agentd-plugin-serve: runs one in-process plugin (a C ABI library) as a
// plugin process. agentd starts it from a definition's `command:`
//   command: agentd-plugin-serve /path/to/libmy_plugin.so
// and it serves the AgentPlugin service and grpc.health.v1 on
// $AGENTD_PLUGIN_ADDRESS for the agent whose AgentConfig is in
// $AGENTD_PLUGIN_CONFIG (docs/plugins.md). A crash in the plugin then takes
// down this process only. SIGTERM or SIGINT stops it.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "server/plugin_host/plugin_loader.h"
#include "server/plugin_host/remote/plugin_server.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "agentd-plugin-serve: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // As agentd does (server/main.cc): Debian's Abseil checks every Mutex lock,
  // gRPC's own included, against a global lock graph; a debugging aid.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc != 2) return Fail("usage: agentd-plugin-serve PLUGIN.so (with AGENTD_PLUGIN_ADDRESS, AGENTD_PLUGIN_CONFIG)");
  const char* address = std::getenv("AGENTD_PLUGIN_ADDRESS");
  const char* config_path = std::getenv("AGENTD_PLUGIN_CONFIG");
  if (address == nullptr || config_path == nullptr) return Fail("AGENTD_PLUGIN_ADDRESS and AGENTD_PLUGIN_CONFIG must be set");
  std::ifstream in(config_path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  agentd::v1::AgentConfig config;
  if (!in || !config.ParseFromString(bytes.str())) return Fail("cannot read the AgentConfig in AGENTD_PLUGIN_CONFIG");
  absl::StatusOr<std::shared_ptr<agentd::PluginLibrary>> library = agentd::PluginLibrary::Load(argv[1]);
  if (!library.ok()) return Fail(library.status().ToString());
  absl::StatusOr<std::unique_ptr<agentd::AgentInstance>> agent = agentd::AgentInstance::Create(*library, config);
  if (!agent.ok()) return Fail(agent.status().ToString());

  agentd::v1::DescribeResponse describe;
  describe.set_name((*library)->name());
  describe.set_version(absl::StrCat("C ABI ", (*library)->table().abi_major, ".", (*library)->table().abi_minor));
  *describe.mutable_sections() = config.definition().sections();
  describe.mutable_capabilities()->set_progress((*library)->reports_progress());
  // Signals are waited for below, not delivered to a random thread.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  absl::StatusOr<std::unique_ptr<agentd::PluginServer>> server =
      agentd::PluginServer::Start(address, agent->get(), describe);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  int sig = 0;
  sigwait(&stop, &sig);
  server->reset();
  return 0;
}
