#include "server/plugin_host/plugin_loader.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

const std::string kTestPlugins = std::string(AGENTD_BUILD_DIR) + "/tests/plugins";
const std::string kPlugins = std::string(AGENTD_BUILD_DIR) + "/lib/agentd/plugins";

v1::AgentConfig ConfigFor(const std::string& name, std::map<std::string, std::string> options = {}) {
  v1::AgentConfig config;
  config.mutable_definition()->set_name(name);
  for (auto& [k, v] : options) (*config.mutable_options())[k] = v;
  return config;
}

TEST(PluginLoaderTest, LoadsARealPluginAndAnswers) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok()) << library.status();
  EXPECT_EQ((*library)->name(), "test_agent");
  EXPECT_TRUE((*library)->thread_safe());
  auto instance = AgentInstance::Create(*library, ConfigFor("echo"));
  ASSERT_TRUE(instance.ok()) << instance.status();
  v1::AgentRequest request;
  request.set_text("hello");
  CancelState cancel;
  auto response = (*instance)->Handle(request, cancel);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->agent(), "echo");
  EXPECT_THAT(response->sections(0).items(0).text(), HasSubstr("hello"));
}

// HandleShared sends the shared bytes with the agent and deadline appended:
// the plugin must see exactly the request a copy with both fields set makes,
// also when the shared request carries other values of them.
TEST(PluginLoaderTest, ASharedRequestReachesThePluginAsTheAgentsOwn) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok()) << library.status();
  auto instance = AgentInstance::Create(*library, ConfigFor("db", {{"mode", "request"}}));
  ASSERT_TRUE(instance.ok()) << instance.status();
  v1::AgentRequest shared;
  shared.set_request_id("r1");
  shared.set_text("how many shards?");
  shared.set_turn(3);
  v1::Fact* fact = shared.add_facts();
  fact->set_field("rps");
  fact->set_value("500");
  CancelState cancel;
  struct Case {
    std::string shared_agent;
    int64_t shared_deadline;
    std::string agent;
    int64_t deadline;
  };
  for (const Case& c : {Case{"", 0, "db", 1700000000123}, Case{"other", 99, "db", 1700000000123},
                        Case{"other", 99, "", 0}, Case{"", 0, "", 0}}) {
    shared.set_agent(c.shared_agent);
    shared.set_deadline_unix_ms(c.shared_deadline);
    v1::AgentRequest own = shared;
    own.set_agent(c.agent);
    own.set_deadline_unix_ms(c.deadline);
    auto response = (*instance)->HandleShared(shared, shared.SerializeAsString(), c.agent, c.deadline, cancel);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->sections(0).items(0).rationale(), own.DebugString()) << c.shared_agent << "/" << c.agent;
    auto plain = (*instance)->Handle(own, cancel);
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_EQ(response->SerializeAsString(), plain->SerializeAsString());
  }
}

// The bytes HandleShared hands back for the store are the plugin's own,
// and parse to exactly the answer returned.
TEST(PluginLoaderTest, ASharedCallKeepsTheAnswersBytesAsThePluginEmittedThem) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok()) << library.status();
  auto instance = AgentInstance::Create(*library, ConfigFor("db", {{"mode", "dissent"}}));
  ASSERT_TRUE(instance.ok()) << instance.status();
  v1::AgentRequest shared;
  shared.set_text("which database?");
  CancelState cancel;
  std::string bytes = "left from before";
  auto response = (*instance)->HandleShared(shared, shared.SerializeAsString(), "db", 0, cancel, nullptr, &bytes);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->decisions(0).key(), "database.primary");
  v1::AgentResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.SerializeAsString(), response->SerializeAsString());
  // Without a place for them, the same answer.
  auto plain = (*instance)->HandleShared(shared, shared.SerializeAsString(), "db", 0, cancel);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->SerializeAsString(), response->SerializeAsString());
  // A shared request whose agent the appended tail cannot clear goes the
  // plain way (Handle on a copy): it answers, and keeps no bytes.
  shared.set_agent("someone");
  auto copied = (*instance)->HandleShared(shared, shared.SerializeAsString(), "", 0, cancel, nullptr, &bytes);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_EQ(bytes, "");
}

// An answer the host changes after parsing (a plugin that did not name its
// agent is named by the host) has no bytes kept: they would not say what
// the answer is. A failed call keeps none either.
TEST(PluginLoaderTest, AnAnswerChangedAfterParsingOrAFailureKeepsNoBytes) {
  auto old = PluginLibrary::Load(kTestPlugins + "/libminor_zero.so");
  ASSERT_TRUE(old.ok()) << old.status();
  auto nameless = AgentInstance::Create(*old, ConfigFor("old"));
  ASSERT_TRUE(nameless.ok()) << nameless.status();
  v1::AgentRequest shared;
  shared.set_text("hi");
  CancelState cancel;
  std::string bytes = "left from before";
  auto response = (*nameless)->HandleShared(shared, shared.SerializeAsString(), "old", 0, cancel, nullptr, &bytes);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->agent(), "old");  // named by the host
  EXPECT_EQ(bytes, "");

  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok()) << library.status();
  auto failing = AgentInstance::Create(*library, ConfigFor("f", {{"mode", "fail"}}));
  ASSERT_TRUE(failing.ok()) << failing.status();
  bytes = "left from before";
  auto failed = (*failing)->HandleShared(shared, shared.SerializeAsString(), "f", 0, cancel, nullptr, &bytes);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(bytes, "");
}

