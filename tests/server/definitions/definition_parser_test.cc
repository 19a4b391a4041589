// ParseDefinition and LoadDefinitions as a whole
// (server/definitions/definition_parser.cc): the seed's shape, the public
// compat corpus, errors that name the file and line, robustness against any
// input, and loading a directory. The front matter's keys are tested in
// front_matter_test.cc, the body's lists in markdown_body_test.cc.
#include "server/definitions/definition_parser.h"

#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/definitions/front_matter.h"
#include "tests/server/definitions/definition_test_support.h"

namespace agentd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using testing_definitions::kTestData;
using testing_definitions::kShared;
using testing_definitions::ReadFile;
using testing_definitions::RedirectsOf;

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

}  // namespace
}  // namespace agentd
