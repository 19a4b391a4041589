#include "server/definitions/definition_parser.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/definitions/front_matter.h"
#include "server/definitions/markdown_body.h"

namespace agentd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kTestData =
    std::string(AGENTD_SOURCE_DIR) + "/tests/server/definitions/testdata";
const std::string kShared = AGENTD_SHARED_DIR;

// The shared corpus (../shared beside the repository: the seed definition
// and the compat files) is not part of a clone; a test that reads it skips,
// saying what it needs, when it is absent.
#define SKIP_WITHOUT_SHARED(relative)                                                          \
  if (!std::filesystem::exists(std::filesystem::path(kShared) / (relative)))                   \
  GTEST_SKIP() << "needs " << (relative) << " of the shared corpus (../shared beside the "     \
               << "repository); not found, so skipped"

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> RedirectsOf(const v1::AgentDefinition& def) {
  std::vector<std::string> out;
  for (const auto& exclusion : def.not_for()) out.push_back(exclusion.redirect());
  return out;
}

// ---------------------------------------------------------------- seed shape

TEST(ParseDefinitionTest, ReadsTheSeedShapeFrontMatterAndBody) {
  const std::string path = kTestData + "/seed_shape.md";
  absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(ReadFile(path), path);
  ASSERT_TRUE(def.ok()) << def.status();

  EXPECT_EQ(def->name(), "queue-architect");
  EXPECT_EQ(def->description(),
            "Designs message pipelines, broker topologies, and delivery "
            "guarantees for event-heavy backends. Use when choosing brokers, "
            "sizing partitions, or planning retries and dead-letter handling.");
  EXPECT_EQ(def->color(), "purple");
  EXPECT_EQ(def->maturity(), "beta");
  EXPECT_EQ(def->plugin(), "");  // none named: the host uses its default_plugin
  EXPECT_EQ(def->source_path(), path);
  EXPECT_EQ(def->title(), "Queue Architect Agent");
  // '' inside the quoted list items is an escaped apostrophe.
  EXPECT_THAT(def->examples(),
              ElementsAre("Our consumers drop messages whenever we roll out a "
                          "new version. What delivery guarantee do we actually "
                          "need?",
                          "Should we use Kafka or RabbitMQ for 50k events per "
                          "second that we'll need to replay?"));
  EXPECT_THAT(
      def->competencies(),
      ElementsAre("Broker Selection: Comparing log-based and queue-based "
                  "brokers by throughput, ordering and replay",
                  "Delivery Guarantees: At-most-once, at-least-once and "
                  "effectively-once delivery with idempotent consumers",
                  "Retry Design: Exponential backoff with jitter, retry "
                  "budgets and dead-letter queues"));
  EXPECT_THAT(def->use_when(),
              ElementsAre("Choosing a message broker for a new pipeline",
                          "Designing retry and dead-letter handling",
                          "Planning partition counts for a throughput target"));
  ASSERT_EQ(def->not_for_size(), 5);
  EXPECT_EQ(def->not_for(0).text(), "Broker cluster provisioning");
  EXPECT_EQ(def->not_for(1).text(), "Schema design for event payload tables");
  EXPECT_EQ(def->not_for(2).text(), "Public API contracts for event consumers");
  EXPECT_EQ(def->not_for(3).text(), "Dashboards for consumer lag");
  // "(use your judgement)" names no agent: the text stays whole.
  EXPECT_EQ(def->not_for(4).text(),
            "Choosing a programming language (use your judgement)");
  EXPECT_THAT(RedirectsOf(*def),
              ElementsAre("devops-specialist", "database-architect",
                          "api-architect", "sre-specialist", ""));
}

TEST(ParseDefinitionTest, SeedShapeIsStrictYaml) {
  // The seed's shape must go through yaml-cpp, not the fallback.
  definitions_internal::SplitFile split;
  definitions_internal::ParseError error;
  ASSERT_TRUE(definitions_internal::SplitFrontMatter(
      ReadFile(kTestData + "/seed_shape.md"), &split, &error));
  std::vector<definitions_internal::RawField> fields;
  EXPECT_TRUE(definitions_internal::ReadFrontMatterYaml(split, &fields));
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].key, "name");
  EXPECT_EQ(fields[0].line, 2);
}

