// The front matter of a definition (server/definitions/front_matter.cc):
// each key, its forms (comma strings or lists, block scalars, CRLF), the
// lenient reader for front matter that is not YAML, and where the plugin
// runs (command or endpoint).
#include "server/definitions/front_matter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/definitions/definition_parser.h"
#include "tests/server/definitions/definition_test_support.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_definitions::RedirectsOf;

// ------------------------------------------------------------- front matter

TEST(ParseDefinitionTest, ToolsAsCommaStringOrList) {
  auto from_string = ParseDefinition(
      "---\nname: a\ndescription: d\ntools: Read,  Write ,Bash,\n---\n", "a.md");
  ASSERT_TRUE(from_string.ok()) << from_string.status();
  EXPECT_THAT(from_string->tools(), ElementsAre("Read", "Write", "Bash"));

  auto from_list = ParseDefinition(
      "---\nname: a\ndescription: d\ntools:\n  - Read\n  - Write\n---\n", "a.md");
  ASSERT_TRUE(from_list.ok()) << from_list.status();
  EXPECT_THAT(from_list->tools(), ElementsAre("Read", "Write"));

  auto flow = ParseDefinition("---\nname: a\ntools: [Grep, Glob]\n---\n", "a.md");
  ASSERT_TRUE(flow.ok()) << flow.status();
  EXPECT_THAT(flow->tools(), ElementsAre("Grep", "Glob"));
}

TEST(ParseDefinitionTest, AgentdKeys) {
  auto def = ParseDefinition(
      "---\n"
      "name: backend-architect\n"
      "description: d\n"
      "plugin: backend_architect\n"
      "sections: [architecture_pattern, caching_strategy]\n"
      "timeout_ms: 250\n"
      "max_in_flight: 4\n"
      "owner: platform-team\n"
      "hooks:\n  pre: [lint]\n"
      "---\n",
      "x.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->plugin(), "backend_architect");
  EXPECT_THAT(def->sections(), ElementsAre("architecture_pattern", "caching_strategy"));
  EXPECT_EQ(def->timeout_ms(), 250);
  EXPECT_EQ(def->max_in_flight(), 4);
  EXPECT_EQ(def->extra().at("owner"), "platform-team");
  EXPECT_EQ(def->extra().count("hooks"), 0u);

  auto comma = ParseDefinition("---\nname: p\nsections: api_design, deployment\n---\n", "p.md");
  ASSERT_TRUE(comma.ok()) << comma.status();
  EXPECT_THAT(comma->sections(), ElementsAre("api_design", "deployment"));
}

// A section may state its heading, its place in the review and the decision
// keys that are its own; a plain id beside it keeps the defaults.
TEST(ParseDefinitionTest, SectionsWithHeadingOrderAndDecisions) {
  auto def = ParseDefinition(
      "---\n"
      "name: security-reviewer\n"
      "sections:\n"
      "  - id: threat_model\n"
      "    heading: 'Threat Model & Abuse'\n"
      "    order: 5\n"
      "    decisions: [security, authn]\n"
      "  - open_notes\n"
      "---\n",
      "s.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_THAT(def->sections(), ElementsAre("threat_model", "open_notes"));
  ASSERT_EQ(def->section_specs_size(), 2);
  EXPECT_EQ(def->section_specs(0).heading(), "Threat Model & Abuse");
  EXPECT_EQ(def->section_specs(0).order(), 5);
  EXPECT_THAT(def->section_specs(0).decision_prefixes(), ElementsAre("security", "authn"));
  EXPECT_EQ(def->section_specs(1).id(), "open_notes");
  EXPECT_EQ(def->section_specs(1).order(), 0);

  auto no_id = ParseDefinition("---\nname: p\nsections:\n  - heading: Lost\n---\n", "p.md");
  EXPECT_EQ(no_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_id.status().message(), HasSubstr("p.md:3: sections: an entry written as a map needs an 'id'"));
  auto bad_order = ParseDefinition("---\nname: p\nsections:\n  - id: a\n    order: soon\n---\n", "p.md");
  EXPECT_THAT(bad_order.status().message(), HasSubstr("'order' must be a whole number"));
}

// The bundled definitions state today's review layout themselves.
TEST(ParseDefinitionTest, BundledDefinitionsStateTheirSectionLayout) {
  DefinitionLoadResult loaded = LoadDefinitions(std::string(AGENTD_SOURCE_DIR) + "/agents");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0];
  int specs = 0;
  for (const v1::AgentDefinition& def : loaded.definitions) {
    ASSERT_EQ(def.section_specs_size(), def.sections_size()) << def.name();
    for (const v1::SectionSpec& spec : def.section_specs()) {
      EXPECT_FALSE(spec.heading().empty()) << def.name() << " " << spec.id();
      EXPECT_GT(spec.order(), 0) << def.name() << " " << spec.id();
      ++specs;
    }
  }
  EXPECT_EQ(specs, 14);
}

TEST(ParseDefinitionTest, CrlfLineEndingsReadLikeLf) {
  const std::string lf =
      "---\nname: crlf\ndescription: |\n  First line.\n  Second line.\n"
      "tools:\n  - Read\n---\n\n# Title\n\n## Use this agent when\n"
      "- One thing\n\n## Do NOT use this agent for\n- Other things (use other-agent)\n";
  std::string crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto a = ParseDefinition(lf, "lf.md");
  auto b = ParseDefinition(crlf, "crlf.md");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->description(), "First line.\nSecond line.");
  EXPECT_EQ(a->description(), b->description());
  EXPECT_EQ(b->title(), "Title");
  EXPECT_THAT(b->use_when(), ElementsAre("One thing"));
  EXPECT_THAT(RedirectsOf(*b), ElementsAre("other-agent"));
  EXPECT_THAT(b->tools(), ElementsAre("Read"));
}

