#include "server/auth/principal_table.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

std::string Hex(const TokenDigest& d) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

TEST(DigestOfTest, IsSha256) {
  // sha256("abc"), FIPS 180-2's example.
  EXPECT_EQ(Hex(DigestOf("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PrincipalTableTest, ParsesLinesCommentsAndAdmin) {
  std::string text = "# agentd tokens\n\n"
                     "alice " + Hex(DigestOf("alice-token")) + "   # her laptop\n"
                     "ops\t" + Hex(DigestOf("ops-token")) + " admin\r\n"
                     "alice " + Hex(DigestOf("alice-ci")) + "\n";
  absl::StatusOr<PrincipalTable> table = PrincipalTable::Parse(text);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 3u);
  std::optional<Principal> alice = table->Find("alice-token");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_FALSE(alice->admin);
  EXPECT_EQ(table->Find("alice-ci")->name, "alice");
  EXPECT_TRUE(table->Find("ops-token")->admin);
  EXPECT_FALSE(table->Find("alice-token ").has_value());
  EXPECT_FALSE(table->Find("").has_value());
}

TEST(PrincipalTableTest, UppercaseHexIsAccepted) {
  std::string hex = Hex(DigestOf("t"));
  for (char& c : hex) c = static_cast<char>(toupper(c));
  absl::StatusOr<PrincipalTable> table = PrincipalTable::Parse("bob " + hex + "\n");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Find("t")->name, "bob");
}

TEST(PrincipalTableTest, BadLinesNameTheLineAndNeverQuoteTheDigest) {
  const std::string good = Hex(DigestOf("x"));
  struct Case {
    std::string text;
    std::string why;
  } cases[] = {
      {"alice\n", "line 1: expected"},
      {"# c\nalice " + good + " admin extra\n", "line 2: expected"},
      {"al ice!x " + good + "\n", "line 1:"},
      {"alice!x " + good + "\n", "principal"},
      {"alice abc123\n", "64 hex"},
      {"alice " + good + " root\n", "admin"},
      {"alice " + good + "\nbob " + good + "\n", "line 2: the same token digest"},
      {"# nothing\n", "no tokens"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PrincipalTable> table = PrincipalTable::Parse(c.text);
    ASSERT_FALSE(table.ok()) << c.text;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(table.status().message()), HasSubstr(c.why)) << c.text;
    EXPECT_THAT(std::string(table.status().message()), ::testing::Not(HasSubstr(good)));
  }
}

TEST(PrincipalTableTest, AddTokenRefusesDuplicatesAndEmpty) {
  PrincipalTable table;
  EXPECT_TRUE(table.AddToken("s3cret", {"default", true}).ok());
  EXPECT_FALSE(table.AddToken("s3cret", {"other", false}).ok());
  EXPECT_FALSE(table.AddToken("", {"other", false}).ok());
  EXPECT_TRUE(table.Find("s3cret")->admin);
}

TEST(PrincipalTableTest, LoadNamesTheFileWhenMissing) {
  absl::StatusOr<PrincipalTable> table = PrincipalTable::Load("/nonexistent/agentd-tokens");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("/nonexistent/agentd-tokens"));
}

TEST(IsValidPrincipalNameTest, Charset) {
  EXPECT_TRUE(IsValidPrincipalName("svc-a.prod@example_1"));
  EXPECT_FALSE(IsValidPrincipalName(""));
  EXPECT_FALSE(IsValidPrincipalName("a b"));
  EXPECT_FALSE(IsValidPrincipalName(std::string(65, 'a')));
}

}  // namespace
}  // namespace agentd
