// A small BM25 index over short documents (the router's scope rules), over
// the terms router_terms.h reads from a text. Term weights come from the
// indexed documents themselves (BM25 with IDF over all documents); nothing
// about any domain is built in.
//
// A few short documents cannot tell an everyday word ("image", "breaks")
// from a topic word ("queue"): both are rare among them. So each term also
// has a specificity: how much more often the documents use it than ordinary
// spoken English does (word counts of SUBTLEX-US, compiled in and stemmed
// at build time by the same stemmer; see eval/make_background_frequencies.py).
//
// Build a TextIndex single-threaded (Add…, then Finalize); after Finalize
// every const method is thread-safe.
#ifndef AGENTD_SERVER_CORE_TEXT_INDEX_H_
#define AGENTD_SERVER_CORE_TEXT_INDEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "server/core/router_terms.h"

namespace agentd::routing {

// How often ordinary spoken English uses the stem `key` (a share of all
// words, summed over the words with that stem); words too rare to be listed
// get half the smallest listed count. Phrases (keys with a space) get the
// share of their rarer word. Thread-safe; a lookup in a table stemmed at build time.
double BackgroundFrequency(std::string_view key);

class TextIndex {
 public:
  struct Posting {
    uint32_t doc;
    float weight;  // BM25 contribution of this term to this document
  };
  // A term of a query that the index knows.
  struct QueryTerm {
    uint32_t term;
    std::string surface;
    bool phrase;  // two words
    // Bit i: the term occurs in clause i of the text (clauses from 31 on
    // share bit 31).
    uint32_t clauses;
  };

  // Adds a document and returns its id (0, 1, 2, … in call order).
  uint32_t Add(std::string_view text);
  // The same for a document whose terms were already read (ExtractTerms of
  // its text), so that a text indexed several times is read once. With
  // `term_ids`, appends each term's id to it.
  uint32_t Add(std::span<const Term> terms, std::vector<uint32_t>* term_ids = nullptr);
  // Computes the weights. Call once, after the last Add.
  void Finalize(double k1 = 1.2, double b = 0.75);

  // The distinct terms of `text` that occur in at least one document, in
  // order of first appearance. Clears `out` first. Returns the number of
  // distinct content words of `text`, known to the index or not, so callers
  // can tell how much of a text the index explains. With `clause_words`,
  // also the number of distinct content words of each clause.
  size_t Analyze(std::string_view text, std::vector<QueryTerm>* out,
                 std::vector<uint32_t>* clause_words = nullptr) const;

  // The documents holding `term` with their weights, by document id.
  const std::vector<Posting>& postings(uint32_t term) const {
    return postings_[term];
  }
  // log(P(term | all documents) / P(term | ordinary English)) for a word;
  // for a phrase, that of its more specific word. Around 0 for words the
  // documents use no more than everyday speech does; 5 or more for topic
  // words. Valid after Finalize.
  float specificity(uint32_t term) const { return specificity_[term]; }
  // BackgroundFrequency of the term's key (for a phrase, its rarer word's).
  // Valid after Finalize.
  double background_frequency(uint32_t term) const { return background_[term]; }
  size_t document_count() const { return doc_lengths_.size(); }
  size_t term_count() const { return postings_.size(); }

 private:
  absl::flat_hash_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id; weight = tf until Finalize
  std::vector<uint32_t> doc_lengths_;           // words per document
  std::vector<float> specificity_;              // by term id, after Finalize
  std::vector<double> background_;              // by term id, after Finalize
};

}  // namespace agentd::routing

#endif  // AGENTD_SERVER_CORE_TEXT_INDEX_H_
