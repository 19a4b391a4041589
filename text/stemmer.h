// English stems (Snowball's Porter2 stemmer, from Debian's libstemmer), so
// "caching", "cached" and "caches" meet at "cach" and "ordering" at "order".
#ifndef AGENTD_TEXT_STEMMER_H_
#define AGENTD_TEXT_STEMMER_H_

#include <memory>
#include <string>
#include <string_view>

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

// Stemmer::Stem with a stemmer per thread, created on first use, and a
// bounded memo of the stems it made (the router stems every request's words).
// Thread-safe.
// Code in a plugin that may be unloaded should use its own Stemmer instead
// (a thread_local keeps its module loaded until the thread ends).
std::string Stem(std::string_view word);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_STEMMER_H_
