#include "server/core/text_index.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"

namespace agentd::routing {
namespace {

struct BackgroundStem {
  std::string_view stem;
  double count;
};
// kBackgroundStems, kBackgroundTotalWords, kBackgroundMinCount: generated
// at build time by make_background_stems.
#include "background_stems.inc"

}  // namespace

double BackgroundFrequency(std::string_view key) {
  const size_t space = key.find(' ');
  if (space != std::string_view::npos) {
    return std::min(BackgroundFrequency(key.substr(0, space)),
                    BackgroundFrequency(key.substr(space + 1)));
  }
  const auto* end = std::end(kBackgroundStems);
  const auto* it = std::lower_bound(std::begin(kBackgroundStems), end, key,
                                    [](const BackgroundStem& s, std::string_view k) { return s.stem < k; });
  const double count = it == end || it->stem != key ? kBackgroundMinCount / 2 : it->count;
  return count / kBackgroundTotalWords;
}

uint32_t TextIndex::Add(std::string_view text) {
  std::vector<Term> terms;
  ExtractTerms(text, &terms);
  return Add(terms);
}

uint32_t TextIndex::Add(std::span<const Term> terms, std::vector<uint32_t>* term_ids) {
  const uint32_t doc = static_cast<uint32_t>(doc_lengths_.size());
  uint32_t words = 0;
  for (const Term& t : terms) {
    if (t.key.find(' ') == std::string::npos) ++words;
    auto [it, inserted] = term_ids_.try_emplace(t.key, static_cast<uint32_t>(postings_.size()));
    if (inserted) postings_.emplace_back();
    if (term_ids != nullptr) term_ids->push_back(it->second);
    std::vector<Posting>& list = postings_[it->second];
    if (!list.empty() && list.back().doc == doc) {
      list.back().weight += 1.0f;
    } else {
      list.push_back(Posting{doc, 1.0f});
    }
  }
  doc_lengths_.push_back(words);
  return doc;
}

void TextIndex::Finalize(double k1, double b) {
  const double n = static_cast<double>(doc_lengths_.size());
  double total = 0;
  for (uint32_t len : doc_lengths_) total += len;
  const double average = n > 0 && total > 0 ? total / n : 1.0;
  // Specificity from raw counts, before they become weights. Phrases take
  // their words' (every phrase's words are indexed terms too).
  std::vector<std::string_view> keys(postings_.size());
  for (const auto& [key, id] : term_ids_) keys[id] = key;
  specificity_.assign(postings_.size(), 0.0f);
  background_.assign(postings_.size(), 0.0);
  for (uint32_t t = 0; t < postings_.size(); ++t) {
    if (keys[t].find(' ') != std::string_view::npos) continue;  // after its words, below
    background_[t] = BackgroundFrequency(keys[t]);
    double uses = 0;
    for (const Posting& p : postings_[t]) uses += p.weight;
    const double share = total > 0 ? uses / total : 0.0;
    specificity_[t] = static_cast<float>(std::log(share / background_[t]));
  }
  for (uint32_t t = 0; t < postings_.size(); ++t) {
    const size_t space = keys[t].find(' ');
    if (space == std::string_view::npos) continue;
    float best = 0.0f;
    // BackgroundFrequency of a phrase is its rarer word's: read from the
    // words' terms (looked up once above) where they are indexed.
    double background = std::numeric_limits<double>::infinity();
    for (std::string_view part : {keys[t].substr(0, space), keys[t].substr(space + 1)}) {
      auto it = term_ids_.find(absl::string_view(part.data(), part.size()));
      if (it != term_ids_.end()) best = std::max(best, specificity_[it->second]);
      background = std::min(background, it != term_ids_.end() ? background_[it->second] : BackgroundFrequency(part));
    }
    specificity_[t] = best;
    background_[t] = background;
  }
  for (std::vector<Posting>& list : postings_) {
    const double df = static_cast<double>(list.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (Posting& p : list) {
      const double tf = p.weight;
      const double norm = k1 * (1.0 - b + b * doc_lengths_[p.doc] / average);
      p.weight = static_cast<float>(idf * tf * (k1 + 1.0) / (tf + norm));
    }
  }
}

namespace {

// Which keys were seen: a scan while there are few (a usual request has a few
// dozen words, where a scan is cheaper than hashing), a hash set past that (a
// text may hold thousands of distinct words: the service accepts 64 KB, and
// scanning for each word made such a call cost a tenth of a second).
template <typename Key>
class SeenSet {
 public:
  // True when `key` is new.
  bool Insert(const Key& key) {
    if (hashed_.empty() && few_.size() < kScanLimit) {
      if (std::find(few_.begin(), few_.end(), key) != few_.end()) return false;
      few_.push_back(key);
      return true;
    }
    if (hashed_.empty()) hashed_.insert(few_.begin(), few_.end());
    return hashed_.insert(key).second;
  }
  size_t size() const { return hashed_.empty() ? few_.size() : hashed_.size(); }

 private:
  static constexpr size_t kScanLimit = 64;
  absl::InlinedVector<Key, kScanLimit> few_;  // on the stack: no allocation for a short text
  absl::flat_hash_set<Key> hashed_;
};

}  // namespace

size_t TextIndex::Analyze(std::string_view text, std::vector<QueryTerm>* out,
                          std::vector<uint32_t>* clause_words) const {
  out->clear();
  thread_local std::vector<Term> terms;  // kept per thread: every Route analyzes its request
  terms.clear();
  ExtractTerms(text, &terms);
  SeenSet<absl::string_view> words;
  SeenSet<std::pair<absl::string_view, uint32_t>> clause_words_seen;
  if (clause_words != nullptr) clause_words->clear();
  for (const Term& t : terms) {
    if (t.key.find(' ') != std::string::npos) continue;
    const absl::string_view key(t.key.data(), t.key.size());
    words.Insert(key);
    if (clause_words == nullptr) continue;
    const uint32_t clause = std::min<uint32_t>(t.clause, 31);
    if (clause_words->size() <= clause) clause_words->resize(clause + 1, 0);
    if (clause_words_seen.Insert({key, clause})) ++(*clause_words)[clause];
  }
  // Where each known term went in *out, by term id: a per-thread array (term
  // ids are dense and few), put back to -1 for the terms this call used.
  thread_local std::vector<int32_t> position_of;
  if (position_of.size() < postings_.size()) position_of.resize(postings_.size(), -1);
  for (Term& t : terms) {
    auto it = term_ids_.find(t.key);
    if (it == term_ids_.end()) continue;
    const uint32_t clause_bit = 1u << std::min<uint32_t>(t.clause, 31);
    int32_t& position = position_of[it->second];
    if (position >= 0) {
      (*out)[position].clauses |= clause_bit;
    } else {
      position = static_cast<int32_t>(out->size());
      const bool phrase = t.key.find(' ') != std::string::npos;
      out->push_back(QueryTerm{it->second, std::move(t.surface), phrase, clause_bit});
    }
  }
  for (const QueryTerm& q : *out) position_of[q.term] = -1;
  // Let go of what a huge text made it grow to (it is kept per thread).
  if (terms.capacity() > 4096) std::vector<Term>().swap(terms);
  return words.size();
}

}  // namespace agentd::routing
