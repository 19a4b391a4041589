// The built stub_peer plugin, loaded the way the host loads it (dlopen + the
// C entry symbol): each agent lists the competencies its request touches,
// also when several agents share the plugin and the texts come and go
// (the plugin keeps the terms of recent texts for all its agents).
#include <dlfcn.h>

#include <string>
#include <vector>

#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::ElementsAreArray;

void Emit(void* ctx, const uint8_t* bytes, size_t len) {
  static_cast<std::string*>(ctx)->assign(reinterpret_cast<const char*>(bytes), len);
}

void Fail(void* ctx, const char* message, size_t len) {
  static_cast<std::string*>(ctx)->assign(message, len);
}

class StubPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = std::string(AGENTD_BUILD_DIR) + "/lib/agentd/plugins/libstub_peer.so";
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<agentd_plugin_entry_v1_fn>(dlsym(handle_, AGENTD_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr) << dlerror();
    table_ = entry();
    ASSERT_NE(table_, nullptr);
  }
  void TearDown() override {
    for (agentd_instance* instance : instances_) table_->destroy(instance);
    if (handle_ != nullptr) dlclose(handle_);
  }

  agentd_instance* Create(const std::string& name, const std::vector<std::string>& competencies) {
    v1::AgentConfig config;
    config.mutable_definition()->set_name(name);
    for (const std::string& c : competencies) config.mutable_definition()->add_competencies(c);
    const std::string bytes = config.SerializeAsString();
    std::string error;
    agentd_sink sink{&error, &Emit, &Fail};
    agentd_instance* instance = nullptr;
    EXPECT_EQ(table_->create(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &instance, &sink),
              AGENTD_OK)
        << error;
    if (instance != nullptr) instances_.push_back(instance);
    return instance;
  }

  // The checklist items of `instance`'s answer to `text`, without the note.
  std::vector<std::string> Checklist(agentd_instance* instance, const std::string& text) {
    v1::AgentRequest request;
    request.set_text(text);
    const std::string bytes = request.SerializeAsString();
    std::string out;
    agentd_sink sink{&out, &Emit, &Fail};
    EXPECT_EQ(table_->handle(instance, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), nullptr,
                             &sink),
              AGENTD_OK)
        << out;
    v1::AgentResponse response;
    EXPECT_TRUE(response.ParseFromString(out));
    std::vector<std::string> items;
    if (response.sections_size() != 1) return items;
    for (const v1::Item& item : response.sections(0).items()) {
      if (item.text().rfind("[ ] ", 0) == 0) items.push_back(item.text().substr(4));
    }
    return items;
  }

  void* handle_ = nullptr;
  const agentd_plugin_v1* table_ = nullptr;
  std::vector<agentd_instance*> instances_;
};

TEST_F(StubPeerTest, EachAgentListsTheCompetenciesItsRequestTouches) {
  agentd_instance* data = Create("data-peer", {"Caching: cache layers and invalidation",
                                               "Indexes: composite indexes for queries"});
  agentd_instance* ops = Create("ops-peer", {"Queues: message queues and consumers",
                                             "Caching: CDN edge caches"});
  ASSERT_NE(data, nullptr);
  ASSERT_NE(ops, nullptr);
  // More texts than the plugin keeps, twice round, each asked of both agents:
  // an answer never comes from another text's terms.
  std::vector<std::string> texts;
  for (int i = 0; i < 12; ++i) {
    texts.push_back(i % 3 == 0   ? "How should we cache product pages (variant " + std::to_string(i) + ")?"
                    : i % 3 == 1 ? "Which indexes does the orders query need, take " + std::to_string(i) + "?"
                                 : "Our message queue consumers fall behind, case " + std::to_string(i) + ".");
  }
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < texts.size(); ++i) {
      SCOPED_TRACE(texts[i]);
      std::vector<std::string> want_data, want_ops;
      if (i % 3 == 0) {
        want_data = {"Caching: cache layers and invalidation"};
        want_ops = {"Caching: CDN edge caches"};
      } else if (i % 3 == 1) {
        want_data = {"Indexes: composite indexes for queries"};
        // "query" and "queue" share no stem: nothing for ops
      } else {
        want_ops = {"Queues: message queues and consumers"};
      }
      EXPECT_THAT(Checklist(data, texts[i]), ElementsAreArray(want_data));
      EXPECT_THAT(Checklist(ops, texts[i]), ElementsAreArray(want_ops));
    }
  }
}

}  // namespace
}  // namespace agentd
