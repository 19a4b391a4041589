#include "db/sqlite_queries.h"

#include <limits>

#include "db/sqlite_schema.h"
#include "gtest/gtest.h"
#include "tests/db/sample_turn.h"
#include "tests/db/temp_dir.h"

namespace agentd::sqlite {
namespace {

class SqliteQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = Connection::Open(dir_.File("q.db"), /*read_only=*/false, 100);
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = std::move(*conn);
    ASSERT_TRUE(ConfigureWriter(*conn_, 0).ok());
    ASSERT_TRUE(Migrate(*conn_).ok());
  }

  static EncodedTurn Turn(const std::string& principal, const std::string& id, bool create,
                          const std::string& text) {
    return EncodeTurn(testing_db::MakeTurn(principal, id, create, text), /*compress=*/true);
  }

  static ReviewMerger Merger() {
    return [](const MergeRecord& merge, const std::vector<AgentOutputRecord>& outputs) {
      v1::Review review;
      review.set_title("merged: " + outputs[0].output.summary());
      return absl::StatusOr<v1::Review>(review);
    };
  }

  testing_db::TempDir dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteQueriesTest, InsertsTurnsWithIncreasingSeqAndReadsThemBack) {
  EXPECT_EQ(*InsertTurn(*conn_, Turn("alice", "s1", true, "one"), 1000), 1);
  EXPECT_EQ(*InsertTurn(*conn_, Turn("alice", "s1", false, "two"), 2000), 2);
  auto page = SelectTurnsPage(*conn_, "alice", "s1", 0, 10, Merger());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->session().turn_count(), 2);
  EXPECT_EQ(page->session().created_unix_ms(), 1000);
  EXPECT_EQ(page->session().updated_unix_ms(), 2000);
  EXPECT_EQ(page->session().facts().team_size(), 12);
  ASSERT_EQ(page->turns_size(), 2);
  EXPECT_EQ(page->turns(1).request().text(), "two");
  EXPECT_EQ(page->turns(1).review().title(), "merged: # Review of two");
  EXPECT_TRUE(page->next_page_token().empty());

  auto first = SelectTurnsPage(*conn_, "alice", "s1", 0, 1, Merger());
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->turns_size(), 1);
  EXPECT_EQ(*paging::DecodeTurnToken(first->next_page_token()), 1);

  auto outputs = SelectAgentOutputs(*conn_, "alice", "s1", 2);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 2u);
  EXPECT_EQ((*outputs)[0].output.summary(), "# Review of two");
  EXPECT_EQ((*outputs)[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_EQ((*outputs)[1].run.error(), "deadline exceeded");
  EXPECT_EQ((*outputs)[1].output.ByteSizeLong(), 0u);
}

TEST_F(SqliteQueriesTest, AnotherPrincipalsSessionDoesNotExist) {
  ASSERT_TRUE(InsertTurn(*conn_, Turn("alice", "s1", true, "one"), 1000).ok());
  EXPECT_EQ(InsertTurn(*conn_, Turn("bob", "s1", false, "x"), 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SelectSession(*conn_, "bob", "s1", nullptr).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SelectTurnsPage(*conn_, "bob", "s1", 0, 5, Merger()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SelectAgentOutputs(*conn_, "bob", "s1", 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(DeleteSessionWithTurns(*conn_, "bob", "s1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(InsertTurn(*conn_, Turn("bob", "s1", true, "x"), 1).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(conn_->InTransaction());  // reads close their snapshot even on error
}

TEST_F(SqliteQueriesTest, RequestIdsAreUniquePerPrincipalAndFindTheirTurn) {
  EncodedTurn first = Turn("alice", "s1", true, "one");
  first.request_id = "req-1";
  ASSERT_TRUE(InsertTurn(*conn_, first, 1000).ok());
  EncodedTurn second = Turn("alice", "s1", false, "two");
  ASSERT_TRUE(InsertTurn(*conn_, second, 2000).ok());  // no request_id: any number of them
  auto found = SelectTurnByRequest(*conn_, "alice", "req-1", Merger());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->session().id(), "s1");
  ASSERT_EQ(found->turns_size(), 1);
  EXPECT_EQ(found->turns(0).seq(), 1);
  EXPECT_EQ(found->turns(0).request().text(), "one");
  // Another principal neither finds it nor collides with it.
  EXPECT_EQ(SelectTurnByRequest(*conn_, "bob", "req-1", Merger()).status().code(), absl::StatusCode::kNotFound);
  EncodedTurn bobs = Turn("bob", "s2", true, "b");
  bobs.request_id = "req-1";
  EXPECT_TRUE(InsertTurn(*conn_, bobs, 3000).ok());
  // The same principal and request_id again: refused, whichever session.
  EncodedTurn again = Turn("alice", "s3", true, "one");
  again.request_id = "req-1";
  ASSERT_TRUE(conn_->Exec("SAVEPOINT t", "savepoint").ok());
  EXPECT_EQ(InsertTurn(*conn_, again, 4000).status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(conn_->Exec("ROLLBACK TO t", "rollback").ok());
  ASSERT_TRUE(conn_->Exec("RELEASE t", "release").ok());
  EXPECT_EQ(SelectSession(*conn_, "alice", "s3", nullptr).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteQueriesTest, ASessionsPageIsBoundedInBytes) {
  const std::string title(300 * 1024, 't');  // as stored before titles had a limit
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(InsertSession(*conn_, "s" + std::to_string(i), "alice", title, "", 1000 + i).ok());
  }
  paging::SessionPosition position{std::numeric_limits<int64_t>::max(), ""};
  int pages = 0;
  size_t listed = 0;
  for (;;) {
    auto page = SelectSessionsPage(*conn_, "alice", position, 1000, "");
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    listed += page->sessions_size();
    EXPECT_LE(page->ByteSizeLong(), paging::kMaxPageBytes + title.size() + 1024);
    if (page->next_page_token().empty()) break;
    position = *paging::DecodeSessionToken(page->next_page_token());
  }
  EXPECT_EQ(listed, 8u);
  EXPECT_GE(pages, 2);
}

TEST_F(SqliteQueriesTest, ListsNewestFirstWithTitleFilterAndPages) {
  ASSERT_TRUE(InsertSession(*conn_, "a", "alice", "Payments 100%", "", 1000).ok());
  ASSERT_TRUE(InsertSession(*conn_, "b", "alice", "Search", "", 2000).ok());
  ASSERT_TRUE(InsertSession(*conn_, "c", "alice", "payments v2", "", 3000).ok());
  ASSERT_TRUE(InsertSession(*conn_, "d", "bob", "payments", "", 4000).ok());
  paging::SessionPosition start{std::numeric_limits<int64_t>::max(), ""};
  auto all = SelectSessionsPage(*conn_, "alice", start, 2, "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->sessions_size(), 2);
  EXPECT_EQ(all->sessions(0).id(), "c");
  EXPECT_EQ(all->sessions(1).id(), "b");
  auto after = paging::DecodeSessionToken(all->next_page_token());
  ASSERT_TRUE(after.ok());
  auto rest = SelectSessionsPage(*conn_, "alice", *after, 2, "");
  ASSERT_EQ(rest->sessions_size(), 1);
  EXPECT_EQ(rest->sessions(0).id(), "a");
  auto filtered = SelectSessionsPage(*conn_, "alice", start, 10, "PAYMENTS");
  ASSERT_EQ(filtered->sessions_size(), 2);
  auto literal = SelectSessionsPage(*conn_, "alice", start, 10, "0%");
  ASSERT_EQ(literal->sessions_size(), 1);
  EXPECT_EQ(literal->sessions(0).id(), "a");
}

TEST_F(SqliteQueriesTest, DeletesSessionsWithTheirTurnsAndPrunesByAge) {
  ASSERT_TRUE(InsertTurn(*conn_, Turn("alice", "old1", true, "x"), 1000).ok());
  ASSERT_TRUE(InsertTurn(*conn_, Turn("alice", "old2", true, "x"), 1000).ok());
  ASSERT_TRUE(InsertTurn(*conn_, Turn("alice", "new", true, "x"), 5000).ok());
  EXPECT_EQ(*DeleteSessionsBefore(*conn_, 2000, 1), 1);
  EXPECT_EQ(*DeleteSessionsBefore(*conn_, 2000, 10), 1);
  EXPECT_EQ(*DeleteSessionsBefore(*conn_, 2000, 10), 0);
  ASSERT_TRUE(DeleteSessionWithTurns(*conn_, "alice", "new").ok());
  EXPECT_EQ(*conn_->QueryText("SELECT count(*) FROM turns"), "0");
  EXPECT_EQ(*conn_->QueryText("SELECT count(*) FROM agent_outputs"), "0");
}

TEST_F(SqliteQueriesTest, ReadingATurnWithoutAMergerFails) {
  ASSERT_TRUE(InsertTurn(*conn_, Turn("alice", "s1", true, "one"), 1000).ok());
  EXPECT_EQ(SelectTurnsPage(*conn_, "alice", "s1", 0, 10, nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(conn_->InTransaction());
}

}  // namespace
}  // namespace agentd::sqlite
