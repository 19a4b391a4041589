// The review's Markdown, checked the way a reader's tool sees it: rendered
// with cmark (the CommonMark reference library) and asserted on the HTML
// structure, plus the seed format's textual shape.
#include "server/render/markdown_renderer.h"

#include <cmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Html(const std::string& markdown) {
  std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT), &std::free);
  return html.get();
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

v1::Section* AddSection(v1::Review* review, const std::string& id, const std::string& heading) {
  v1::Section* s = review->add_sections();
  s->set_id(id);
  s->set_heading(heading);
  s->set_owner("backend-architect");
  return s;
}

v1::Item* AddItem(v1::Section* s, const std::string& label, const std::string& text,
                  const std::string& rationale = "") {
  v1::Item* item = s->add_items();
  item->set_agent("backend-architect");
  item->set_label(label);
  item->set_text(text);
  item->set_rationale(rationale);
  return item;
}

// Assumptions and open questions name everyone who made them, in order:
// the agent, then the others who said the same.
TEST(MarkdownRendererTest, ListsEveryAgentBehindAnAssumptionOrQuestion) {
  v1::Review review;
  v1::Item* assumption = review.add_assumptions();
  assumption->set_text("traffic doubles in a year");
  assumption->set_agent("sre-specialist");
  assumption->add_also_agents("devops-specialist");
  assumption->add_also_agents("api-architect");
  v1::Item* question = review.add_questions();
  question->set_text("# of regions?");
  question->add_also_agents("database-architect");
  const std::string markdown = RenderMarkdown(review);
  EXPECT_THAT(markdown, HasSubstr("### Assumptions\n- traffic doubles in a year _(sre-specialist, devops-specialist, "
                                  "api-architect)_\n"));
  EXPECT_THAT(markdown, HasSubstr("### Open Questions\n- \\# of regions? _(, database-architect)_\n"));
}

TEST(MarkdownRendererTest, KeepsTheSeedFormatsShape) {
  v1::Review review;
  review.set_title("Backend Architecture Review");
  v1::Section* pattern = AddSection(&review, "architecture_pattern", "Architecture Pattern");
  AddItem(pattern, "Recommendation", "Modular monolith");
  AddItem(pattern, "Rationale", "team of 4");
  v1::Section* recs = AddSection(&review, "recommendations", "Recommendations");
  AddItem(recs, "", "first");
  AddItem(recs, "", "second");
  v1::Section* risks = AddSection(&review, "risks", "Risks & Mitigation");
  AddItem(risks, "", "boundaries erode")->set_mitigation("check them in CI");

  std::string md = RenderMarkdown(review);
  EXPECT_EQ(md.rfind("## Backend Architecture Review\n", 0), 0u) << md;
  EXPECT_THAT(md, HasSubstr("### Architecture Pattern\n**Recommendation**: Modular monolith\n"));
  EXPECT_THAT(md, HasSubstr("**Rationale**: team of 4\n"));
  EXPECT_THAT(md, HasSubstr("### Recommendations\n1. first\n2. second\n"));
  EXPECT_THAT(md, HasSubstr("### Risks & Mitigation\n- **Risk**: boundaries erode\n  **Mitigation**: check them in CI\n"));
  EXPECT_LT(md.find("### Architecture Pattern"), md.find("### Recommendations"));
  // One document ending in one newline.
  ASSERT_FALSE(md.empty());
  EXPECT_EQ(md.back(), '\n');
  EXPECT_NE(md.substr(md.size() - 2), "\n\n");
}

TEST(MarkdownRendererTest, LabelledParagraphAfterAListIsNotSwallowedByIt) {
  v1::Review review;
  v1::Section* events = AddSection(&review, "event_driven_design", "Event-Driven Design");
  AddItem(events, "Patterns", "Event sourcing: no.");
  AddItem(events, "", "CQRS: no.");
  AddItem(events, "", "Publish through an outbox.");
  AddItem(events, "Trade-offs", "Consumers see changes after a delay.");

  std::string md = RenderMarkdown(review);
  EXPECT_THAT(md, HasSubstr("- Publish through an outbox.\n\n**Trade-offs**: Consumers"));
  std::string html = Html(md);
  EXPECT_EQ(Count(html, "<li>"), 2) << html;
  EXPECT_THAT(html, HasSubstr("</ul>\n<p><strong>Trade-offs</strong>: Consumers see changes after a delay.</p>"));
  EXPECT_THAT(html, HasSubstr("<p><strong>Patterns</strong>: Event sourcing: no.</p>\n<ul>"));
}

