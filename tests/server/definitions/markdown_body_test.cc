// The body of a definition (server/definitions/markdown_body.cc): marker
// phrases that open a list, redirect forms, and lists under headings.
#include "server/definitions/markdown_body.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ------------------------------------------------------------ body helpers

TEST(MarkdownBodyTest, MarkerPhrasesFoundInTheWild) {
  using definitions_internal::ClassifyMarker;
  using definitions_internal::ListMarker;
  EXPECT_EQ(ClassifyMarker("Use this agent when:", false), ListMarker::kUseWhen);
  EXPECT_EQ(ClassifyMarker("Scope & When to Use", true), ListMarker::kUseWhen);
  EXPECT_EQ(ClassifyMarker("Use the Security Architect When", true), ListMarker::kUseWhen);
  EXPECT_EQ(ClassifyMarker("Engage the API Architect for:", false), ListMarker::kUseWhen);
  EXPECT_EQ(ClassifyMarker("Do NOT use this agent for:", false), ListMarker::kNotFor);
  EXPECT_EQ(ClassifyMarker("Do NOT Engage For", true), ListMarker::kNotFor);
  EXPECT_EQ(ClassifyMarker("When NOT to use", true), ListMarker::kNotFor);
  EXPECT_EQ(ClassifyMarker("Don't use for", false), ListMarker::kNotFor);
  EXPECT_EQ(ClassifyMarker("Not for:", false), ListMarker::kNotFor);
  EXPECT_EQ(ClassifyMarker("Your core competencies include:", false),
            ListMarker::kCompetencies);
  EXPECT_EQ(ClassifyMarker("Engage Specialists For", true), ListMarker::kNone);
  EXPECT_EQ(ClassifyMarker("Methodology", true), ListMarker::kNone);
  // Prose that mentions the phrase is not a label.
  EXPECT_EQ(ClassifyMarker(std::string(130, 'a') + " use this agent when", false),
            ListMarker::kNone);
}

TEST(MarkdownBodyTest, RedirectForms) {
  using definitions_internal::ParseExclusion;
  auto check = [](const char* item, const char* text, const char* redirect) {
    SCOPED_TRACE(item);
    auto exclusion = ParseExclusion(item);
    EXPECT_EQ(exclusion.text, text);
    EXPECT_EQ(exclusion.redirect, redirect);
  };
  check("Frontend work (use frontend-architect)", "Frontend work", "frontend-architect");
  check("Query tuning (use dba instead)", "Query tuning", "dba");
  check("API contracts (\xE2\x86\x92 api-architect)", "API contracts", "api-architect");
  check("Pipelines: Use devops-specialist", "Pipelines", "devops-specialist");
  check("Security: Use security-architect (we help on incidents)", "Security",
        "security-architect");
  check("Queues (use integration-architect if available, otherwise solution-architect)",
        "Queues", "integration-architect");
  check("Storage (use separate storage + reference)",
        "Storage (use separate storage + reference)", "");
  check("Code: Use language-specific specialists",
        "Code: Use language-specific specialists", "");
  check("Plain item", "Plain item", "");
}

TEST(MarkdownBodyTest, ListsUnderHeadingsAndNestedItems) {
  auto scope = definitions_internal::ParseBody(
      "Intro without a heading.\n\n"
      "## When to use\n\nSome words first.\n\n"
      "* Alpha\n  * nested, ignored\n* Beta\n\n"
      "## Other\n\n- not a rule\n\n"
      "### Core competencies\n1. One\n2. Two\n");
  EXPECT_EQ(scope.title, "When to use");
  EXPECT_THAT(scope.use_when, ElementsAre("Alpha", "Beta"));
  EXPECT_THAT(scope.competencies, ElementsAre("One", "Two"));
  EXPECT_THAT(scope.not_for, IsEmpty());
}

}  // namespace
}  // namespace agentd
