#include "client/agentctl/cli_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::agentctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) { return ParseArgs(args); }

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args);
  EXPECT_FALSE(parsed.ok()) << "parsed unexpectedly";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(CliArgsTest, ReviewWithRepeatedAgentsAndMultiWordText) {
  auto parsed = Parse({"review", "--agent=a", "--agent", "b", "Should", "we", "shard?"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command.kind, CommandKind::kReview);
  EXPECT_THAT(parsed->command.agents, ElementsAre("a", "b"));
  EXPECT_EQ(parsed->command.text, "Should we shard?");
  EXPECT_FALSE(parsed->command.stream);
  EXPECT_TRUE(parsed->global_flags.empty());
}

TEST(CliArgsTest, CommaSeparatedAgents) {
  auto parsed = Parse({"route", "--agent=api-architect, sre-specialist", "x"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->command.agents, ElementsAre("api-architect", "sre-specialist"));
}

TEST(CliArgsTest, GlobalFlagsBeforeAndAfterTheCommand) {
  auto parsed = Parse({"--json", "--server", "h:1", "review", "--token=t", "--stream", "hi"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->global_flags.size(), 3u);
  EXPECT_EQ(parsed->global_flags[0].name, "json");
  EXPECT_EQ(parsed->global_flags[0].value, "true");
  EXPECT_EQ(parsed->global_flags[1].name, "server");
  EXPECT_EQ(parsed->global_flags[1].value, "h:1");
  EXPECT_EQ(parsed->global_flags[2].name, "token");
  EXPECT_EQ(parsed->global_flags[2].value, "t");
  EXPECT_TRUE(parsed->command.stream);
  EXPECT_EQ(parsed->command.text, "hi");
}

TEST(CliArgsTest, TlsFlagsAreGlobal) {
  auto parsed = Parse({"--tls_ca", "ca.pem", "agents", "--tls_cert=c.pem", "--tls_key", "k.pem"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->global_flags.size(), 3u);
  EXPECT_EQ(parsed->global_flags[0].name, "tls_ca");
  EXPECT_EQ(parsed->global_flags[0].value, "ca.pem");
  EXPECT_EQ(parsed->global_flags[1].name, "tls_cert");
  EXPECT_EQ(parsed->global_flags[2].name, "tls_key");
  EXPECT_EQ(parsed->global_flags[2].value, "k.pem");
  EXPECT_EQ(parsed->command.kind, CommandKind::kAgents);
}

TEST(CliArgsTest, AgentsAndAgentsReload) {
  auto list = Parse({"agents"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->command.kind, CommandKind::kAgents);
  auto reload = Parse({"--json", "agents", "reload"});
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_EQ(reload->command.kind, CommandKind::kAgentsReload);
  EXPECT_THAT(ErrorOf({"agents", "reload", "now"}), HasSubstr("'agents reload' takes no arguments"));
  EXPECT_THAT(ErrorOf({"agents", "restart"}), HasSubstr("'agents' takes no arguments, got 'restart'"));
  EXPECT_THAT(Usage(), HasSubstr("agents reload"));
}

TEST(CliArgsTest, NegatedBooleans) {
  auto parsed = Parse({"--nojson", "review", "--nostream", "hi"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->global_flags.size(), 1u);
  EXPECT_EQ(parsed->global_flags[0].value, "false");
  EXPECT_FALSE(parsed->command.stream);
  EXPECT_THAT(ErrorOf({"--noserver", "agents"}), HasSubstr("unknown flag --noserver"));
  EXPECT_THAT(ErrorOf({"review", "--nostream=1", "x"}), HasSubstr("takes no value"));
}

TEST(CliArgsTest, DoubleDashEndsFlags) {
  auto parsed = Parse({"route", "--", "--agent=x", "is", "text"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command.text, "--agent=x is text");
  EXPECT_TRUE(parsed->command.agents.empty());
}

TEST(CliArgsTest, RequirementsInProto3Json) {
  auto parsed = Parse({"review", R"(--requirements={"teamSize":5,"domainClarity":"DOMAIN_CLARITY_UNCLEAR"})",
                       "q"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->command.requirements.has_value());
  EXPECT_EQ(parsed->command.requirements->team_size(), 5);
  EXPECT_EQ(parsed->command.requirements->domain_clarity(), agentd::v1::DOMAIN_CLARITY_UNCLEAR);
  EXPECT_FALSE(parsed->command.requirements->has_peak_rps());
}

TEST(CliArgsTest, BadRequirementsNameTheProblem) {
  EXPECT_THAT(ErrorOf({"review", R"(--requirements={"teamSize":"five"})", "q"}),
              HasSubstr("team_size"));
  EXPECT_THAT(ErrorOf({"review", R"(--requirements={"teamSise":5})", "q"}),
              HasSubstr("teamSise"));
  EXPECT_THAT(ErrorOf({"review", "--requirements={", "q"}), HasSubstr("--requirements"));
}

TEST(CliArgsTest, UsageErrors) {
  EXPECT_THAT(ErrorOf({}), HasSubstr("missing command"));
  EXPECT_THAT(ErrorOf({"frobnicate"}), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(ErrorOf({"review"}), HasSubstr("needs TEXT"));
  EXPECT_THAT(ErrorOf({"review", "  "}), HasSubstr("needs TEXT"));
  EXPECT_THAT(ErrorOf({"review", "--bogus", "x"}), HasSubstr("unknown flag --bogus for 'review'"));
  EXPECT_THAT(ErrorOf({"--agent=a", "review", "x"}), HasSubstr("unknown flag --agent"));
  EXPECT_THAT(ErrorOf({"review", "--session"}), HasSubstr("--session needs a value"));
  EXPECT_THAT(ErrorOf({"agents", "extra"}), HasSubstr("takes no arguments"));
  EXPECT_THAT(ErrorOf({"sessions"}), HasSubstr("needs a subcommand"));
  EXPECT_THAT(ErrorOf({"sessions", "frob"}), HasSubstr("unknown command 'sessions frob'"));
  EXPECT_THAT(ErrorOf({"sessions", "show"}), HasSubstr("exactly one session ID"));
  EXPECT_THAT(ErrorOf({"sessions", "show", "a", "b"}), HasSubstr("exactly one session ID"));
  EXPECT_THAT(ErrorOf({"sessions", "prune"}), HasSubstr("--older_than_days"));
  EXPECT_THAT(ErrorOf({"sessions", "prune", "--older_than_days=0"}), HasSubstr("at least 1"));
  EXPECT_THAT(ErrorOf({"sessions", "list", "--page_size=many"}), HasSubstr("integer"));
  EXPECT_THAT(ErrorOf({"sessions", "export", "id", "--format=pdf"}), HasSubstr("markdown or json"));
  EXPECT_THAT(ErrorOf({"health", "--wait=soon"}), HasSubstr("duration"));
}

TEST(CliArgsTest, SessionsCommands) {
  auto list = Parse({"sessions", "list", "--page_size=5", "--page_token=p", "--filter=orders"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->command.kind, CommandKind::kSessionsList);
  EXPECT_EQ(list->command.page_size, 5);
  EXPECT_EQ(list->command.page_token, "p");
  EXPECT_EQ(list->command.filter, "orders");

  auto exported = Parse({"--json", "sessions", "export", "s1", "--format=json"});
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->command.kind, CommandKind::kSessionsExport);
  EXPECT_EQ(exported->command.session_id, "s1");
  EXPECT_EQ(exported->command.format, agentd::v1::EXPORT_FORMAT_JSON);

  auto prune = Parse({"sessions", "prune", "--older_than_days", "30"});
  ASSERT_TRUE(prune.ok()) << prune.status();
  EXPECT_EQ(prune->command.kind, CommandKind::kSessionsPrune);
  EXPECT_EQ(prune->command.older_than_days, 30);

  auto deleted = Parse({"sessions", "delete", "s2"});
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->command.kind, CommandKind::kSessionsDelete);
  EXPECT_EQ(deleted->command.session_id, "s2");
}

TEST(CliArgsTest, HealthWait) {
  auto parsed = Parse({"health", "--wait=5s"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command.kind, CommandKind::kHealth);
  EXPECT_EQ(parsed->command.wait, absl::Seconds(5));
}

TEST(CliArgsTest, Help) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"help"}, {"review", "--help"}}) {
    auto parsed = Parse(args);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(parsed->help) << args[0];
  }
  EXPECT_THAT(Usage(), HasSubstr("sessions prune --older_than_days=N"));
}

TEST(CliArgsTest, ServerAndTokenResolution) {
  EXPECT_EQ(ResolveServer("flag:1", "env:2"), "flag:1");
  EXPECT_EQ(ResolveServer("", "env:2"), "env:2");
  EXPECT_EQ(ResolveServer("", ""), "127.0.0.1:50051");
  EXPECT_EQ(ResolveServer("", nullptr), "127.0.0.1:50051");
  EXPECT_EQ(ResolveToken("t", "e"), "t");
  EXPECT_EQ(ResolveToken("", "e"), "e");
  EXPECT_EQ(ResolveToken("", nullptr), "");
}

}  // namespace
}  // namespace agentd::agentctl
