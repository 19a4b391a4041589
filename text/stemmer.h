// English stems (Snowball's Porter2 stemmer, from Debian's libstemmer), so
// "caching", "cached" and "caches" meet at "cach" and "ordering" at "order".
#ifndef AGENTD_TEXT_STEMMER_H_
#define AGENTD_TEXT_STEMMER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

struct sb_stemmer;

namespace agentd::text {

// One stemmer. Not thread-safe (Snowball keeps its working buffer inside):
// use one per thread, or one per call. Owns its Snowball state.
class Stemmer {
 public:
  Stemmer();
  ~Stemmer();
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  // The stem of one lowercase word. Words that are not plain ASCII letters
  // come back unchanged.
  std::string Stem(std::string_view word);

 private:
  sb_stemmer* stemmer_;
};

// A Stemmer that remembers the stems it made, up to a bound that keeps it
// small: texts repeat the same few thousand words, and a lookup costs a
// fraction of Snowball's suffix rules. Not thread-safe, like Stemmer: one per
// thread, or one per call taken from a pool (stub_peer does that).
class StemMemo {
 public:
  StemMemo() = default;
  StemMemo(const StemMemo&) = delete;
  StemMemo& operator=(const StemMemo&) = delete;

  // Stemmer::Stem(word). The reference is valid until the next call.
  const std::string& Stem(std::string_view word);

 private:
  Stemmer stemmer_;
  absl::flat_hash_map<std::string, std::string> memo_;
};

// Stem with a StemMemo per thread, created on first use (the router stems
// every request's words). Thread-safe.
// Code in a plugin that may be unloaded should use its own Stemmer instead
// (a thread_local keeps its module loaded until the thread ends).
std::string Stem(std::string_view word);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_STEMMER_H_
