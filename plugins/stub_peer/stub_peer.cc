// stub_peer: one generic plugin that serves any agent from its definition
// file alone. It is a stub by design and says so: it makes no decisions, it
// lists the competencies of its definition that the request touches as a
// checklist in its own section, and the questions it would ask. Any public
// sub-agent file dropped into agents/ is hosted through this plugin.
#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "plugin_sdk.h"
#include "text/stemmer.h"
#include "text/tokenizer.h"

namespace agentd::stub_peer {
namespace {

// Words too common to say a competency is touched. A plain static, not a
// leaked heap object: a plugin can be unloaded, and its statics go with it.
const std::set<std::string_view>& CommonWords() {
  static const std::set<std::string_view> words{
      "the", "and", "for", "with", "our", "your", "their", "this", "that", "what", "which", "how",
      "should", "would", "could", "from", "into", "about", "when", "where", "using", "use", "need",
      "want", "have", "are", "was", "were", "will", "can", "all", "any", "some", "more", "most",
      "design", "designing", "plan", "new", "best", "good", "make", "based", "each", "other"};
  return words;
}

// Passes each of the text's words (three letters or more, not a common one)
// to `visit`, stemmed by the text layer so "caching" meets "cache".
template <typename Visit>
void ForEachTerm(std::string_view text, agentd::text::StemMemo& stems, Visit visit) {
  const agentd::text::TokenizedText tokens(text);
  for (const agentd::text::Token& t : tokens.tokens()) {
    if (t.kind != agentd::text::TokenKind::kWord || t.text.size() < 3) continue;
    if (CommonWords().count(t.text)) continue;
    visit(stems.Stem(t.text));
  }
}

// Stemmers with their memos, kept between calls: one per call in flight.
// Not a thread_local (this plugin can be unloaded, and a thread_local would
// keep it loaded until the thread ends), and not one per call (creating a
// Snowball stemmer and stemming every word again cost more than the rest of
// a call).
class StemmerPool {
 public:
  std::unique_ptr<agentd::text::StemMemo> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return std::make_unique<agentd::text::StemMemo>();
    std::unique_ptr<agentd::text::StemMemo> stems = std::move(idle_.back());
    idle_.pop_back();
    return stems;
  }
  void Return(std::unique_ptr<agentd::text::StemMemo> stems) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(stems));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<agentd::text::StemMemo>> idle_;
};

// The terms of the last few request texts, shared by every agent this
// plugin serves: a five-agent review sends one text to four stub peers, and
// each tokenizing and stemming it again was most of a call. A plain static
// (see CommonWords); a text is compared in full, so two texts never share
// an entry. Thread-safe.
class RecentTerms {
 public:
  using Terms = std::vector<std::string>;  // distinct stems, in no set order

  std::shared_ptr<const Terms> Of(std::string_view text) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Entry& e : entries_) {
        if (e.terms != nullptr && e.text == text) return e.terms;
      }
    }
    absl::flat_hash_set<std::string> distinct;
    std::unique_ptr<agentd::text::StemMemo> stems = stem_pool_.Take();
    ForEachTerm(text, *stems, [&](const std::string& term) { distinct.insert(term); });
    stem_pool_.Return(std::move(stems));
    auto terms = std::make_shared<Terms>(distinct.begin(), distinct.end());
    if (text.size() <= kLongestKept) {
      std::lock_guard<std::mutex> lock(mu_);
      Entry& e = entries_[next_++ % entries_.size()];
      e.text.assign(text);
      e.terms = terms;
    }
    return terms;
  }

 private:
  // Longer texts are analysed per call and not kept: the cache stays small.
  static constexpr size_t kLongestKept = 4096;
  struct Entry {
    std::string text;
    std::shared_ptr<const Terms> terms;
  };
  std::mutex mu_;
  std::array<Entry, 8> entries_;
  size_t next_ = 0;
  StemmerPool stem_pool_;
};

RecentTerms& SharedRecentTerms() {
  static RecentTerms recent;
  return recent;
}