TEST(ParseDefinitionTest, ReadsTheSeedItself) {
  SKIP_WITHOUT_SHARED("seed/backend-architect.md");
  const std::string path = kShared + "/seed/backend-architect.md";
  absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(ReadFile(path), path);
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->name(), "backend-architect");
  EXPECT_EQ(def->competencies_size(), 10);
  EXPECT_THAT(def->competencies(0), StartsWith("Architectural Pattern Selection: Evaluating monolith"));
  EXPECT_EQ(def->use_when_size(), 9);
  EXPECT_THAT(RedirectsOf(*def),
              ElementsAre("frontend-architect", "devops-specialist",
                          "database-architect", "api-architect",
                          "security-specialist"));
  ASSERT_EQ(def->examples_size(), 3);
  EXPECT_EQ(def->examples(0),
            "We need to handle 10,000 orders per minute during flash sales. "
            "Should we use microservices or a monolith?");
}

// ------------------------------------------------------------ compat corpus

TEST(ParseDefinitionTest, EveryCompatFileLoads) {
  SKIP_WITHOUT_SHARED("compat");
  int parsed = 0;
  for (const char* sub : {"agents-public", "agents-public/variants",
                          "agents-synthetic"}) {
    const fs::path dir = fs::path(kShared) / "compat" / sub;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const fs::path& file = entry.path();
      // SOURCES.md documents the corpus; it is not an agent.
      if (file.extension() != ".md" || file.filename() == "SOURCES.md") continue;
      SCOPED_TRACE(file.string());
      absl::StatusOr<v1::AgentDefinition> def =
          ParseDefinition(ReadFile(file.string()), file.string());
      ASSERT_TRUE(def.ok()) << def.status();
      EXPECT_FALSE(def->name().empty());
      EXPECT_FALSE(def->description().empty());
      EXPECT_THAT(def->description(), Not(HasSubstr("<example>")));
      EXPECT_THAT(def->description(), Not(HasSubstr("\\n")));
      for (const std::string& example : def->examples()) {
        EXPECT_FALSE(example.empty());
        EXPECT_THAT(example, Not(HasSubstr("<")));
      }
      ++parsed;
    }
  }
  EXPECT_GE(parsed, 32);
}

TEST(ParseDefinitionTest, CompatShapesReadAsIntended) {
  SKIP_WITHOUT_SHARED("compat");
  const fs::path compat = fs::path(kShared) / "compat";
  auto parse = [&](const std::string& relative) {
    const std::string path = (compat / relative).string();
    absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(ReadFile(path), path);
    EXPECT_TRUE(def.ok()) << def.status();
    return def.ok() ? *def : v1::AgentDefinition();
  };

  // A one-line description full of ": " and <example> tags (not YAML).
  v1::AgentDefinition sre =
      parse("agents-public/stacklok__toolhive__site-reliability-engineer.md");
  EXPECT_EQ(sre.examples_size(), 3);
  EXPECT_THAT(sre.description(), StartsWith("Use this agent when you need guidance"));

  // "### Do NOT Engage For" with "**item**: Use X".
  v1::AgentDefinition sre2 =
      parse("agents-public/SteveGJones__ai-first-sdlc-practices__sre-specialist.md");
  EXPECT_EQ(sre2.use_when_size(), 12);
  ASSERT_GE(sre2.not_for_size(), 1);
  EXPECT_EQ(sre2.not_for(0).text(), "CI/CD pipeline design and deployment automation");
  EXPECT_EQ(sre2.not_for(0).redirect(), "devops-specialist");
  // Examples written as maps: the user field.
  EXPECT_EQ(sre2.examples_size(), 3);

  // Competencies as a bullet list after "Your core competencies include:".
  v1::AgentDefinition devops =
      parse("agents-public/SteveGJones__ai-first-sdlc-practices__devops-specialist.md");
  EXPECT_EQ(devops.competencies_size(), 10);

  // Block scalar description with an indented example list inside.
  v1::AgentDefinition deploy =
      parse("agents-public/bhatyogesh__claude-subagents__deployment-engineer.md");
  EXPECT_EQ(deploy.description(),
            "CI/CD and deployment automation specialist for containerized "
            "applications and infrastructure.");
  EXPECT_THAT(deploy.examples(),
              ElementsAre("Create a CI/CD pipeline for our Node.js application",
                          "Dockerize this application for production"));

  // Nested maps, comments and a tools map do not break loading.
  v1::AgentDefinition capacity = parse("agents-synthetic/nested-config.md");
  EXPECT_EQ(capacity.model(), "opus");
  EXPECT_EQ(capacity.extra().at("tier"), "expert");
  EXPECT_EQ(capacity.extra().count("model_selection"), 0u);

  // "\\n" inside a double-quoted generator-style description.
  v1::AgentDefinition cache = parse("agents-synthetic/quoted-generator-style.md");
  EXPECT_EQ(cache.description(),
            "Use this agent when a cache misbehaves: stale reads, stampedes "
            "after expiry, or memory pressure on the cache tier.");
  EXPECT_THAT(cache.examples(),
              ElementsAre("Every deploy empties the cache and the database melts"));
}

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

