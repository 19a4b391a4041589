// The review layout of turns stored before layouts were recorded.
//
// Merger version 1 (and the reviews schema 2 and older stored whole) laid
// every review out by one fixed table: the bundled agents' sections, their
// headings and order, their decision keys, and one title. Such turns recorded
// none of it, so that table is part of how they read, and it lives here, with
// the rest of what the store knows about old rows. Newer turns record their
// own layout (StoredTurn.layout, review_title); nothing else reads this.
#ifndef AGENTD_DB_LEGACY_LAYOUT_H_
#define AGENTD_DB_LEGACY_LAYOUT_H_

#include <vector>

#include "agentd/v1/definition.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/turn_record.h"

namespace agentd {

// The layout every merger-version-1 turn was merged with, in its order.
const std::vector<v1::SectionSpec>& LegacyLayout();

// Fills in the title and layout of a version 1 record (which has neither);
// leaves any other record alone.
void UpgradeLegacyMergeRecord(MergeRecord* record);

// A review stored whole (schema 2 and older) has conflicts without their
// section: sets it from the legacy layout.
void UpgradeLegacyStoredReview(v1::Review* review);

}  // namespace agentd

#endif  // AGENTD_DB_LEGACY_LAYOUT_H_