TEST(PluginLoaderTest, ProgressReachesTheHostThroughAbi11) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok()) << library.status();
  EXPECT_TRUE((*library)->reports_progress());
  auto instance = AgentInstance::Create(*library, ConfigFor("talker", {{"mode", "progress"}}));
  ASSERT_TRUE(instance.ok()) << instance.status();
  std::string seen;
  AgentInstance::ProgressFn progress = [&](std::string_view text) { seen.append(text); };
  CancelState cancel;
  auto response = (*instance)->Handle(v1::AgentRequest(), cancel, &progress);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(seen, "step 1 step 2");
  // Without a progress function the same plugin answers through handle().
  EXPECT_TRUE((*instance)->Handle(v1::AgentRequest(), cancel).ok());
}

TEST(PluginLoaderTest, AnAbi10PluginStillLoadsAndAnswersWithoutProgress) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libminor_zero.so");
  ASSERT_TRUE(library.ok()) << library.status();
  EXPECT_FALSE((*library)->reports_progress());  // never reads past a 1.0 table
  auto instance = AgentInstance::Create(*library, ConfigFor("old"));
  ASSERT_TRUE(instance.ok()) << instance.status();
  v1::AgentRequest request;
  request.set_text("hi");
  bool called = false;
  AgentInstance::ProgressFn progress = [&](std::string_view) { called = true; };
  CancelState cancel;
  auto response = (*instance)->Handle(request, cancel, &progress);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->summary(), "1.0 plugin answered: hi");
  EXPECT_FALSE(called);
}

TEST(PluginLoaderTest, APluginBuiltForANewerMinorLoadsAndWorksForWhatBothKnow) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libnewer_minor.so");
  ASSERT_TRUE(library.ok()) << library.status();
  EXPECT_EQ((*library)->abi_minor(), AGENTD_PLUGIN_ABI_MINOR + 1u);
  EXPECT_EQ((*library)->used_minor(), static_cast<uint32_t>(AGENTD_PLUGIN_ABI_MINOR));
  EXPECT_TRUE((*library)->reports_progress());  // 1.1 is known to both
  auto instance = AgentInstance::Create(*library, ConfigFor("future"));
  ASSERT_TRUE(instance.ok()) << instance.status();
  v1::AgentRequest request;
  request.set_text("hi");
  std::string seen;
  AgentInstance::ProgressFn progress = [&](std::string_view text) { seen.append(text); };
  CancelState cancel;
  auto with_progress = (*instance)->Handle(request, cancel, &progress);
  ASSERT_TRUE(with_progress.ok()) << with_progress.status();
  EXPECT_EQ(with_progress->summary(), "newer plugin answered: hi");
  EXPECT_EQ(seen, "working");
  auto plain = (*instance)->Handle(request, cancel);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->agent(), "future");
}

TEST(PluginLoaderTest, MissingFileIsNotFoundAndNamesThePath) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libnope.so");
  EXPECT_EQ(library.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(library.status().message(), HasSubstr("libnope.so"));
}

TEST(PluginLoaderTest, WrongMajorVersionIsRefusedWithThePath) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libwrong_major.so");
  EXPECT_EQ(library.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(library.status().message(), HasSubstr("libwrong_major.so"));
  EXPECT_THAT(library.status().message(), HasSubstr("ABI major version 99"));
}

TEST(PluginLoaderTest, LibraryWithoutEntrySymbolIsRefusedWithThePath) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libno_entry.so");
  EXPECT_EQ(library.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(library.status().message(), HasSubstr("libno_entry.so"));
  EXPECT_THAT(library.status().message(), HasSubstr("agentd_plugin_entry_v1"));
}

TEST(PluginLoaderTest, NotALibraryIsRefused) {
  auto library = PluginLibrary::Load(std::string(AGENTD_SOURCE_DIR) + "/README.md");
  EXPECT_EQ(library.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(library.status().message(), HasSubstr("README.md"));
}

TEST(PluginLoaderTest, CreateErrorCarriesThePluginsReason) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok());
  auto instance = AgentInstance::Create(*library, ConfigFor("x", {{"mode", "refuse"}}));
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(instance.status().message(), HasSubstr("configured to refuse creation"));
}

TEST(PluginLoaderTest, HandleErrorComesBackAsStatus) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok());
  auto instance = AgentInstance::Create(*library, ConfigFor("flaky", {{"mode", "fail"}}));
  ASSERT_TRUE(instance.ok());
  CancelState cancel;
  auto response = (*instance)->Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("flaky: configured to fail"));
}

TEST(PluginLoaderTest, CancelTokenReachesThePlugin) {
  auto library = PluginLibrary::Load(kTestPlugins + "/libtest_agent.so");
  ASSERT_TRUE(library.ok());
  auto instance = AgentInstance::Create(*library, ConfigFor("slow", {{"mode", "sleep"}, {"sleep_ms", "60000"}}));
  ASSERT_TRUE(instance.ok());
  CancelState cancel;
  cancel.cancelled = true;
  auto response = (*instance)->Handle(v1::AgentRequest(), cancel);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled);
}

TEST(PluginLoaderTest, BundledPluginsExportOnlyTheEntrySymbolAndLoad) {
  for (const char* name : {"backend_architect", "stub_peer", "llm"}) {
    PluginRegistry registry(kPlugins);
    auto library = registry.Get(name);
    ASSERT_TRUE(library.ok()) << library.status();
    EXPECT_EQ((*library)->name(), name);
  }
}

}  // namespace
}  // namespace agentd
