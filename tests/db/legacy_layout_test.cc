#include "db/legacy_layout.h"

#include "db/turn_codec.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

// A version 1 turn recorded no layout and no title: reading it supplies
// the ones it was merged with, so it merges again as it was sent.
TEST(LegacyLayoutTest, AVersionOneTurnReadsWithTheLayoutItWasMergedWith) {
  v1::StoredTurn body;
  body.set_merger_version(1);
  MergeRecord record = MergeRecordOf(body);
  EXPECT_EQ(record.title, "Backend Architecture Review");
  ASSERT_EQ(record.layout.size(), 14u);
  EXPECT_EQ(record.layout[0]->id(), "architecture_pattern");
  EXPECT_EQ(record.layout[9]->heading(), "Risks & Mitigation");
  EXPECT_LT(record.layout[9]->order(), record.layout[10]->order());
  EXPECT_EQ(record.layout[10]->decision_prefixes(0), "api");
}

// A later turn reads with what it recorded, and nothing is added.
TEST(LegacyLayoutTest, ANewerTurnKeepsWhatItRecorded) {
  v1::StoredTurn body;
  body.set_merger_version(2);
  body.set_review_title("Data Review");
  body.add_layout()->set_id("data_modeling");
  MergeRecord record = MergeRecordOf(body);
  EXPECT_EQ(record.title, "Data Review");
  ASSERT_EQ(record.layout.size(), 1u);
  EXPECT_EQ(record.layout[0]->id(), "data_modeling");
}

TEST(LegacyLayoutTest, AReviewStoredWholeGetsItsConflictsSections) {
  v1::Review review;
  review.add_conflicts()->set_key("database.primary");
  review.add_conflicts()->set_key("unknown.key");
  UpgradeLegacyStoredReview(&review);
  EXPECT_EQ(review.conflicts(0).section(), "database_architecture");
  EXPECT_EQ(review.conflicts(1).section(), "");
}

}  // namespace
}  // namespace agentd
