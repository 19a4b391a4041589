#include "server/core/merger.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace agentd {
namespace {

// Two statements are the same when their words are: case, punctuation and
// spacing do not count. kFolded maps a byte to its lowercase form when it is
// an ASCII letter or digit and to 0 when it separates words (a table, not the
// locale-aware <cctype> calls, which were a quarter of a merge's time).
constexpr std::array<unsigned char, 256> kFolded = [] {
  std::array<unsigned char, 256> folded{};
  for (int c = '0'; c <= '9'; ++c) folded[static_cast<size_t>(c)] = static_cast<unsigned char>(c);
  for (int c = 'a'; c <= 'z'; ++c) folded[static_cast<size_t>(c)] = static_cast<unsigned char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) folded[static_cast<size_t>(c)] = static_cast<unsigned char>(c - 'A' + 'a');
  return folded;
}();

// The bytes of a text's normalized form, one at a time: its words
// lowercased, one space between two words, none before the first or after
// the last.
class NormalizedBytes {
 public:
  explicit NormalizedBytes(std::string_view text) : text_(text) {}
  // The next byte, or -1 at the end.
  int Next() {
    while (at_ < text_.size()) {
      const unsigned char c = kFolded[static_cast<unsigned char>(text_[at_])];
      if (c == 0) {
        pending_space_ = any_;
        ++at_;
        continue;
      }
      if (pending_space_) {
        pending_space_ = false;
        return ' ';
      }
      any_ = true;
      ++at_;
      return c;
    }
    return -1;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
  bool any_ = false;
  bool pending_space_ = false;
};

bool SameStatement(const v1::Item& a, const v1::Item& b) {
  if (a.label() != b.label()) return false;
  NormalizedBytes x(a.text()), y(b.text());
  for (;;) {
    const int c = x.Next();
    if (c != y.Next()) return false;
    if (c < 0) return true;
  }
}

// How many letters and digits a text has, and the sum of their lowercase
// bytes: equal for two statements that are the same, and different for
// most that are not. Sixteen bytes at a time (GCC/Clang vector extensions,
// SSE2 on x86-64): a byte at a time, normalizing or hashing the statements
// was a merge's largest cost.
struct Letters {
  uint64_t count = 0;
  uint64_t sum = 0;
};

using Bytes16 = uint8_t __attribute__((vector_size(16)));
using Shorts8 = uint16_t __attribute__((vector_size(16)));

// Adds the letters and digits of `block` (16 bytes) into the lane counters.
inline void AddBlock(Bytes16 block, Bytes16* count, Shorts8* sum) {
  const Bytes16 lower = block | 0x20;
  const Bytes16 letter = (lower >= 'a') & (lower <= 'z');  // 0xFF or 0 per byte
  const Bytes16 digit = (block >= '0') & (block <= '9');
  const Bytes16 folded = (lower & letter) | (block & digit);
  *count -= letter | digit;  // 0xFF is -1
  Shorts8 wide;
  std::memcpy(&wide, &folded, sizeof(wide));
  *sum += (wide & 0xFF) + (wide >> 8);
}

Letters CountLetters(std::string_view text) {
  Letters letters;
  const char* p = text.data();
  size_t blocks = text.size() / 16;
  // A byte lane counts at most 255 blocks, a 16-bit lane sums at most 128.
  constexpr size_t kBlocksPerFlush = 128;
  Bytes16 count{};
  Shorts8 sum{};
  auto flush = [&] {
    for (int i = 0; i < 16; ++i) letters.count += count[i];
    for (int i = 0; i < 8; ++i) letters.sum += sum[i];
    count = Bytes16{};
    sum = Shorts8{};
  };
  while (blocks > 0) {
    const size_t n = blocks < kBlocksPerFlush ? blocks : kBlocksPerFlush;
    for (size_t i = 0; i < n; ++i, p += 16) {
      Bytes16 block;
      std::memcpy(&block, p, 16);
      AddBlock(block, &count, &sum);
    }
    blocks -= n;
    flush();
  }
  // The tail, padded with zeros (which are not letters).
  Bytes16 tail{};
  std::memcpy(&tail, p, text.size() % 16);
  AddBlock(tail, &count, &sum);
  flush();
  return letters;
}

// A statement's signature: the same for two statements that are the same;
// two that share it are compared in full (SameStatement).
uint64_t Signature(const v1::Item& item) {
  const Letters letters = CountLetters(item.text());
  return absl::HashOf(item.label(), letters.count, letters.sum);
}

// The items already in a list, by signature: the first with each signature
// and, per item, the next one with the same signature (-1: none).
struct SeenItems {
  absl::flat_hash_map<uint64_t, int> first;
  std::vector<int> next;
};

// The item of `items` that says what `item` (with `signature`) says, or
// null; then `item` is recorded in `seen` as the one about to be appended.
// Only AddDeduplicated appends to `items`, so `seen->next` has one entry per
// item.
v1::Item* SameInList(const v1::Item& item, uint64_t signature, google::protobuf::RepeatedPtrField<v1::Item>* items,
                     SeenItems* seen) {
  const int index = items->size();
  auto [it, inserted] = seen->first.try_emplace(signature, index);
  if (!inserted) {
    for (int i = it->second;; i = seen->next[static_cast<size_t>(i)]) {
      if (SameStatement((*items)[i], item)) return items->Mutable(i);
      if (seen->next[static_cast<size_t>(i)] < 0) {
        seen->next[static_cast<size_t>(i)] = index;
        break;
      }
    }
  }
  seen->next.push_back(-1);
  return nullptr;
}

// Records on `existing` that `by` said it too.
void AlsoSaidBy(const std::string& by, v1::Item* existing) {
  if (existing->agent() == by) return;
  for (const std::string& a : existing->also_agents()) {
    if (a == by) return;
  }
  existing->add_also_agents(by);
}

// Appends a copy of `item` (attributed to `agent` when it names no agent)
// unless an equal one is there; then records the agent on the one that is.
void AddDeduplicated(const v1::Item& item, uint64_t signature, const std::string& agent,
                     google::protobuf::RepeatedPtrField<v1::Item>* items, SeenItems* seen) {
  if (v1::Item* same = SameInList(item, signature, items, seen)) {
    AlsoSaidBy(item.agent().empty() ? agent : item.agent(), same);
    return;
  }
  v1::Item* added = items->Add();
  *added = item;
  if (added->agent().empty()) added->set_agent(agent);
}

// The same for an item the caller gives up (Merge of an rvalue): it is
// appended itself, not a copy, or deleted when an equal one is there.
void AddDeduplicated(std::unique_ptr<v1::Item> item, uint64_t signature, const std::string& agent,
                     google::protobuf::RepeatedPtrField<v1::Item>* items, SeenItems* seen) {
  if (v1::Item* same = SameInList(*item, signature, items, seen)) {
    AlsoSaidBy(item->agent().empty() ? agent : item->agent(), same);
    return;
  }
  if (item->agent().empty()) item->set_agent(agent);
  items->AddAllocated(item.release());
}

// An answer's item signatures in Merge's reading order (ItemSignatures):
// those its outcome carries when they are the answer's, else worked out
// here. Where each section's, the assumptions' and the questions' start is
// fixed here, before Merge takes any item out of the answer.
class AnswerSignatures {
 public:
  AnswerSignatures() = default;
  explicit AnswerSignatures(const AgentOutcome& outcome) {
    const v1::AgentResponse& answer = *outcome.response;
    size_t count = 0;
    section_start_.reserve(static_cast<size_t>(answer.sections_size()));
    for (const v1::Section& s : answer.sections()) {
      section_start_.push_back(count);
      count += static_cast<size_t>(s.items_size());
    }
    assumptions_start_ = count;
    questions_start_ = count + static_cast<size_t>(answer.assumptions_size());
    count = questions_start_ + static_cast<size_t>(answer.questions_size());
    if (outcome.item_signatures.size() == count) {
      data_ = outcome.item_signatures.data();
    } else {
      computed_ = ItemSignatures(answer);
      data_ = computed_.data();
    }
  }
  const uint64_t* Section(int i) const { return data_ + section_start_[static_cast<size_t>(i)]; }
  const uint64_t* Assumptions() const { return data_ + assumptions_start_; }
  const uint64_t* Questions() const { return data_ + questions_start_; }

