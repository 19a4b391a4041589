#include "server/core/text_index.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"

namespace agentd::text {
namespace {

#include "server/core/background_frequencies.inc"

// English function words: they say nothing about scope, and leaving them in
// would let phrases like "how do" bind unrelated texts.
bool IsStopWord(std::string_view w) {
  static const absl::flat_hash_set<std::string_view>* const kWords =
      new absl::flat_hash_set<std::string_view>{
          "a", "about", "above", "after", "again", "all", "also", "am", "an", "and",
          "any", "are", "as", "at", "be", "because", "been", "before", "being",
          "between", "both", "but", "by", "can", "could", "did", "do", "does",
          "doing", "down", "during", "each", "either", "else", "every", "few", "for",
          "from", "further", "get", "got", "had", "has", "have", "having", "he",
          "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it",
          "its", "itself", "just", "let", "lets", "me", "might", "more", "most",
          "must", "my", "need", "needs", "no", "nor", "not", "now", "of", "off",
          "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over",
          "own", "please", "same", "shall", "she", "should", "so", "some", "such",
          "than", "that", "the", "their", "them", "then", "there", "these", "they",
          "this", "those", "through", "to", "too", "under", "until", "up", "us",
          "very", "vs", "versus", "want", "was", "we", "were", "what", "when",
          "where", "which", "while", "who", "whom", "why", "will", "with", "would",
          "you", "your", "yours", "s", "t", "d", "ll", "re", "ve", "m", "etc",
          "eg", "ie", "use", "using", "used", "way", "ways", "thing", "things",
          "without", "instead", "each", "many", "much", "best", "good", "new",
          "make", "like", "well", "whether", "being", "anyone", "everyone",
          "something", "anything", "everything", "okay", "ok", "hi", "hey", "thanks",
          // Counting words and everyday verbs and fillers: in a short text
          // they look rare, but they say nothing about a topic.
          "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "twelve", "twenty", "hundred", "hundreds", "thousand", "thousands",
          "million", "millions", "billion", "first", "second", "third", "once",
          "twice", "keep", "keeps", "kept", "keeping", "take", "takes", "took",
          "taking", "gets", "getting", "put", "puts", "go", "goes", "going", "went",
          "come", "comes", "give", "gives", "lot", "lots", "right", "really",
          "actually", "whole", "entire", "still", "even", "already", "yet", "ever",
          "never", "always", "often", "sometimes", "maybe", "perhaps", "quite",
          "kind", "sort", "stuff", "today", "tomorrow", "yesterday", "week",
          "month", "year", "years", "day", "days", "night", "tell", "say", "know",
          "think", "try", "look", "looks", "see", "seem", "seems"};
  return kWords->contains(w);
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool AllDigits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- Porter stemmer. `end` arguments bound the stem under test. ----

bool IsConsonant(const std::string& w, int i) {
  switch (w[i]) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
      return false;
    case 'y':
      return i == 0 ? true : !IsConsonant(w, i - 1);
    default:
      return true;
  }
}

// The number of vowel-consonant sequences in w[0, end).
int Measure(const std::string& w, int end) {
  int n = 0;
  int i = 0;
  while (i < end && IsConsonant(w, i)) ++i;
  while (i < end) {
    while (i < end && !IsConsonant(w, i)) ++i;
    if (i >= end) break;
    while (i < end && IsConsonant(w, i)) ++i;
    ++n;
  }
  return n;
}

bool HasVowel(const std::string& w, int end) {
  for (int i = 0; i < end; ++i) {
    if (!IsConsonant(w, i)) return true;
  }
  return false;
}

bool EndsDoubleConsonant(const std::string& w, int end) {
  return end >= 2 && w[end - 1] == w[end - 2] && IsConsonant(w, end - 1);
}

// consonant-vowel-consonant, the last not w, x or y ("hop", not "snow").
bool EndsCvc(const std::string& w, int end) {
  if (end < 3) return false;
  if (!IsConsonant(w, end - 3) || IsConsonant(w, end - 2) || !IsConsonant(w, end - 1)) {
    return false;
  }
  char c = w[end - 1];
  return c != 'w' && c != 'x' && c != 'y';
}

bool EndsWith(const std::string& w, std::string_view suffix) {
  return w.size() >= suffix.size() &&
         std::string_view(w).substr(w.size() - suffix.size()) == suffix;
}

int StemLength(const std::string& w, std::string_view suffix) {
  return static_cast<int>(w.size() - suffix.size());
}

void ReplaceSuffix(std::string& w, std::string_view suffix, std::string_view with) {
  w.resize(w.size() - suffix.size());
  w.append(with);
}

struct SuffixRule {
  std::string_view suffix;
  std::string_view replacement;
};

// Applies the first rule whose suffix matches, if the stem before it has a
// measure above `min_measure`. Porter's steps 2-4 stop at the first match
// even when its condition fails.
void ApplyFirst(std::string& w, const SuffixRule* rules, size_t n, int min_measure) {
  for (size_t i = 0; i < n; ++i) {
    if (!EndsWith(w, rules[i].suffix)) continue;
    if (Measure(w, StemLength(w, rules[i].suffix)) > min_measure) {
      ReplaceSuffix(w, rules[i].suffix, rules[i].replacement);
    }
    return;
  }
}

void Step1ab(std::string& w) {
  if (EndsWith(w, "sses")) {
    ReplaceSuffix(w, "sses", "ss");
  } else if (EndsWith(w, "ies")) {
    ReplaceSuffix(w, "ies", "i");
  } else if (!EndsWith(w, "ss") && EndsWith(w, "s")) {
    ReplaceSuffix(w, "s", "");
  }

  bool removed = false;
  if (EndsWith(w, "eed")) {
    if (Measure(w, StemLength(w, "eed")) > 0) ReplaceSuffix(w, "eed", "ee");
  } else if (EndsWith(w, "ed") && HasVowel(w, StemLength(w, "ed"))) {
    ReplaceSuffix(w, "ed", "");
    removed = true;
  } else if (EndsWith(w, "ing") && HasVowel(w, StemLength(w, "ing"))) {
    ReplaceSuffix(w, "ing", "");
    removed = true;
  }
  if (!removed) return;
  const int n = static_cast<int>(w.size());
  if (EndsWith(w, "at") || EndsWith(w, "bl") || EndsWith(w, "iz")) {
    w.push_back('e');
  } else if (EndsDoubleConsonant(w, n) && w.back() != 'l' && w.back() != 's' &&
             w.back() != 'z') {
    w.pop_back();
  } else if (Measure(w, n) == 1 && EndsCvc(w, n)) {
    w.push_back('e');
  }
}

void Step1c(std::string& w) {
  if (EndsWith(w, "y") && HasVowel(w, StemLength(w, "y"))) w.back() = 'i';
}

void Step2(std::string& w) {
  static constexpr SuffixRule kRules[] = {
      {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},  {"anci", "ance"},
      {"izer", "ize"},    {"bli", "ble"},     {"alli", "al"},    {"entli", "ent"},
      {"eli", "e"},       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
      {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"}, {"fulness", "ful"},
      {"ousness", "ous"}, {"aliti", "al"},    {"iviti", "ive"},  {"biliti", "ble"},
      {"logi", "log"}};
  ApplyFirst(w, kRules, std::size(kRules), 0);
}

void Step3(std::string& w) {
  static constexpr SuffixRule kRules[] = {
      {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
      {"ical", "ic"},  {"ful", ""},   {"ness", ""}};
  ApplyFirst(w, kRules, std::size(kRules), 0);
}

void Step4(std::string& w) {
  // Longest first where one suffix ends another ("ement" before "ment").
  static constexpr SuffixRule kRules[] = {
      {"al", ""},  {"ance", ""}, {"ence", ""}, {"er", ""},   {"ic", ""},
      {"able", ""}, {"ible", ""}, {"ant", ""},  {"ement", ""}, {"ment", ""},
      {"ent", ""}, {"ou", ""},   {"ism", ""},  {"ate", ""},  {"iti", ""},
      {"ous", ""}, {"ive", ""},  {"ize", ""}};
  if (EndsWith(w, "ion")) {
    int stem = StemLength(w, "ion");
    if (stem > 0 && (w[stem - 1] == 's' || w[stem - 1] == 't') && Measure(w, stem) > 1) {
      ReplaceSuffix(w, "ion", "");
    }
    return;
  }
  // Porter's table is ordered by the penultimate letter; with whole-suffix
  // matching the only overlaps are ement/ment/ent, so test those first.
  for (std::string_view s : {std::string_view("ement"), std::string_view("ment"),
                             std::string_view("ent")}) {
    if (EndsWith(w, s)) {
      if (Measure(w, StemLength(w, s)) > 1) ReplaceSuffix(w, s, "");
      return;
    }
  }
  ApplyFirst(w, kRules, std::size(kRules), 1);
}

void Step5(std::string& w) {
  if (EndsWith(w, "e")) {
    int stem = StemLength(w, "e");
    int m = Measure(w, stem);
    if (m > 1 || (m == 1 && !EndsCvc(w, stem))) w.pop_back();
  }
  const int n = static_cast<int>(w.size());
  if (Measure(w, n) > 1 && EndsDoubleConsonant(w, n) && w.back() == 'l') w.pop_back();
}

// A word that joins two parts of a request ("… and …", "… also …"): a
// clause boundary, like the punctuation that ends a clause.
bool IsClauseWord(std::string_view w) { return w == "and" || w == "also" || w == "but"; }

// Punctuation that ends a clause or a list item when followed by a space or
// the end of the text ("v1.2" and "10,000" stay whole).
bool EndsClause(std::string_view text, size_t i) {
  const char c = text[i];
  if (c != '.' && c != ',' && c != ';' && c != ':' && c != '?' && c != '!') return false;
  return i + 1 >= text.size() || !IsAlnum(text[i + 1]);
}

struct Word {
  std::string text;
  uint32_t clause;
};

// Appends the words of `text` (lowercased, split) to `words`, and compounds
// written with '-' or '/' joined into one word to `compounds`. Each word
// carries the index of its clause: clauses end at punctuation and at
// joining words (IsClauseWord).
void SplitWords(std::string_view text, std::vector<Word>* words, std::vector<Word>* compounds) {
  std::string compound;
  int compound_parts = 0;
  uint32_t clause = 0;
  auto end_compound = [&] {
    if (compound_parts > 1) compounds->push_back(Word{compound, clause});
    compound.clear();
    compound_parts = 0;
  };
  for (size_t i = 0;; ++i) {
    // A word: the run of letters and digits from i, lowercased.
    const size_t start = i;
    while (i < text.size() && IsAlnum(text[i])) ++i;
    if (i > start) {
      std::string word(text.substr(start, i - start));
      for (char& c : word) c = Lower(c);
      if (IsClauseWord(word) && !words->empty() && words->back().clause == clause) ++clause;
      compound += word;
      ++compound_parts;
      words->push_back(Word{std::move(word), clause});
    }
    if (i >= text.size()) break;
    // The character after it.
    const char c = text[i];
    const bool joins = (c == '-' || c == '/') && i + 1 < text.size() && IsAlnum(text[i + 1]);
    if (!joins) end_compound();
    if (EndsClause(text, i) && !words->empty() && words->back().clause == clause) ++clause;
  }
  end_compound();
}

// Background counts by stem, parsed from the compiled-in table once.
const absl::flat_hash_map<std::string, double>& BackgroundCounts() {
  static const absl::flat_hash_map<std::string, double>* const kCounts = [] {
    auto* counts = new absl::flat_hash_map<std::string, double>();
    std::string_view table(kBackgroundWordCounts, sizeof(kBackgroundWordCounts) - 1);
    while (!table.empty()) {
      const size_t eol = table.find('\n');
      std::string_view line = table.substr(0, eol);
      table = eol == std::string_view::npos ? std::string_view() : table.substr(eol + 1);
      const size_t space = line.find(' ');
      if (space == std::string_view::npos) continue;
      double count = 0;
      for (char c : line.substr(space + 1)) count = count * 10 + (c - '0');
      (*counts)[Stem(line.substr(0, space))] += count;
    }
    return counts;
  }();
  return *kCounts;
}

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> SplitSentences(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  // "e.g." and its kind end a word, not a sentence.
  auto ends_abbreviation = [&](size_t dot) {
    size_t start = dot;
    while (start > 0 && !is_space(text[start - 1])) --start;
    std::string word(text.substr(start, dot - start));
    for (char& c : word) c = Lower(c);
    return word == "e.g" || word == "i.e" || word == "vs" || word == "etc" || word == "cf";
  };
  std::vector<std::pair<uint32_t, uint32_t>> sentences;
  size_t begin = 0;
  auto close = [&](size_t end) {
    while (begin < end && is_space(text[begin])) ++begin;
    size_t last = end;
    while (last > begin && is_space(text[last - 1])) --last;
    if (last > begin) sentences.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(last));
    begin = end;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool at_break = i + 1 >= text.size() || is_space(text[i + 1]);
    if ((c == '.' || c == '?' || c == '!') && at_break && !(c == '.' && ends_abbreviation(i))) {
      close(i + 1);
    }
  }
  close(text.size());
  return sentences;
}

double BackgroundFrequency(std::string_view key) {
  const size_t space = key.find(' ');
  if (space != std::string_view::npos) {
    return std::min(BackgroundFrequency(key.substr(0, space)),
                    BackgroundFrequency(key.substr(space + 1)));
  }
  const auto& counts = BackgroundCounts();
  auto it = counts.find(absl::string_view(key.data(), key.size()));
  const double count = it == counts.end() ? kBackgroundMinCount / 2 : it->second;
  return count / kBackgroundTotalWords;
}

namespace {

std::string PorterStem(std::string_view word) {
  std::string w(word);
  if (w.size() <= 2) return w;
  Step1ab(w);
  Step1c(w);
  Step2(w);
  Step3(w);
  Step4(w);
  Step5(w);
  return w;
}

// Requests repeat the same words (most of any text is a few thousand common
// ones), and the suffix rules were a seventh of a Route's time: each thread
// remembers the stems it made, up to a bound that keeps it small.
constexpr size_t kStemMemoEntries = 1024;

}  // namespace

std::string Stem(std::string_view word) {
  thread_local absl::flat_hash_map<std::string, std::string> memo;
  const absl::string_view key(word.data(), word.size());
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  std::string stem = PorterStem(word);
  if (memo.size() >= kStemMemoEntries) memo.clear();
  memo.emplace(std::string(word), stem);
  return stem;
}

// Scratch vectors kept per thread let go of what a huge text made them
// grow to, so that one such request does not pin memory in every thread.
template <typename T>
void ReleaseIfHuge(std::vector<T>* scratch) {
  constexpr size_t kKept = 4096;
  if (scratch->capacity() > kKept) std::vector<T>().swap(*scratch);
}

void Tokenize(std::string_view text, std::vector<Term>* out) {
  // Kept per thread: every Route tokenizes its request, and growing these
  // afresh each time was a good part of its allocations.
  thread_local std::vector<Word> words;
  thread_local std::vector<Word> compounds;
  words.clear();
  compounds.clear();
  SplitWords(text, &words, &compounds);
  bool has_previous = false;  // the last kept word is out->at(previous_index)
  size_t previous_index = 0;
  for (Word& w : words) {
    if (IsStopWord(w.text) || AllDigits(w.text) || w.text.size() < 2) {
      // A function word breaks a phrase: "read or write" is not "read write".
      has_previous = false;
      continue;
    }
    // So does the end of a clause: "queues, caching" is not "queue cach".
    if (has_previous && (*out)[previous_index].clause != w.clause) has_previous = false;
    out->push_back(Term{Stem(w.text), std::move(w.text), w.clause});
    if (has_previous) {
      const Term& prev = (*out)[previous_index];
      const Term& cur = out->back();
      out->push_back(Term{prev.key + " " + cur.key, prev.surface + " " + cur.surface, cur.clause});
      previous_index = out->size() - 2;
    } else {
      previous_index = out->size() - 1;
    }
    has_previous = true;
  }
  for (Word& c : compounds) {
    if (AllDigits(c.text)) continue;
    out->push_back(Term{Stem(c.text), std::move(c.text), c.clause});
  }
  ReleaseIfHuge(&words);
  ReleaseIfHuge(&compounds);
}

uint32_t TextIndex::Add(std::string_view text) {
  const uint32_t doc = static_cast<uint32_t>(doc_lengths_.size());
  std::vector<Term> terms;
  Tokenize(text, &terms);
  uint32_t words = 0;
  for (const Term& t : terms) {
    if (t.key.find(' ') == std::string::npos) ++words;
    auto [it, inserted] = term_ids_.try_emplace(t.key, static_cast<uint32_t>(postings_.size()));
    if (inserted) postings_.emplace_back();
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
    background_[t] = BackgroundFrequency(keys[t]);
    if (keys[t].find(' ') != std::string_view::npos) continue;
    double uses = 0;
    for (const Posting& p : postings_[t]) uses += p.weight;
    const double share = total > 0 ? uses / total : 0.0;
    specificity_[t] = static_cast<float>(std::log(share / background_[t]));
  }
  for (uint32_t t = 0; t < postings_.size(); ++t) {
    const size_t space = keys[t].find(' ');
    if (space == std::string_view::npos) continue;
    float best = 0.0f;
    for (std::string_view part : {keys[t].substr(0, space), keys[t].substr(space + 1)}) {
      auto it = term_ids_.find(absl::string_view(part.data(), part.size()));
      if (it != term_ids_.end()) best = std::max(best, specificity_[it->second]);
    }
    specificity_[t] = best;
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
  thread_local std::vector<Term> terms;  // kept per thread, as in Tokenize
  terms.clear();
  Tokenize(text, &terms);
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
  ReleaseIfHuge(&terms);
  return words.size();
}

}  // namespace agentd::text