TEST(MarkdownRendererTest, LabelWithoutTextIntroducesTheListBelowIt) {
  v1::Review review;
  v1::Section* caching = AddSection(&review, "caching_strategy", "Caching Strategy");
  AddItem(caching, "Layers", "");
  AddItem(caching, "", "L1 (CDN): static assets");
  AddItem(caching, "", "L2 (Application): Redis");
  AddItem(caching, "Invalidation", "TTL-based");

  std::string md = RenderMarkdown(review);
  EXPECT_THAT(md, HasSubstr("**Layers**:\n- L1 (CDN): static assets\n- L2"));
  EXPECT_THAT(md, Not(HasSubstr("**Layers**: \n")));
  std::string html = Html(md);
  EXPECT_THAT(html, HasSubstr("<p><strong>Layers</strong>:</p>\n<ul>\n<li>L1 (CDN): static assets</li>"));
  EXPECT_THAT(html, HasSubstr("</ul>\n<p><strong>Invalidation</strong>: TTL-based</p>"));
}

TEST(MarkdownRendererTest, RationaleStaysInsideItsNumberedItem) {
  v1::Review review;
  v1::Section* recs = AddSection(&review, "recommendations", "Recommendations");
  for (int i = 1; i <= 11; ++i) AddItem(recs, "", "step " + std::to_string(i), "because " + std::to_string(i));

  std::string md = RenderMarkdown(review);
  // Continuation lines are indented to the item's content: 3 spaces under
  // "1. ", 4 under "10. ".
  EXPECT_THAT(md, HasSubstr("1. step 1\n   *Why*: because 1\n2. step 2"));
  EXPECT_THAT(md, HasSubstr("10. step 10\n    *Why*: because 10\n11."));
  std::string html = Html(md);
  EXPECT_EQ(Count(html, "<ol>"), 1) << html;
  EXPECT_EQ(Count(html, "<li>"), 11) << html;
  EXPECT_THAT(html, HasSubstr("<li>step 10\n<em>Why</em>: because 10</li>"));
  EXPECT_THAT(html, Not(HasSubstr("<li>\n<p>")));  // tight list: no item became loose
}

TEST(MarkdownRendererTest, RisksKeepTheirMitigationInTheSameItem) {
  v1::Review review;
  v1::Section* risks = AddSection(&review, "risks", "Risks & Mitigation");
  AddItem(risks, "", "one")->set_mitigation("fix one");
  AddItem(risks, "", "two", "why two")->set_mitigation("fix two");
  std::string html = Html(RenderMarkdown(review));
  EXPECT_EQ(Count(html, "<li>"), 2) << html;
  EXPECT_THAT(html, HasSubstr("<li><strong>Risk</strong>: one\n<strong>Mitigation</strong>: fix one</li>"));
  EXPECT_THAT(html, HasSubstr("<strong>Mitigation</strong>: fix two\n<em>Why</em>: why two</li>"));
}

TEST(MarkdownRendererTest, ItemTextCannotStartABlockOfItsOwn) {
  v1::Review review;
  v1::Section* s = AddSection(&review, "resilience_patterns", "Resilience Patterns");
  AddItem(s, "", "# not a heading");
  AddItem(s, "", "1. not a nested list");
  AddItem(s, "", "> not a quote");
  AddItem(s, "", "- not a sublist");
  AddItem(s, "", "two lines\n# second line");
  AddItem(s, "", "**bold** stays bold");
  AddItem(s, "", "99.9% stays a number");
  std::string md = RenderMarkdown(review);
  std::string html = Html(md);
  EXPECT_EQ(Count(html, "<li>"), 7) << html;
  EXPECT_EQ(Count(html, "<h1>"), 0) << html;
  EXPECT_EQ(Count(html, "<ol>"), 0) << html;
  EXPECT_EQ(Count(html, "<blockquote>"), 0) << html;
  EXPECT_EQ(Count(html, "<ul>"), 1) << html;
  EXPECT_THAT(html, HasSubstr("<li># not a heading</li>"));
  EXPECT_THAT(html, HasSubstr("<li>1. not a nested list</li>"));
  EXPECT_THAT(html, HasSubstr("<li>two lines # second line</li>"));
  EXPECT_THAT(html, HasSubstr("<li><strong>bold</strong> stays bold</li>"));
  EXPECT_THAT(md, HasSubstr("- 99.9% stays a number\n"));
}

