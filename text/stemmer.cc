#include "text/stemmer.h"

#include <libstemmer.h>

#include "absl/container/flat_hash_map.h"

namespace agentd::text {
namespace {

bool PlainWord(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word) {
    if (!(c >= 'a' && c <= 'z')) return false;
  }
  return true;
}

}  // namespace

Stemmer::Stemmer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {}

Stemmer::~Stemmer() {
  if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

std::string Stemmer::Stem(std::string_view word) {
  if (stemmer_ == nullptr || !PlainWord(word)) return std::string(word);
  const sb_symbol* stem = sb_stemmer_stem(
      stemmer_, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (stem == nullptr) return std::string(word);  // out of memory: the word itself
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<size_t>(sb_stemmer_length(stemmer_)));
}

constexpr size_t kStemMemoEntries = 4096;

const std::string& StemMemo::Stem(std::string_view word) {
  const absl::string_view key(word.data(), word.size());
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  std::string stem = stemmer_.Stem(word);
  if (memo_.size() >= kStemMemoEntries) memo_.clear();
  return memo_.emplace(std::string(word), std::move(stem)).first->second;
}

std::string Stem(std::string_view word) {
  thread_local StemMemo memo;
  return memo.Stem(word);
}

}  // namespace agentd::text