TEST(ParseDefinitionTest, BlockScalars) {
  auto literal = ParseDefinition(
      "---\nname: a\ndescription: |\n  Line one.\n\n  Line three.\n---\n", "a.md");
  ASSERT_TRUE(literal.ok()) << literal.status();
  EXPECT_EQ(literal->description(), "Line one.\n\nLine three.");

  auto folded = ParseDefinition(
      "---\nname: a\ndescription: >-\n  Folded\n  into one line.\nmodel: sonnet\n---\n",
      "a.md");
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(folded->description(), "Folded into one line.");
  EXPECT_EQ(folded->model(), "sonnet");
}

// Front matter yaml-cpp rejects: a plain one-line description holding ": "
// and <example> tags, with \n escapes, plus a quoted key later on.
constexpr char kLenient[] =
    "---\n"
    "name: lenient-agent\n"
    "description: Use this agent when: things break. Examples:\\n\\n<example>"
    "Context: an outage\\nuser: \"Why is it down?\"\\nassistant: \"Let me "
    "look.\"</example>\n"
    "color: 'it''s blue'\n"
    "model: \"say \\\"hi\\\"\"\n"
    "tools: Read, Bash\n"
    "---\n"
    "Body.\n";

TEST(ParseDefinitionTest, LenientReaderHandlesNonYamlFrontMatter) {
  definitions_internal::SplitFile split;
  definitions_internal::ParseError error;
  ASSERT_TRUE(definitions_internal::SplitFrontMatter(kLenient, &split, &error));
  std::vector<definitions_internal::RawField> fields;
  ASSERT_FALSE(definitions_internal::ReadFrontMatterYaml(split, &fields))
      << "the fixture must exercise the fallback";

  auto def = ParseDefinition(kLenient, "lenient.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->name(), "lenient-agent");
  EXPECT_EQ(def->description(), "Use this agent when: things break.");
  EXPECT_THAT(def->examples(), ElementsAre("Why is it down?"));
  EXPECT_EQ(def->color(), "it's blue");
  EXPECT_EQ(def->model(), "say \"hi\"");
  EXPECT_THAT(def->tools(), ElementsAre("Read", "Bash"));
}

TEST(ParseDefinitionTest, LenientReaderKeepsContinuationLinesAndQuotedLists) {
  // Line 3 is not YAML (": " in a plain scalar); the continuation line and
  // the quoted multi-line list item must still land where they belong.
  const char* text =
      "---\n"
      "name: cont\n"
      "description: Handles this: and that\n"
      "  and continues here.\n"
      "examples:\n"
      "- '<example>\n"
      "Context: col-0 text inside a quote\n"
      "  user: \"It''s the question\"\n"
      "</example>'\n"
      "---\n";
  auto def = ParseDefinition(text, "cont.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->description(), "Handles this: and that and continues here.");
  EXPECT_THAT(def->examples(), ElementsAre("It's the question"));
  EXPECT_EQ(def->extra().count("Context"), 0u);
}

TEST(ParseDefinitionTest, ExampleBlocksInsideProseLeaveNoGaps) {
  auto def = ParseDefinition(
      "---\nname: gaps\ndescription: \"Before.  <example>Context: only "
      "context here</example>  After.\"\n---\n",
      "gaps.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->description(), "Before. After.");
  // No user line: the context stands for the question.
  EXPECT_THAT(def->examples(), ElementsAre("only context here"));
}

TEST(ParseDefinitionTest, CommandAndEndpointChooseWhereThePluginRuns) {
  auto command = ParseDefinition("---\nname: a\nplugin: stub_peer\ncommand: /usr/bin/python3  plugin.py --fast\n---\n",
                                 "a.md");
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_THAT(command->command(), ElementsAre("/usr/bin/python3", "plugin.py", "--fast"));
  EXPECT_EQ(command->plugin(), "process");
  auto listed = ParseDefinition("---\nname: b\ncommand: [prog, \"an arg\"]\n---\n", "b.md");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(listed->command(), ElementsAre("prog", "an arg"));
  auto remote = ParseDefinition("---\nname: c\nendpoint: plugins.internal:7070\nplugin: stub_peer\n---\n", "c.md");
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_EQ(remote->endpoint(), "plugins.internal:7070");
  EXPECT_EQ(remote->plugin(), "remote");
  EXPECT_TRUE(remote->extra().empty());
  auto slow = ParseDefinition("---\nname: d\ncommand: java -jar p.jar\nstart_timeout_ms: 60000\n---\n", "d.md");
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->start_timeout_ms(), 60000);
  EXPECT_TRUE(slow->extra().empty());
  auto negative = ParseDefinition("---\nname: e\ncommand: p\nstart_timeout_ms: -1\n---\n", "e.md");
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.status().message(), HasSubstr("e.md:4"));
}

TEST(ParseDefinitionTest, CommandAndEndpointAreCheckedWithTheirLine) {
  auto both = ParseDefinition("---\nname: a\ncommand: prog\nendpoint: h:1\n---\n", "a.md");
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.status().message(), HasSubstr("'command' and 'endpoint' both given"));
  auto empty = ParseDefinition("---\nname: a\ncommand: \"\"\n---\n", "a.md");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("a.md:3"));
}

}  // namespace
}  // namespace agentd
