// Text matching for the router: a tokenizer, a Porter stemmer and a small
// BM25 index over short documents (the scope rules of agent definitions).
//
// Words are lowercased, split on anything that is not a letter or digit,
// English function words and bare numbers are dropped, and what is left is
// stemmed, so "caching", "cached" and "caches" meet on one term. Adjacent
// stems also form phrase terms ("error budget"), which weigh more because
// they are rarer. Term weights come from the indexed documents themselves
// (BM25 with IDF over all documents); nothing about any domain is built in.
//
// A few short documents cannot tell an everyday word ("image", "breaks")
// from a topic word ("queue"): both are rare among them. So each term also
// has a specificity: how much more often the documents use it than ordinary
// spoken English does (word counts of SUBTLEX-US, compiled in; see
// eval/make_background_frequencies.py).
//
// Build a TextIndex single-threaded (Add…, then Finalize); after Finalize
// every const method is thread-safe.
#ifndef AGENTD_SERVER_CORE_TEXT_INDEX_H_
#define AGENTD_SERVER_CORE_TEXT_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace agentd::text {

// The Porter (1980) stem of a lowercase ASCII word. Words of one or two
// letters come back unchanged.
std::string Stem(std::string_view word);

// One indexed unit of a text: a stemmed word, or a phrase of two adjacent
// stems joined by a space. `surface` is what the text said (lowercased).
struct Term {
  std::string key;
  std::string surface;
  uint32_t clause = 0;  // which clause of the text (see Tokenize)
};

// Splits `text` into terms: each kept word, each hyphen/slash compound
// written as one word ("pub/sub" also gives "pubsub"), and each pair of
// adjacent kept words of one clause. Clauses end at punctuation that ends a
// clause or list item (". , ; : ? !" before a space) and at the joining
// words "and", "also" and "but"; each term carries its clause's index.
// Order follows the text; duplicates are kept.
void Tokenize(std::string_view text, std::vector<Term>* out);

// The sentences of `text`, as [begin, end) byte offsets, in order: a
// sentence ends at '.', '?' or '!' followed by white space or the end of
// the text (not after "e.g.", "i.e.", "vs." or "etc."). Leading and
// trailing white space is left out. Each such end also ends a clause for
// Tokenize, so every phrase it forms lies inside one sentence.
std::vector<std::pair<uint32_t, uint32_t>> SplitSentences(std::string_view text);

// How often ordinary spoken English uses the stem `key` (a share of all
// words, summed over the words with that stem); words too rare to be listed
// get half the smallest listed count. Phrases (keys with a space) get the
// share of their rarer word. Thread-safe; the table is built on first use.
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

}  // namespace agentd::text

#endif  // AGENTD_SERVER_CORE_TEXT_INDEX_H_
