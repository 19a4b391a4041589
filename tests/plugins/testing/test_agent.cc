// test_agent: a plugin for tests only, steered by its AgentConfig options
// (the definition's extra front-matter keys):
//   mode: answer (default) | sleep | hang | fail | dissent | progress | request
//         (request answers with the request it got, as text format, in
//         its item's rationale)
//         (progress reports "step 1 ", "step 2" through the ABI 1.1
//         progress channel first)
//   sleep_ms: how long `sleep` mode works, polling the cancel token; how
//             long `hang` mode blocks, ignoring it (a plugin stuck in a call)
//   fail_while: a file; while it exists every call fails (a flaky backend)
//   hang_while: a file; while it exists every call blocks for sleep_ms,
//               ignoring the cancel token (a fast agent that starts hanging)
//   wait_while: a file; while it exists a call waits for it to go, polling
//               the cancel token (a call a test ends when it chooses)
//   cancel_marker: file written when the plugin sees the cancel token set
//   start_marker: file written when a call starts (so a test can cancel a
//                 call it knows is running)
//   key / value: the decision `dissent` mode makes (to disagree on purpose)
//   abort_on: text; a request whose text holds it aborts the whole process
//             (a plugin that crashes mid-call; run it out of process)
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "plugin_sdk.h"

namespace agentd::testing {

class TestAgent {
 public:
  static constexpr const char* kPluginName = "test_agent";
  static constexpr uint32_t kFlags = AGENTD_PLUGIN_THREAD_SAFE;

  static absl::StatusOr<std::unique_ptr<TestAgent>> Create(const v1::AgentConfig& config) {
    auto agent = std::make_unique<TestAgent>();
    agent->name_ = config.definition().name();
    auto option = [&](const char* key, const char* fallback) {
      auto it = config.options().find(key);
      return it == config.options().end() ? std::string(fallback) : it->second;
    };
    agent->mode_ = option("mode", "answer");
    agent->sleep_ms_ = std::stoi(option("sleep_ms", "0"));
    agent->cancel_marker_ = option("cancel_marker", "");
    agent->start_marker_ = option("start_marker", "");
    agent->fail_while_ = option("fail_while", "");
    agent->hang_while_ = option("hang_while", "");
    agent->wait_while_ = option("wait_while", "");
    agent->abort_on_ = option("abort_on", "");
    agent->key_ = option("key", "database.primary");
    agent->value_ = option("value", "mongodb");
    agent->section_ = config.definition().sections().empty() ? "test_notes" : config.definition().sections(0);
    if (agent->mode_ == "refuse") return absl::FailedPreconditionError("configured to refuse creation");
    return agent;
  }

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const sdk::CancelToken& cancel,
                                           const sdk::Progress& progress) {
    if (!start_marker_.empty()) Touch(start_marker_, "started\n");
    if (!abort_on_.empty() && request.text().find(abort_on_) != std::string::npos) std::abort();
    if (mode_ == "progress") {
      progress.Report("step 1 ");
      progress.Report("step 2");
    }
    if (mode_ == "fail") return absl::UnavailableError("configured to fail");
    if (!fail_while_.empty() && Exists(fail_while_)) {
      return absl::UnavailableError("failing while its fail_while file exists");
    }
    if (mode_ == "hang" || (!hang_while_.empty() && Exists(hang_while_))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    }
    while (!wait_while_.empty() && Exists(wait_while_)) {
      if (cancel.cancelled()) return absl::CancelledError("saw the cancel token");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (mode_ == "sleep") {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(sleep_ms_);
      while (std::chrono::steady_clock::now() < until) {
        if (cancel.cancelled()) {
          if (!cancel_marker_.empty()) Touch(cancel_marker_, "cancelled\n");
          return absl::CancelledError("saw the cancel token");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    v1::AgentResponse response;
    response.set_agent(name_);
    v1::Section* section = response.add_sections();
    section->set_id(section_);
    v1::Item* item = section->add_items();
    item->set_text("test_agent answered: " + request.text());
    if (mode_ == "request") item->set_rationale(request.DebugString());
    if (mode_ == "dissent") {
      v1::Decision* d = response.add_decisions();
      d->set_key(key_);
      d->set_value(value_);
      d->set_rationale("test_agent disagrees on purpose");
    }
    return response;
  }

 private:
  static bool Exists(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (f != nullptr) std::fclose(f);
    return f != nullptr;
  }
  static void Touch(const std::string& path, const char* text) {
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      std::fputs(text, f);
      std::fclose(f);
    }
  }

  std::string name_, mode_, cancel_marker_, start_marker_, fail_while_, hang_while_, wait_while_, abort_on_, key_, value_, section_;
  int sleep_ms_ = 0;
};

}  // namespace agentd::testing

AGENTD_PLUGIN(agentd::testing::TestAgent)
