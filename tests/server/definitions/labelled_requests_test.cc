#include "server/definitions/labelled_requests.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LabelledRequestsTest, ParsesEveryListAndNamesTheSource) {
  auto parsed = ParseLabelledRequests(
      "{\"text\": \"Split the monolith?\", \"primary_any\": [\"a\"], \"required\": [\"a\", \"b\"],"
      " \"optional\": [\"c\"], \"unhosted\": [\"d\"]}\n"
      "\n"
      "{\"text\": \"Tune this query\", \"agents\": [\"b\"], \"note\": \"unknown keys are ignored\"}\n",
      "x.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  const LabelledRequest& first = (*parsed)[0];
  EXPECT_EQ(first.source, "x.jsonl:1");
  EXPECT_EQ(first.text, "Split the monolith?");
  EXPECT_THAT(first.required, ElementsAre("a", "b"));
  EXPECT_THAT(first.optional, ElementsAre("c"));
  // In scope: primary_any, required and unhosted, each once; not optional.
  EXPECT_THAT(first.InScope(), ElementsAre("a", "b", "d"));
  EXPECT_EQ((*parsed)[1].source, "x.jsonl:3");
  // A request naming its agents says nothing about scope.
  EXPECT_TRUE((*parsed)[1].InScope().empty());
}

TEST(LabelledRequestsTest, BadLinesAreInvalidArgumentWithTheirLine) {
  struct Case {
    const char* content;
    const char* reason;
  } cases[] = {
      {"{\"text\": \"ok\"}\nnot json\n", "x.jsonl:2: not a JSON object"},
      {"{\"required\": [\"a\"]}\n", "x.jsonl:1: missing \"text\""},
      {"{\"text\": \"\"}\n", "x.jsonl:1: missing \"text\""},
      {"{\"text\": \"q\", \"required\": \"a\"}\n", "x.jsonl:1: \"required\" must be a list"},
      {"{\"text\": \"q\", \"unhosted\": [1]}\n", "x.jsonl:1: \"unhosted\" must hold only strings"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseLabelledRequests(c.content, "x.jsonl");
    ASSERT_FALSE(parsed.ok()) << c.content;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.reason));
  }
}

TEST(LabelledRequestsTest, ReadsAFileOrEveryJsonlFileOfAFolderInNameOrder) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "labelled_requests_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "b.jsonl") << "{\"text\": \"second\"}\n";
  std::ofstream(dir / "a.jsonl") << "{\"text\": \"first\"}\n";
  std::ofstream(dir / "notes.md") << "not read\n";

  auto all = ReadLabelledRequests(dir.string());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].text, "first");
  EXPECT_EQ((*all)[1].text, "second");
  EXPECT_EQ((*all)[1].source, (dir / "b.jsonl").string() + ":1");

  auto one = ReadLabelledRequests((dir / "b.jsonl").string());
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->size(), 1u);

  auto missing = ReadLabelledRequests((dir / "absent.jsonl").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace agentd