TEST(MarkdownRendererTest, TableCellsEscapePipesAndLineBreaks) {
  v1::Review review;
  v1::Decision* d = review.add_decisions();
  d->set_key("database.scaling");
  d->set_value("read_replicas|sharding");
  d->set_agent("backend-architect");
  v1::AgentRun* run = review.add_agents();
  run->set_agent("sre-specialist");
  run->set_status(v1::AGENT_STATUS_FAILED);
  run->set_error("plugin said:\nno | way");
  std::string md = RenderMarkdown(review);
  EXPECT_THAT(md, HasSubstr("| `database.scaling` | read_replicas\\|sharding | backend-architect |\n"));
  EXPECT_THAT(md, HasSubstr("| sre-specialist | failed | 0 ms | plugin said: no \\| way |\n"));
}

TEST(MarkdownRendererTest, HeaderAndConflictsAreSeparateQuotes) {
  v1::Review review;
  v1::AgentRun* ok = review.add_agents();
  ok->set_agent("backend-architect");
  ok->set_status(v1::AGENT_STATUS_OK);
  v1::AgentRun* slow = review.add_agents();
  slow->set_agent("sre-specialist");
  slow->set_status(v1::AGENT_STATUS_TIMED_OUT);
  review.set_partial(true);
  v1::Section* db = AddSection(&review, "database_architecture", "Database Architecture");
  AddItem(db, "", "No sharding.");
  for (const char* other : {"mongodb", "dynamodb"}) {
    v1::Conflict* c = review.add_conflicts();
    c->set_key("database.primary");
    c->set_section("database_architecture");
    c->set_kept_value("postgresql");
    c->set_kept_agent("backend-architect");
    c->set_other_value(other);
    c->set_other_agent("database-architect");
  }
  std::string md = RenderMarkdown(review);
  std::string html = Html(md);
  // The header: one quote, two paragraphs (agents, then the partial note).
  EXPECT_THAT(html, HasSubstr("<blockquote>\n<p>Agents: backend-architect: ok; sre-specialist: timed out</p>\n"
                              "<p><strong>Partial review</strong>: sre-specialist timed out"));
  // Each conflict its own quote, after the section's list.
  EXPECT_EQ(Count(html, "<blockquote>"), 3) << html;
  EXPECT_THAT(html, HasSubstr("</ul>\n<blockquote>\n<p><strong>Conflict</strong> on <code>database.primary</code>"));
  EXPECT_EQ(Count(html, "<h3>Conflicts</h3>"), 0) << html;
}

// A conflict whose section is not in the review (or that has none) is still
// shown, under a heading of its own.
TEST(MarkdownRendererTest, ConflictsOutsideTheReviewsSectionsGetTheirOwnHeading) {
  v1::Review review;
  AddItem(AddSection(&review, "api_design", "API Design"), "", "Cursor pagination.");
  v1::Conflict* c = review.add_conflicts();
  c->set_key("database.primary");
  c->set_section("database_architecture");
  c->set_kept_value("postgresql");
  c->set_other_value("mongodb");
  std::string md = RenderMarkdown(review);
  EXPECT_EQ(md.rfind("## Review\n", 0), 0u) << md;  // no title: a plain one
  EXPECT_LT(md.find("### API Design"), md.find("### Conflicts\n"));
  EXPECT_THAT(md, HasSubstr("**Conflict** on `database.primary`"));
}

TEST(MarkdownRendererTest, SameReviewSameBytes) {
  v1::Review review;
  v1::Section* s = AddSection(&review, "observability", "Observability");
  AddItem(s, "", "SLO 99.9%", "budget 43.2 min");
  EXPECT_EQ(RenderMarkdown(review), RenderMarkdown(review));
}

TEST(MarkdownRendererTest, FormatNumber) {
  EXPECT_EQ(FormatNumber(166.666666), "166.67");
  EXPECT_EQ(FormatNumber(43.2), "43.2");
  EXPECT_EQ(FormatNumber(6), "6");
  EXPECT_EQ(FormatNumber(-0.001), "0");
}

}  // namespace
}  // namespace agentd