// ------------------------------------------------------------------- errors

TEST(ParseDefinitionTest, ErrorsNamePathAndLine) {
  struct Case {
    const char* content;
    const char* message;
  };
  const Case cases[] = {
      {"", "bad.md:1: no front matter"},
      {"# Just markdown\n", "bad.md:1: no front matter"},
      {"---\nname: x\n", "bad.md:1: front matter opened here is never closed"},
      {"---\ndescription: d\n---\n", "bad.md:1: missing 'name'"},
      {"---\n---\n", "bad.md:1: missing 'name'"},
      {"---\nname: ok\n{{{ not: yaml\n---\n", "bad.md:3: front matter is neither YAML"},
      {"---\ndescription: d\nname: [a, b]\n---\n", "bad.md:3: 'name' must be"},
      {"---\nname: x\ntimeout_ms: soon\n---\n", "bad.md:3: 'timeout_ms' must be"},
      {"---\nname: x\nmax_in_flight: -1\n---\n", "bad.md:3: 'max_in_flight' must be"},
      {"---\nname: x\ndescription: caf\xe9\n---\n",
       "bad.md:3: not valid UTF-8 text (byte 17 of the line)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content);
    auto def = ParseDefinition(c.content, "bad.md");
    ASSERT_FALSE(def.ok());
    EXPECT_EQ(def.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(def.status().message()), StartsWith(c.message));
  }
}

// A parser that will be fuzzed must not crash or hang on any prefix of a real
// file, on random bytes, or on pathological nesting.
// Returns whether `content` loaded.
bool ExpectCleanResult(const std::string& content) {
  auto def = ParseDefinition(content, "fuzz.md");
  if (!def.ok()) {
    EXPECT_EQ(def.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(def.status().message()), StartsWith("fuzz.md:"));
  } else {
    EXPECT_FALSE(def->name().empty());
    // What loads must cross the plugin boundary: proto3 strings are UTF-8.
    std::string bytes;
    EXPECT_TRUE(def->SerializeToString(&bytes));
    v1::AgentDefinition copy;
    EXPECT_TRUE(copy.ParseFromString(bytes));
  }
  return def.ok();
}

TEST(ParseDefinitionRobustnessTest, EveryPrefixOfTheSeedShape) {
  const std::string full = ReadFile(kTestData + "/seed_shape.md");
  ASSERT_FALSE(full.empty());
  size_t loaded = 0;
  for (size_t n = 0; n <= full.size(); ++n) loaded += ExpectCleanResult(full.substr(0, n));
  // Every prefix that keeps the closing '---' loads; the shorter ones fail.
  EXPECT_GT(loaded, 0u);
  EXPECT_LT(loaded, full.size());
}

TEST(ParseDefinitionRobustnessTest, RandomBytesAndTokenSoup) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> tokens = {
      "---\n", "name: ", "description: ", "examples:\n", "- '", "'", "\"", "''",
      "\\n", "<example>", "</example>", "user: ", ": ", "|\n", ">-\n", "  ",
      "\n", "[", "]", "{", "}", "&a ", "*a ", "# ", "\r\n", "\t", "- ", "**",
      "(use x-y)", "## Use this agent when\n", "1. ", "\xff\xfe", "\0"};
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    // Mostly inside a front matter, where the interesting code is.
    std::string content = round % 5 == 0   ? ""
                          : round % 5 == 1 ? "---\n"
                                           : "---\nname: soup\n";
    int pieces = static_cast<int>(rng() % 120);
    for (int i = 0; i < pieces; ++i) {
      if (round % 2 == 0) {
        content += static_cast<char>(rng() % 256);
      } else {
        content += tokens[rng() % tokens.size()];
      }
    }
    if (round % 3 != 0) content += "\n---\n# T\n## Not for\n- a (use b-c)\n";
    loaded += ExpectCleanResult(content);
  }
  std::cout << "token soup: " << loaded << " of 3000 inputs loaded\n";
  EXPECT_GT(loaded, 0);
}

