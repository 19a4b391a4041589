#include "plugins/llm/prompt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace agentd::llm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

v1::AgentDefinition Definition() {
  v1::AgentDefinition def;
  def.set_name("capacity-planner");
  def.set_body("# Capacity Planner\n\nYou size services.\n");
  def.add_sections("capacity_plan");
  def.add_sections("capacity_risks");
  return def;
}

std::vector<std::string> Texts(const v1::Section& section) {
  std::vector<std::string> texts;
  for (const v1::Item& item : section.items()) texts.push_back(item.text());
  return texts;
}

TEST(ChatRequestBody, SystemPromptIsTheBodyAndTheSchemaNamesTheSections) {
  AgentPrompt prompt = MakeAgentPrompt(Definition(), "m1");
  v1::AgentRequest request;
  request.set_text("How many instances for 10,000 orders per minute?");
  v1::Fact* fact = request.add_facts();
  fact->set_field("peak_rps");
  fact->set_value("166.67");
  fact->set_source(v1::Fact::SOURCE_TEXT);
  fact->set_quote("10,000 orders per minute");
  v1::EarlierTurn* earlier = request.add_history();
  earlier->set_text("first question");
  earlier->set_answer("first answer");

  auto body = nlohmann::json::parse(ChatRequestBody(prompt, request, ResponseFormat::kJsonSchema));
  EXPECT_EQ(body["model"], "m1");
  EXPECT_EQ(body["stream"], true);
  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "# Capacity Planner\n\nYou size services.\n");
  EXPECT_EQ(body["messages"][1]["content"], "first question");
  EXPECT_EQ(body["messages"][2]["role"], "assistant");
  std::string user = body["messages"][3]["content"];
  EXPECT_THAT(user, HasSubstr("How many instances"));
  EXPECT_THAT(user, HasSubstr("peak_rps = 166.67 (read from the request: \"10,000 orders per minute\")"));
  EXPECT_THAT(user, HasSubstr("capacity_plan"));
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"]["properties"]["sections"]["items"]["properties"]["id"]["enum"],
            nlohmann::json({"capacity_plan", "capacity_risks"}));

  auto plain = nlohmann::json::parse(ChatRequestBody(prompt, request, ResponseFormat::kNone));
  EXPECT_FALSE(plain.contains("response_format"));
  auto object = nlohmann::json::parse(ChatRequestBody(prompt, request, ResponseFormat::kJsonObject));
  EXPECT_EQ(object["response_format"]["type"], "json_object");
}

TEST(MakeAgentPrompt, ADefinitionWithoutSectionsAnswersUnderItsName) {
  v1::AgentDefinition def;
  def.set_name("code-reviewer");
  EXPECT_THAT(MakeAgentPrompt(def, "m").section_ids, ElementsAre("code_reviewer"));
}

TEST(ParseAnswer, JsonAnswerInsideAFence) {
  AgentPrompt prompt = MakeAgentPrompt(Definition(), "m");
  v1::AgentResponse r = ParseAnswer(R"(Here you go:
```json
{"summary": "Three.", "sections": [{"id": "capacity_risks", "items": [{"text": "Spikes", "rationale": "sales"}]},
 {"id": "made_up", "items": ["Loose string item"]}],
 "decisions": [{"key": "capacity.instances", "value": "3", "confidence": 7}, {"key": "", "value": "x"}],
 "assumptions": ["60 rps each", ""], "questions": ["Budget?"]}
```)",
                                    prompt);
  EXPECT_EQ(r.agent(), "capacity-planner");
  EXPECT_FALSE(r.stub());
  EXPECT_EQ(r.summary(), "Three.");
  ASSERT_EQ(r.sections_size(), 2);  // in the definition's order; the unknown id goes to the first
  EXPECT_EQ(r.sections(0).id(), "capacity_plan");
  EXPECT_THAT(Texts(r.sections(0)), ElementsAre("Loose string item"));
  EXPECT_EQ(r.sections(1).id(), "capacity_risks");
  EXPECT_EQ(r.sections(1).items(0).rationale(), "sales");
  EXPECT_EQ(r.sections(1).items(0).agent(), "capacity-planner");
  ASSERT_EQ(r.decisions_size(), 1);
  EXPECT_EQ(r.decisions(0).confidence(), 1.0);  // clamped
  EXPECT_EQ(r.assumptions_size(), 1);
  EXPECT_EQ(r.questions(0).text(), "Budget?");
}

TEST(ParseAnswer, MarkdownHeadingsListsAndNumberedItems) {
  AgentPrompt prompt = MakeAgentPrompt(Definition(), "m");
  v1::AgentResponse r = ParseAnswer(
      "Four instances.\n\n# Capacity plan\n- Run 4\n* Autoscale\n\nA paragraph item.\n\n### Risks:\n1. Cold starts\n"
      "2) Noisy neighbours\n\n## Decisions\n- `capacity.instances`: 4\n- no separator here\n\n## Assumptions\n- 50 rps\n"
      "## Open questions\n- Budget?\n",
      prompt);
  EXPECT_EQ(r.summary(), "Four instances.");
  ASSERT_EQ(r.sections_size(), 2);
  EXPECT_THAT(Texts(r.sections(0)), ElementsAre("Run 4", "Autoscale", "A paragraph item."));
  EXPECT_THAT(Texts(r.sections(1)), ElementsAre("Cold starts", "Noisy neighbours"));
  ASSERT_EQ(r.decisions_size(), 1);
  EXPECT_EQ(r.decisions(0).key(), "capacity.instances");
  EXPECT_EQ(r.decisions(0).value(), "4");
  EXPECT_EQ(r.assumptions(0).text(), "50 rps");
  EXPECT_EQ(r.questions(0).text(), "Budget?");
}

TEST(ParseAnswer, UnstructuredTextBecomesItemsOfTheFirstSection) {
  AgentPrompt prompt = MakeAgentPrompt(Definition(), "m");
  v1::AgentResponse r = ParseAnswer("Just one line.\nAnd another {not json", prompt);
  EXPECT_EQ(r.summary(), "Just one line.");
  ASSERT_EQ(r.sections_size(), 1);
  EXPECT_THAT(Texts(r.sections(0)), ElementsAre("And another {not json"));
  EXPECT_THAT(r.summary(), Not(HasSubstr("{")));
}

}  // namespace
}  // namespace agentd::llm
