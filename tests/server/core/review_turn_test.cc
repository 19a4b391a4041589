#include "server/core/review_turn.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

AgentOutcome Answered(const std::string& agent, const std::string& section, const std::string& text) {
  AgentOutcome o;
  o.run.set_agent(agent);
  o.run.set_status(v1::AGENT_STATUS_OK);
  o.response.emplace();
  o.response->set_agent(agent);
  v1::Section* s = o.response->add_sections();
  s->set_id(section);
  s->add_items()->set_text(text);
  return o;
}

ReviewLayout Layout() {
  std::vector<v1::SectionSpec> specs(3);
  specs[0].set_id("api_design");
  specs[1].set_id("risks");
  specs[2].set_id("database_architecture");
  specs[2].add_decision_prefixes("database");
  return ReviewLayout(std::move(specs));
}

TEST(ReviewTurnTest, TheRecordTakesTheAnswersAndMergeGetsThemBack) {
  const ReviewLayout layout = Layout();
  std::vector<AgentOutcome> outcomes = {Answered("api-architect", "api_design", "REST"),
                                        Answered("backend-architect", "risks", "Hot keys")};
  outcomes[1].response->add_decisions()->set_key("database.primary");
  AgentOutcome failed;
  failed.run.set_agent("sre-specialist");
  failed.run.set_status(v1::AGENT_STATUS_TIMED_OUT);
  outcomes.push_back(failed);
  outcomes[0].response_bytes = outcomes[0].response->SerializeAsString();  // kept by its host
  const std::vector<AgentOutcome> sent = outcomes;
  v1::ReviewRequest request;
  request.set_text("How do we scale checkout?");
  TurnRecord record = NewTurnRecord("alice", "s1", true, request);
  EXPECT_EQ(record.title, "How do we scale checkout?");

  RecordOutputs(&outcomes, &record, layout);
  ASSERT_EQ(record.outputs.size(), 3u);
  EXPECT_EQ(record.outputs[0].output.sections(0).items(0).text(), "REST");
  EXPECT_EQ(record.outputs[0].output_bytes, sent[0].response_bytes);  // stored as they are
  EXPECT_EQ(record.outputs[1].output_bytes, "");                       // serialized by the store
  EXPECT_EQ(record.outputs[2].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_EQ(record.outputs[2].output.ByteSizeLong(), 0u);
  EXPECT_EQ(record.status, "partial");
  std::vector<std::string> used;
  for (const auto& spec : record.merge.layout) used.push_back(spec->id());
  EXPECT_THAT(used, ::testing::ElementsAre("api_design", "risks", "database_architecture"));

  record.merge.title = "Review";
  auto owner = std::make_shared<v1::AgentDefinition>();
  owner->set_name("api-architect");
  owner->add_sections("api_design");
  record.merge.section_owners = {owner};
  MergeInput input = MergeInputOf(&record, &outcomes, &layout);
  ASSERT_EQ(input.outcomes.size(), 3u);
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(input.outcomes[i].run.SerializeAsString(), sent[i].run.SerializeAsString());
    ASSERT_EQ(input.outcomes[i].response.has_value(), sent[i].response.has_value());
    if (sent[i].response.has_value()) {
      EXPECT_EQ(input.outcomes[i].response->SerializeAsString(), sent[i].response->SerializeAsString());
    }
  }
  EXPECT_EQ(input.title, "Review");
  EXPECT_EQ(input.layout, &layout);
  // The merge reads the section owners the record shares (the agent set's),
  // not copies of them.
  ASSERT_EQ(input.definitions.size(), 1u);
  EXPECT_EQ(input.definitions[0].get(), owner.get());
}

TEST(ReviewTurnTest, NoAnswerIsUnavailableNamingEveryAgent) {
  AgentOutcome a;
  a.run.set_agent("a");
  a.run.set_status(v1::AGENT_STATUS_FAILED);
  a.run.set_error("boom");
  AgentOutcome b = a;
  b.run.set_agent("b");
  absl::Status status = RequireAnAnswer({a, b}, {nullptr, nullptr});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("a: boom; b: boom"));
  EXPECT_TRUE(RequireAnAnswer({Answered("a", "risks", "x")}, {nullptr}).ok());
}

}  // namespace
}  // namespace agentd