TEST(ParseDefinitionRobustnessTest, HugeLinesAndDeepNesting) {
  const std::string huge(2 << 20, 'x');
  auto def = ParseDefinition("---\nname: big\ndescription: " + huge + "\n---\n" + huge,
                             "big.md");
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->description().size(), huge.size());

  ExpectCleanResult("---\nname: deep\nx: " + std::string(100000, '[') + "\n---\n");
  ExpectCleanResult("---\nname: deep\nx: " + std::string(100000, '{') + "\n---\n");
  std::string dashes;
  for (int i = 0; i < 20000; ++i) dashes += "- ";
  ExpectCleanResult("---\nname: deep\nx:\n  " + dashes + "y\n---\n");
  std::string quotes;
  for (int i = 0; i < 20000; ++i) quotes += "> ";
  ExpectCleanResult("---\nname: deep\n---\n" + quotes + "\n" + dashes + "z\n");
}

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

// ---------------------------------------------------------- LoadDefinitions

TEST(LoadDefinitionsTest, BrokenFilesAreReportedAndTheOthersLoad) {
  const std::string dir = kTestData + "/load_mixed";
  DefinitionLoadResult result = LoadDefinitions(dir);
  ASSERT_EQ(result.definitions.size(), 2u);
  EXPECT_EQ(result.definitions[0].name(), "api-shaper");
  EXPECT_EQ(result.definitions[1].name(), "cache-keeper");
  EXPECT_THAT(result.definitions[0].tools(), ElementsAre("Read", "Write"));
  EXPECT_THAT(result.definitions[1].source_path(), HasSubstr("a_cache.md"));
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_EQ(result.errors[0], (fs::path(dir) / "b_broken.md").string() +
                                  ":1: missing 'name'");
  EXPECT_THAT(result.errors[1],
              StartsWith((fs::path(dir) / "d_unterminated.md").string() + ":1: "));
}

TEST(LoadDefinitionsTest, DuplicateNameIsAnErrorNamingBothFiles) {
  const std::string dir = kTestData + "/load_duplicates";
  DefinitionLoadResult result = LoadDefinitions(dir);
  ASSERT_EQ(result.definitions.size(), 1u);
  EXPECT_THAT(result.definitions[0].source_path(), HasSubstr("first.md"));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0],
            (fs::path(dir) / "second.md").string() +
                ":3: duplicate agent name 'twin', already defined at " +
                (fs::path(dir) / "first.md").string() + ":2");
}

TEST(LoadDefinitionsTest, MissingDirectoryIsOneError) {
  DefinitionLoadResult result = LoadDefinitions(kTestData + "/no_such_dir");
  EXPECT_THAT(result.definitions, IsEmpty());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0], HasSubstr("no_such_dir"));
}

TEST(LoadDefinitionsTest, LoadsTheWholeCompatCorpus) {
  SKIP_WITHOUT_SHARED("compat/agents-synthetic");
  DefinitionLoadResult result =
      LoadDefinitions(kShared + "/compat/agents-synthetic");
  EXPECT_THAT(result.errors, IsEmpty());
  ASSERT_EQ(result.definitions.size(), 5u);
  EXPECT_TRUE(std::is_sorted(result.definitions.begin(), result.definitions.end(),
                             [](const auto& a, const auto& b) {
                               return a.name() < b.name();
                             }));
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
