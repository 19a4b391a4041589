#include "server/core/router_terms.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "text/stemmer.h"
#include "text/tokenizer.h"

namespace agentd::routing {
namespace {

using text::Token;
using text::TokenKind;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
// Numbers ("10,000", "2.5") say nothing about scope; "5xx" and "10k" are words.
bool HasLetter(std::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return !(c >= '0' && c <= '9') && c != ',' && c != '.'; });
}

// A word that joins two parts of a request ("… and …", "… also …"): a
// clause boundary, like the punctuation that ends a clause.
bool IsClauseWord(std::string_view w) { return w == "and" || w == "also" || w == "but"; }

// The text layer's sentence ends (". ! ? ;" and a line break) and "," or ":"
// end a clause or a list item when followed by a space or the end of the
// text ("node.js" and "v1.2" stay whole).
bool EndsClause(const Token& t, std::string_view text) {
  if (t.kind == TokenKind::kPunct) {
    if (t.text != "," && t.text != ":") return false;
  } else if (t.kind != TokenKind::kBoundary) {
    return false;
  }
  return t.text == "\n" || t.end >= text.size() || !IsAlnum(text[t.end]);
}

// "user's" is "user"; "don't" is "don". Both apostrophes count.
std::string_view WithoutClitic(std::string_view word, bool* had_clitic) {
  size_t at = word.find('\'');
  const size_t curly = word.find("\xE2\x80\x99");  // ’
  at = std::min(at, curly);
  *had_clitic = at != std::string_view::npos;
  return *had_clitic ? word.substr(0, at) : word;
}

struct Word {
  std::string text;
  uint32_t clause;
};

// Splits `text` into the words the router reads, with their clauses, and
// the compounds written with '-' or '/' joined into one word.
class WordSplitter {
 public:
  WordSplitter(std::string_view text, std::vector<Word>* words, std::vector<Word>* compounds)
      : text_(text), words_(words), compounds_(compounds) {}

  void Run() {
    const text::TokenizedText tokenized(text_);
    const std::vector<Token>& tokens = tokenized.tokens();
    for (size_t i = 0; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      if (t.kind != TokenKind::kWord && t.kind != TokenKind::kNumber) {
        if (EndsClause(t, text_)) EndClause();
        continue;
      }
      // Digits written onto a word ("5xx", "50ms") are one word, as written.
      uint32_t end = t.end;
      if (t.kind == TokenKind::kNumber && i + 1 < tokens.size() &&
          tokens[i + 1].kind == TokenKind::kWord && tokens[i + 1].begin == t.end) {
        end = tokens[++i].end;
      }
      AddWord(std::string_view(t.text.data(), end - t.begin), t.begin, end);
    }
    EndCompound();
  }

 private:
  void AddWord(std::string_view word, uint32_t begin, uint32_t end) {
    bool had_clitic = false;
    word = WithoutClitic(word, &had_clitic);
    // A compound goes on while words are joined by one '-' or '/'.
    const bool joined = compound_parts_ > 0 && compound_end_ + 1 == begin &&
                        (text_[compound_end_] == '-' || text_[compound_end_] == '/');
    if (!joined) EndCompound();
    if (IsClauseWord(word)) EndClause();
    compound_.append(word);
    ++compound_parts_;
    compound_end_ = end;
    words_->push_back(Word{std::string(word), clause_});
    clause_has_words_ = true;
    // "don't cache" is not the phrase "don cach": the clitic stands between.
    if (had_clitic) words_->push_back(Word{std::string(), clause_});
  }

  void EndClause() {
    if (clause_has_words_) ++clause_;
    clause_has_words_ = false;
  }

  void EndCompound() {
    if (compound_parts_ > 1) compounds_->push_back(Word{compound_, clause_});
    compound_.clear();
    compound_parts_ = 0;
  }

  std::string_view text_;
  std::vector<Word>* words_;
  std::vector<Word>* compounds_;
  uint32_t clause_ = 0;
  bool clause_has_words_ = false;
  std::string compound_;
  int compound_parts_ = 0;
  uint32_t compound_end_ = 0;  // where the compound's last word ends
};

// Scratch vectors kept per thread let go of what a huge text made them
// grow to, so that one such request does not pin memory in every thread.
template <typename T>
void ReleaseIfHuge(std::vector<T>* scratch) {
  constexpr size_t kKept = 4096;
  if (scratch->capacity() > kKept) std::vector<T>().swap(*scratch);
}

}  // namespace

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

void ExtractTerms(std::string_view text, std::vector<Term>* out) {
  // Kept per thread: every Route reads its request, and growing these
  // afresh each time was a good part of its allocations.
  thread_local std::vector<Word> words;
  thread_local std::vector<Word> compounds;
  words.clear();
  compounds.clear();
  WordSplitter(text, &words, &compounds).Run();
  bool has_previous = false;  // the last kept word is out->at(previous_index)
  size_t previous_index = 0;
  for (Word& w : words) {
    if (w.text.size() < 2 || IsStopWord(w.text) || !HasLetter(w.text)) {
      // A function word breaks a phrase: "read or write" is not "read write".
      has_previous = false;
      continue;
    }
    // So does the end of a clause: "queues, caching" is not "queue cach".
    if (has_previous && (*out)[previous_index].clause != w.clause) has_previous = false;
    out->push_back(Term{text::Stem(w.text), std::move(w.text), w.clause});
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
    if (!HasLetter(c.text)) continue;
    out->push_back(Term{text::Stem(c.text), std::move(c.text), c.clause});
  }
  ReleaseIfHuge(&words);
  ReleaseIfHuge(&compounds);
}

}  // namespace agentd::routing