struct Competency {
  std::string label;  // "API Style"
  std::string text;   // the whole item
};

class StubPeer {
 public:
  static constexpr const char* kPluginName = "stub_peer";
  static constexpr uint32_t kFlags = AGENTD_PLUGIN_THREAD_SAFE;

  static absl::StatusOr<std::unique_ptr<StubPeer>> Create(const v1::AgentConfig& config) {
    const v1::AgentDefinition& def = config.definition();
    if (def.name().empty()) return absl::InvalidArgumentError("stub_peer: the definition has no name");
    auto peer = std::unique_ptr<StubPeer>(new StubPeer());
    peer->name_ = def.name();
    peer->section_id_ = def.sections().empty() ? absl::StrCat(def.name(), "_notes") : def.sections(0);
    std::vector<std::string> sources(def.competencies().begin(), def.competencies().end());
    if (sources.empty()) sources.assign(def.use_when().begin(), def.use_when().end());
    agentd::text::StemMemo stems;
    for (const std::string& item : sources) {
      const uint32_t index = static_cast<uint32_t>(peer->competencies_.size());
      Competency c;
      c.text = item;
      std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits(':', 1));
      c.label = parts.size() == 2 ? std::string(absl::StripAsciiWhitespace(parts[0])) : item;
      ForEachTerm(item, stems, [&](const std::string& term) {
        std::vector<uint32_t>& of_term = peer->competencies_of_term_[term];
        if (of_term.empty() || of_term.back() != index) of_term.push_back(index);
      });
      peer->competencies_.push_back(std::move(c));
    }
    return peer;
  }

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request,
                                           const sdk::CancelToken& cancel) const {
    if (cancel.cancelled()) return absl::CancelledError("cancelled before it started");
    const std::vector<const Competency*> touched = Touched(request.text());
    v1::AgentResponse response;
    response.set_agent(name_);
    response.set_stub(true);
    v1::Section* section = response.add_sections();
    section->set_id(section_id_);
    section->set_owner(name_);

    v1::Item* note = section->add_items();
    note->set_agent(name_);
    note->set_text(absl::StrCat(name_,
                                " is a stub peer: this checklist comes from its definition file "
                                "alone, with no analysis of your system behind it."));
    if (touched.empty()) {
      v1::Item* item = section->add_items();
      item->set_agent(name_);
      item->set_text("No competency of this agent's definition matches the request's wording; "
                     "it was routed here by its scope rules.");
    }
    for (const Competency* c : touched) {
      v1::Item* item = section->add_items();
      item->set_agent(name_);
      item->set_text(absl::StrCat("[ ] ", c->text));
      v1::Item* question = response.add_questions();
      question->set_agent(name_);
      question->set_text(absl::StrCat("(", name_, ") ", c->label,
                                      ": what constraints and current state should this take into account?"));
    }
    response.set_summary(absl::StrCat(name_, " (stub): ", touched.size(), " of ",
                                      competencies_.size(), " competencies touched"));
    return response;
  }

 private:
  // The competencies that share a term with `text`, in definition order.
  std::vector<const Competency*> Touched(std::string_view text) const {
    std::vector<char> touches(competencies_.size(), 0);
    const std::shared_ptr<const RecentTerms::Terms> terms = SharedRecentTerms().Of(text);
    for (const std::string& term : *terms) {
      auto it = competencies_of_term_.find(term);
      if (it == competencies_of_term_.end()) continue;
      for (uint32_t index : it->second) touches[index] = 1;
    }
    std::vector<const Competency*> touched;
    for (size_t i = 0; i < competencies_.size(); ++i) {
      if (touches[i]) touched.push_back(&competencies_[i]);
    }
    return touched;
  }

  std::string name_;
  std::string section_id_;
  std::vector<Competency> competencies_;
  // Each stemmed term of the competencies → the competencies that have it.
  absl::flat_hash_map<std::string, std::vector<uint32_t>> competencies_of_term_;
};

}  // namespace
}  // namespace agentd::stub_peer

AGENTD_PLUGIN(agentd::stub_peer::StubPeer)