 private:
  const uint64_t* data_ = nullptr;
  std::vector<uint64_t> computed_;
  std::vector<size_t> section_start_;
  size_t assumptions_start_ = 0;
  size_t questions_start_ = 0;
};

// Each outcome's AnswerSignatures (an empty one where it has no answer).
std::vector<AnswerSignatures> SignaturesOf(const std::vector<AgentOutcome>& outcomes) {
  std::vector<AnswerSignatures> all;
  all.reserve(outcomes.size());
  for (const AgentOutcome& o : outcomes) {
    if (o.response.has_value()) {
      all.emplace_back(o);
    } else {
      all.emplace_back();
    }
  }
  return all;
}

// Adds every item of `from` (signatures `signatures[0..]`) to `items`:
// copies from a const list, takes the items out of a mutable one.
void AddAll(const google::protobuf::RepeatedPtrField<v1::Item>& from, const uint64_t* signatures,
            const std::string& agent, google::protobuf::RepeatedPtrField<v1::Item>* items, SeenItems* seen) {
  for (const v1::Item& item : from) AddDeduplicated(item, *signatures++, agent, items, seen);
}
void AddAll(google::protobuf::RepeatedPtrField<v1::Item>& from, const uint64_t* signatures, const std::string& agent,
            google::protobuf::RepeatedPtrField<v1::Item>* items, SeenItems* seen) {
  // Taken out as they are (pointers, no copies: the answers are not on an
  // arena), so the review needs no new Item per item.
  absl::InlinedVector<v1::Item*, 16> taken(static_cast<size_t>(from.size()));
  from.ExtractSubrange(0, from.size(), taken.data());
  for (v1::Item* item : taken) {
    AddDeduplicated(std::unique_ptr<v1::Item>(item), *signatures++, agent, items, seen);
  }
}

// Copies from a const input, moves from a mutable one.
template <typename Input>
constexpr bool kMoves = !std::is_const_v<std::remove_reference_t<Input>>;

// An answer's repeated fields: mutable (to move from) when the answer is.
using google::protobuf::RepeatedPtrField;
const RepeatedPtrField<v1::Section>& Sections(const v1::AgentResponse& r) { return r.sections(); }
RepeatedPtrField<v1::Section>& Sections(v1::AgentResponse& r) { return *r.mutable_sections(); }
const RepeatedPtrField<v1::Item>& Items(const v1::Section& s) { return s.items(); }
RepeatedPtrField<v1::Item>& Items(v1::Section& s) { return *s.mutable_items(); }
const RepeatedPtrField<v1::Decision>& Decisions(const v1::AgentResponse& r) { return r.decisions(); }
RepeatedPtrField<v1::Decision>& Decisions(v1::AgentResponse& r) { return *r.mutable_decisions(); }
const RepeatedPtrField<v1::Item>& Assumptions(const v1::AgentResponse& r) { return r.assumptions(); }
RepeatedPtrField<v1::Item>& Assumptions(v1::AgentResponse& r) { return *r.mutable_assumptions(); }
const RepeatedPtrField<v1::Item>& Questions(const v1::AgentResponse& r) { return r.questions(); }
RepeatedPtrField<v1::Item>& Questions(v1::AgentResponse& r) { return *r.mutable_questions(); }

using OwnerOfSection = absl::flat_hash_map<std::string, std::string>;

// Sections: every agent's items under their section id; the owner's items
// come first, then the others' in route order; sections in layout order.
template <typename Input>
void MergeSections(Input&& input, const std::vector<AnswerSignatures>& signatures, const ReviewLayout& layout,
                   const OwnerOfSection& owner_of_section, v1::Review* review) {
  struct Gathered {
    v1::Section section;
    SeenItems seen;
    int first_seen = 0;
  };
  // Sorted below by (rank, first seen), which orders them fully.
  absl::flat_hash_map<std::string, Gathered> gathered;
  int order = 0;
  auto gather = [&](auto& response, const AnswerSignatures& signed_items, bool owners_pass) {
    int index = -1;
    for (auto& s : Sections(response)) {
      ++index;
      auto owner = owner_of_section.find(s.id());
      bool is_owner = owner != owner_of_section.end() && owner->second == response.agent();
      if (is_owner != owners_pass) continue;
      Gathered& g = gathered[s.id()];
      if (g.section.id().empty()) {
        g.section.set_id(s.id());
        g.section.set_heading(s.heading().empty() ? layout.Heading(s.id()) : s.heading());
        g.section.set_owner(owner != owner_of_section.end() ? owner->second : response.agent());
        g.first_seen = order++;
      }
      AddAll(Items(s), signed_items.Section(index), response.agent(), g.section.mutable_items(), &g.seen);
    }
  };
  for (bool owners_pass : {true, false}) {
    for (size_t i = 0; i < input.outcomes.size(); ++i) {
      auto& o = input.outcomes[i];
      if (o.response.has_value()) gather(*o.response, signatures[i], owners_pass);
    }
  }
  std::vector<Gathered*> ordered;
  for (auto& [id, g] : gathered) ordered.push_back(&g);
  std::stable_sort(ordered.begin(), ordered.end(), [&layout](const Gathered* a, const Gathered* b) {
    int ra = layout.Rank(a->section.id()), rb = layout.Rank(b->section.id());
    return ra != rb ? ra < rb : a->first_seen < b->first_seen;
  });
  review->mutable_sections()->Reserve(static_cast<int>(ordered.size()));
  for (Gathered* g : ordered) {
    v1::Section& s = g->section;
    if (s.id() == "recommendations") {
      // Ranked across agents: priority 1 first, unranked (0) last.
      std::stable_sort(s.mutable_items()->begin(), s.mutable_items()->end(),
                       [](const v1::Item& a, const v1::Item& b) {
                         int pa = a.priority() == 0 ? 1 << 20 : a.priority();
                         int pb = b.priority() == 0 ? 1 << 20 : b.priority();
                         return pa < pb;
                       });
    }
    review->add_sections()->Swap(&s);
  }
}

// Decisions: one per key. The key's owner (the owner of its section)
// decides; anyone else who decided differently is a recorded conflict.
template <typename Input>
void MergeDecisions(Input&& input, const ReviewLayout& layout, const OwnerOfSection& owner_of_section,
                    v1::Review* review) {
  std::vector<std::string> key_order;
  absl::flat_hash_map<std::string, std::vector<v1::Decision>> by_key;  // read in key_order
  for (auto& o : input.outcomes) {
    if (!o.response.has_value()) continue;
    for (auto& from : Decisions(*o.response)) {
      v1::Decision d;
      if constexpr (kMoves<Input>) {
        d.Swap(&from);
      } else {
        d = from;
      }
      if (d.agent().empty()) d.set_agent(o.response->agent());
      auto [it, inserted] = by_key.try_emplace(d.key());
      if (inserted) key_order.push_back(d.key());
      it->second.push_back(std::move(d));
    }
  }
  for (const std::string& key : key_order) {
    std::vector<v1::Decision>& all = by_key[key];
    const std::string section = layout.SectionOfDecisionKey(key);
    auto owner = owner_of_section.find(section);
    size_t kept = 0;
    if (owner != owner_of_section.end()) {
      for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].agent() == owner->second) {
          kept = i;
          break;
        }
      }
    }
    const v1::Decision& winner = all[kept];
    for (size_t i = 0; i < all.size(); ++i) {
      if (i == kept || all[i].value() == winner.value()) continue;
      v1::Conflict* c = review->add_conflicts();
      c->set_key(key);
      c->set_kept_value(winner.value());
      c->set_kept_agent(winner.agent());
      c->set_other_value(all[i].value());
      c->set_other_agent(all[i].agent());
      c->set_other_rationale(all[i].rationale());
      c->set_section(section);
    }
    review->add_decisions()->Swap(&all[kept]);
  }
}

