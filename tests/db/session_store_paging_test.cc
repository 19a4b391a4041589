// The SessionStore contract, continued (session_store_test.cc has the
// rest): page tokens of both listings, the title filter, and one principal
// never seeing another's sessions; on every backend.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/db/session_store_fixture.h"

namespace agentd {
namespace {

using testing_db::MakeTurn;
using testing_db::SessionStoreTest;

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, testing_db::EveryBackend(), testing_db::BackendName);

TEST_P(SessionStoreTest, PagesThroughTurns) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  for (int i = 1; i <= 25; ++i) {
    ASSERT_EQ(*store->AppendTurn(MakeTurn("alice", id, i == 1, absl::StrCat("q", i))), i);
  }
  std::vector<int> seqs;
  std::string token;
  int pages = 0;
  do {
    auto page = store->GetSession("alice", id, 10, token);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->session().turn_count(), 25);
    for (const v1::Turn& turn : page->turns()) {
      seqs.push_back(turn.seq());
      EXPECT_EQ(turn.request().text(), absl::StrCat("q", turn.seq()));
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seqs.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seqs[i], i + 1);

  // Exactly one full page: no dangling empty page.
  auto all = store->GetSession("alice", id, 25, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->turns_size(), 25);
  EXPECT_TRUE(all->next_page_token().empty());

  EXPECT_EQ(store->GetSession("alice", id, -1, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetSession("alice", id, 10, "not-a-token").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetSession("alice", id, 10, "abc").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto sessions = store->ListSessions("alice", 1, "", "");
  ASSERT_TRUE(sessions.ok());
  // A session-list token is not a turn token, and vice versa.
  std::string second_page_of_turns = store->GetSession("alice", id, 1, "")->next_page_token();
  ASSERT_FALSE(second_page_of_turns.empty());
  EXPECT_EQ(store->ListSessions("alice", 10, second_page_of_turns, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(SessionStoreTest, PagesThroughSessionsNewestFirst) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 130; ++i) {
    // Several sessions share a millisecond so that ties must page correctly.
    if (i % 3 == 0) now_ms_ += 1;
    auto session = store->CreateSession("alice", absl::StrCat("session ", i), {});
    ASSERT_TRUE(session.ok()) << session.status();
    ids.push_back(session->id());
  }
  ASSERT_TRUE(store->CreateSession("bob", "bob's", {}).ok());

  std::vector<v1::Session> seen;
  std::string token;
  do {
    auto page = store->ListSessions("alice", 7, token, "");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->sessions_size(), 7);
    for (const v1::Session& s : page->sessions()) seen.push_back(s);
    token = page->next_page_token();
  } while (!token.empty());
  ASSERT_EQ(seen.size(), 130u);
  std::set<std::string> unique;
  for (size_t i = 0; i < seen.size(); ++i) {
    unique.insert(seen[i].id());
    if (i > 0) {
      bool ordered = seen[i - 1].updated_unix_ms() > seen[i].updated_unix_ms() ||
                     (seen[i - 1].updated_unix_ms() == seen[i].updated_unix_ms() &&
                      seen[i - 1].id() < seen[i].id());
      EXPECT_TRUE(ordered) << "at " << i;
    }
  }
  EXPECT_EQ(unique, std::set<std::string>(ids.begin(), ids.end()));

  auto default_page = store->ListSessions("alice", 0, "", "");
  ASSERT_TRUE(default_page.ok());
  EXPECT_EQ(default_page->sessions_size(), 50);
  auto capped = store->ListSessions("alice", 5000, "", "");
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->sessions_size(), 130);
  EXPECT_EQ(store->ListSessions("alice", -5, "", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListSessions("alice", 5, "zz", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(SessionStoreTest, TitleFilterIsCaseInsensitiveSubstringWithLiteralWildcards) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  for (const char* title : {"Payments at 100% load", "100 percent sure", "Order_Service", "OrderXService",
                            "inventory"}) {
    ASSERT_TRUE(store->CreateSession("alice", title, {}).ok());
  }
  auto titles = [&](std::string_view filter) {
    std::set<std::string> out;
    auto page = store->ListSessions("alice", 0, "", filter);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& s : page->sessions()) out.insert(s.title());
    }
    return out;
  };
  EXPECT_EQ(titles("100%"), std::set<std::string>{"Payments at 100% load"});
  EXPECT_EQ(titles("order_"), std::set<std::string>{"Order_Service"});
  EXPECT_EQ(titles("ORDER"), (std::set<std::string>{"Order_Service", "OrderXService"}));
  EXPECT_EQ(titles("nothing like it"), std::set<std::string>{});
  EXPECT_EQ(titles("").size(), 5u);
}

TEST_P(SessionStoreTest, OnePrincipalNeverSeesAnothersSession) {
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  std::string id = NewSessionId();
  ASSERT_TRUE(store->AppendTurn(MakeTurn("alice", id, true, "secret")).ok());

  EXPECT_EQ(store->LoadSession("bob", id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->LoadSessionFactSources("bob", id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->GetSession("bob", id, 0, "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->AppendTurn(MakeTurn("bob", id, false, "intrude")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteSession("bob", id).code(), absl::StatusCode::kNotFound);
  auto bobs = store->ListSessions("bob", 0, "", "");
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->sessions_size(), 0);
  // A token taken from alice's listing shows bob nothing of hers.
  ASSERT_TRUE(store->CreateSession("alice", "second", {}).ok());
  auto alice_page = store->ListSessions("alice", 1, "", "");
  ASSERT_TRUE(alice_page.ok());
  ASSERT_FALSE(alice_page->next_page_token().empty());
  auto bob_page = store->ListSessions("bob", 10, alice_page->next_page_token(), "");
  ASSERT_TRUE(bob_page.ok());
  EXPECT_EQ(bob_page->sessions_size(), 0);
  EXPECT_EQ(store->PruneOlderThan(absl::FromUnixMillis(0)).value_or(-1), 0);

  // Alice's session is untouched by all of that.
  auto got = store->GetSession("alice", id, 0, "");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->session().turn_count(), 1);
  ASSERT_EQ(got->turns_size(), 1);
  EXPECT_EQ(got->turns(0).request().text(), "secret");
}

}  // namespace
}  // namespace agentd
