#include "server/definitions/agents_settings.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

TEST(AgentsSettingsTest, ReadsTheTitleAndTheDefaultPlugin) {
  auto settings = ParseAgentsSettings("review_title: Data Platform Review\ndefault_plugin: llm\nother: kept out\n",
                                      "agentd.yaml");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->review_title, "Data Platform Review");
  EXPECT_EQ(settings->default_plugin, "llm");
}

TEST(AgentsSettingsTest, EmptyOrMissingMeansNoSettings) {
  auto empty = ParseAgentsSettings("", "agentd.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->review_title, "");
  auto missing = LoadAgentsSettings(std::string(AGENTD_SOURCE_DIR) + "/tests/server/definitions/testdata");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->default_plugin, "");
}

TEST(AgentsSettingsTest, BadSettingsNameTheFileAndLine) {
  auto list = ParseAgentsSettings("review_title: ok\ndefault_plugin: [a, b]\n", "agents/agentd.yaml");
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status().message(), HasSubstr("agents/agentd.yaml:2: 'default_plugin' must be a single value"));
  auto broken = ParseAgentsSettings("review_title: [unclosed\n", "agentd.yaml");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  auto scalar = ParseAgentsSettings("just text", "agentd.yaml");
  EXPECT_EQ(scalar.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AgentsSettingsTest, TheBundledAgentsComeWithTheirTitleAndDefaultPlugin) {
  auto bundled = LoadAgentsSettings(std::string(AGENTD_SOURCE_DIR) + "/agents");
  ASSERT_TRUE(bundled.ok()) << bundled.status();
  EXPECT_FALSE(bundled->review_title.empty());
  EXPECT_FALSE(bundled->default_plugin.empty());
}

}  // namespace
}  // namespace agentd