template <typename Input>
v1::Review MergeImpl(Input&& input) {
  static const ReviewLayout kNoLayout;
  const ReviewLayout& layout = input.layout != nullptr ? *input.layout : kNoLayout;
  v1::Review review;
  if constexpr (kMoves<Input>) {
    review.set_title(std::move(input.title));
  } else {
    review.set_title(input.title);
  }

  OwnerOfSection owner_of_section;
  for (const auto& def : input.definitions) {
    for (const std::string& id : def->sections()) owner_of_section.emplace(id, def->name());
  }
  const std::vector<AnswerSignatures> signatures = SignaturesOf(input.outcomes);
  MergeSections(input, signatures, layout, owner_of_section, &review);
  MergeDecisions(input, layout, owner_of_section, &review);

  SeenItems seen_assumptions, seen_questions;
  for (size_t i = 0; i < input.outcomes.size(); ++i) {
    auto& o = input.outcomes[i];
    if (!o.response.has_value()) continue;
    auto& response = *o.response;
    AddAll(Assumptions(response), signatures[i].Assumptions(), response.agent(), review.mutable_assumptions(),
           &seen_assumptions);
    AddAll(Questions(response), signatures[i].Questions(), response.agent(), review.mutable_questions(),
           &seen_questions);
  }

  review.mutable_agents()->Reserve(static_cast<int>(input.outcomes.size()));
  for (auto& o : input.outcomes) {
    if (o.run.status() != v1::AGENT_STATUS_OK) review.set_partial(true);
    if constexpr (kMoves<Input>) {
      review.add_agents()->Swap(&o.run);
    } else {
      *review.add_agents() = o.run;
    }
  }
  for (auto& f : input.facts) {
    if constexpr (kMoves<Input>) {
      review.add_facts()->Swap(&f);
    } else {
      *review.add_facts() = f;
    }
  }
  if constexpr (kMoves<Input>) {
    review.mutable_requirements()->Swap(&input.requirements);
  } else {
    *review.mutable_requirements() = input.requirements;
  }
  return review;
}

}  // namespace

std::vector<uint64_t> ItemSignatures(const v1::AgentResponse& answer) {
  std::vector<uint64_t> signatures;
  size_t count = static_cast<size_t>(answer.assumptions_size() + answer.questions_size());
  for (const v1::Section& s : answer.sections()) count += static_cast<size_t>(s.items_size());
  signatures.reserve(count);
  for (const v1::Section& s : answer.sections()) {
    for (const v1::Item& item : s.items()) signatures.push_back(Signature(item));
  }
  for (const v1::Item& item : answer.assumptions()) signatures.push_back(Signature(item));
  for (const v1::Item& item : answer.questions()) signatures.push_back(Signature(item));
  return signatures;
}

v1::Review Merge(const MergeInput& input) { return MergeImpl(input); }
v1::Review Merge(MergeInput&& input) { return MergeImpl(input); }

absl::StatusOr<v1::Review> MergeByVersion(int version, const MergeInput& input) {
  return MergeByVersion(version, MergeInput(input));
}

absl::StatusOr<v1::Review> MergeByVersion(int version, MergeInput&& input) {
  switch (version) {
    case 1:  // the same Merge; the store supplied the layout v1 did not record
    case 2: return Merge(std::move(input));
    default:
      return absl::FailedPreconditionError(absl::StrCat(
          "turn was merged by merger version ", version, ", which this agentd does not have (it has 1 to ",
          kMergerVersion, ")"));
  }
}

absl::StatusOr<v1::Review> MergeStoredTurn(const MergeRecord& record,
                                           const std::vector<AgentOutputRecord>& outputs) {
  MergeInput input;
  input.outcomes.reserve(outputs.size());
  for (const AgentOutputRecord& output : outputs) {
    AgentOutcome& outcome = input.outcomes.emplace_back();
    outcome.run = output.run;
    if (output.output.ByteSizeLong() != 0) outcome.response = output.output;  // Merge skips an empty answer like none
  }
  input.definitions = record.section_owners;
  const ReviewLayout layout(record.layout);
  input.layout = &layout;
  input.title = record.title;
  input.requirements = record.requirements;
  input.facts = record.facts;
  return MergeByVersion(record.merger_version, std::move(input));
}

}  // namespace agentd
