#include "server/facts/fact_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "server/facts/fact_rules.h"
#include "server/facts/text_matcher.h"

namespace agentd {
namespace {

using facts_internal::FieldRules;
using facts_internal::NegatedAround;
using facts_internal::Pattern;
using facts_internal::PatternMatch;
using facts_internal::Pick;
using facts_internal::ReadNumber;
using facts_internal::Rule;
using facts_internal::TokenizedText;
using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

// Requirements' fields in field-number order (declaration order may differ).
const std::vector<const FieldDescriptor*>& FieldsByNumber() {
  static const auto* fields = [] {
    auto* out = new std::vector<const FieldDescriptor*>();
    const Descriptor* d = v1::Requirements::descriptor();
    for (int i = 0; i < d->field_count(); ++i) out->push_back(d->field(i));
    std::sort(out->begin(), out->end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
    return out;
  }();
  return *fields;
}

bool IsSet(const v1::Requirements& r, const FieldDescriptor* field) {
  const Reflection* refl = r.GetReflection();
  // HasField is presence for `optional` fields and "not the default" for the
  // rest, so an enum counts as set when non-zero.
  return field->is_repeated() ? refl->FieldSize(r, field) > 0
                              : refl->HasField(r, field);
}

// Fractions and SLOs need more digits than rates: 99.999, 0.995.
int DecimalsFor(const FieldDescriptor* field) {
  return field->name() == "availability_slo" || field->name() == "read_ratio"
             ? 4
             : 2;
}

std::string FormatDecimal(double value, int decimals) {
  std::string s = absl::StrFormat("%.*f", decimals, value);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// "CLOUD_PROVIDER_ON_PREM" -> "on_prem": the value name without the prefix
// its enum's zero value ("CLOUD_PROVIDER_UNSPECIFIED") shares.
std::string EnumShortName(const EnumValueDescriptor* value) {
  std::string name = value->name();
  const EnumValueDescriptor* zero = value->type()->FindValueByNumber(0);
  if (zero != nullptr && absl::EndsWith(zero->name(), "UNSPECIFIED")) {
    const std::string prefix =
        zero->name().substr(0, zero->name().size() - 11);
    if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  }
  return absl::AsciiStrToLower(name);
}

std::string FormatOne(const v1::Requirements& r, const FieldDescriptor* field,
                      int index) {
  const Reflection* refl = r.GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? refl->GetRepeatedInt32(r, field, index)
                              : refl->GetInt32(r, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? refl->GetRepeatedInt64(r, field, index)
                              : refl->GetInt64(r, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? refl->GetRepeatedUInt32(r, field, index)
                              : refl->GetUInt32(r, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? refl->GetRepeatedUInt64(r, field, index)
                              : refl->GetUInt64(r, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDecimal(rep ? refl->GetRepeatedDouble(r, field, index)
                               : refl->GetDouble(r, field),
                           DecimalsFor(field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatDecimal(rep ? refl->GetRepeatedFloat(r, field, index)
                               : refl->GetFloat(r, field),
                           DecimalsFor(field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? refl->GetRepeatedBool(r, field, index)
                  : refl->GetBool(r, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumShortName(rep ? refl->GetRepeatedEnum(r, field, index)
                               : refl->GetEnum(r, field));
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? refl->GetRepeatedString(r, field, index)
                 : refl->GetString(r, field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return (rep ? refl->GetRepeatedMessage(r, field, index)
                  : refl->GetMessage(r, field))
          .ShortDebugString();
  }
  return "";
}

std::string FormatField(const v1::Requirements& r,
                        const FieldDescriptor* field) {
  if (!field->is_repeated()) return FormatOne(r, field, 0);
  std::vector<std::string> parts;
  const int n = r.GetReflection()->FieldSize(r, field);
  for (int i = 0; i < n; ++i) parts.push_back(FormatOne(r, field, i));
  return absl::StrJoin(parts, ",");
}

bool IsIntegerField(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// Stores a rule's numeric value in `field`; false when it does not fit (an
// enum number the enum lacks, a field type rules cannot produce).
bool SetFromNumber(v1::Requirements* r, const FieldDescriptor* field,
                   double value) {
  const Reflection* refl = r->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      refl->SetInt32(r, field, static_cast<int32_t>(std::llround(value)));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      refl->SetInt64(r, field, std::llround(value));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      refl->SetUInt32(r, field, static_cast<uint32_t>(std::llround(value)));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      refl->SetUInt64(r, field, static_cast<uint64_t>(std::llround(value)));
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      refl->SetDouble(r, field, value);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      refl->SetFloat(r, field, static_cast<float>(value));
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      refl->SetBool(r, field, value != 0);
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = static_cast<int>(value);
      if (number == 0 || number != value ||
          field->enum_type()->FindValueByNumber(number) == nullptr) {
        return false;
      }
      refl->SetEnumValue(r, field, number);
      return true;
    }
    default:
      return false;
  }
}

// The rule tables compiled once, indexed by what the first token of a match
// can be (Pattern::Starts), so a paragraph is tried only against the rules
// that can start at each token, not against every rule at every token.
struct CompiledRule {
  Pattern pattern;
  const Rule* rule;
  const FieldRules* table;
  const FieldDescriptor* field;
};

struct RuleIndex {
  // In the order rules are tried at one token: those starting with a
  // literal word, then with a number, then the rest, each in table order.
  // Which of two rules matching at the same token is tried first decides
  // which quote a Pick::kAll value keeps, so ids are that order.
  std::vector<CompiledRule> rules;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_word;
  std::vector<std::pair<std::string, uint32_t>> by_prefix;
  std::vector<uint32_t> by_number;    // a number may start a match
  std::vector<uint32_t> by_any_word;  // '_' may start a match
  std::vector<uint32_t> anywhere;     // a gap may start a match
};

// 0: the first element is a literal word; 1: a number; 2: anything else.
int TryRank(const Pattern& p) {
  if (!p.first_words().empty()) return 0;
  return p.starts_with_number() ? 1 : 2;
}

const RuleIndex& Index() {
  static const RuleIndex* index = [] {
    auto* out = new RuleIndex();
    const Descriptor* d = v1::Requirements::descriptor();
    for (const FieldRules& table : facts_internal::AllFieldRules()) {
      const FieldDescriptor* field = d->FindFieldByName(std::string(table.field));
      if (field == nullptr) continue;  // reported by ValidateFieldRules
      for (const Rule& rule : table.rules) {
        absl::StatusOr<Pattern> pattern = Pattern::Compile(rule.pattern);
        if (!pattern.ok()) continue;  // reported by ValidateFieldRules
        out->rules.push_back({*std::move(pattern), &rule, &table, field});
      }
    }
    std::stable_sort(out->rules.begin(), out->rules.end(), [](const CompiledRule& a, const CompiledRule& b) {
      return TryRank(a.pattern) < TryRank(b.pattern);
    });
    for (uint32_t id = 0; id < out->rules.size(); ++id) {
      const Pattern::Starts& starts = out->rules[id].pattern.starts();
      for (const std::string& w : starts.words) {
        std::vector<uint32_t>& ids = out->by_word[w];
        if (ids.empty() || ids.back() != id) ids.push_back(id);
      }
      for (const std::string& p : starts.prefixes) out->by_prefix.emplace_back(p, id);
      if (starts.number) out->by_number.push_back(id);
      if (starts.any_word) out->by_any_word.push_back(id);
      if (starts.any_token) out->anywhere.push_back(id);
    }
    return out;
  }();
  return *index;
}

// The rules that can start a match at tokens[i], ascending (the order to try
// them in), each once.
void RulesStartingAt(const RuleIndex& index, const std::vector<facts_internal::Token>& tokens, size_t i,
                     std::vector<uint32_t>* out) {
  out->clear();
  const facts_internal::Token& token = tokens[i];
  const absl::string_view text(token.text.data(), token.text.size());
  if (auto it = index.by_word.find(text); it != index.by_word.end()) {
    out->insert(out->end(), it->second.begin(), it->second.end());
  }
  if (token.kind == facts_internal::TokenKind::kWord) {
    for (const auto& [prefix, id] : index.by_prefix) {
      if (absl::StartsWith(text, prefix)) out->push_back(id);
    }
    out->insert(out->end(), index.by_any_word.begin(), index.by_any_word.end());
  }
  double unused_value = 0;
  size_t unused_next = 0;
  if (ReadNumber(tokens, i, &unused_value, &unused_next)) {
    out->insert(out->end(), index.by_number.begin(), index.by_number.end());
  }
  out->insert(out->end(), index.anywhere.begin(), index.anywhere.end());
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

struct Candidate {
  bool present = false;
  double value = 0;
  int tier = 0;
  uint32_t begin = 0;  // byte span of the quote
  uint32_t end = 0;
};

// Every value a Pick::kAll field was read with, each with its first quote,
// in the order of the enum's numbers.
using CandidateList = std::map<double, Candidate>;

bool Better(Pick pick, const Candidate& c, const Candidate& best) {
  if (!best.present) return true;
  if (pick == Pick::kLargest) {
    if (c.value != best.value) return c.value > best.value;
  } else if (c.tier != best.tier) {
    return c.tier < best.tier;
  }
  if (c.begin != best.begin) return c.begin < best.begin;
  return c.end > best.end;  // the fuller quote of the same phrase
}

v1::Fact MakeFact(const v1::Requirements& r, const FieldDescriptor* field,
                  v1::Fact::Source source) {
  v1::Fact fact;
  fact.set_field(field->name());
  fact.set_value(FormatField(r, field));
  fact.set_source(source);
  return fact;
}

// A repeated enum field read from text: its values in enum order; the
// quotes joined with "; " and the span of the earliest one.
void AddListFact(std::string_view text, const FieldDescriptor* field,
                 const CandidateList& values, FactSet* out) {
  if (values.empty()) return;
  const Reflection* refl = out->requirements.GetReflection();
  std::vector<std::string> quotes;
  uint32_t begin = UINT32_MAX;
  uint32_t end = 0;
  for (const auto& [value, c] : values) {
    const int number = static_cast<int>(value);
    if (number == 0 || field->enum_type()->FindValueByNumber(number) == nullptr) {
      continue;
    }
    refl->AddEnumValue(&out->requirements, field, number);
    std::string quote(text.substr(c.begin, c.end - c.begin));
    if (std::find(quotes.begin(), quotes.end(), quote) == quotes.end()) {
      quotes.push_back(std::move(quote));
    }
    if (c.begin < begin) {
      begin = c.begin;
      end = c.end;
    }
  }
  if (quotes.empty()) return;
  v1::Fact fact = MakeFact(out->requirements, field, v1::Fact::SOURCE_TEXT);
  fact.set_quote(absl::StrJoin(quotes, "; "));
  fact.set_span_begin(static_cast<int32_t>(begin));
  fact.set_span_end(static_cast<int32_t>(end));
  out->facts.push_back(std::move(fact));
}

}  // namespace

FactSet ReadFacts(std::string_view text) {
  const RuleIndex& index = Index();
  const TokenizedText tokenized(text);
  const std::vector<facts_internal::Token>& tokens = tokenized.tokens();
  const int field_count = v1::Requirements::descriptor()->field_count();
  std::vector<Candidate> best(static_cast<size_t>(field_count));
  std::vector<CandidateList> lists(static_cast<size_t>(field_count));

  PatternMatch match;
  auto try_rule = [&](uint32_t id, size_t at) {
    const CompiledRule& cr = index.rules[static_cast<size_t>(id)];
    if (!cr.pattern.MatchAt(tokens, at, &match) || match.end <= match.first) {
      return;
    }
    const Rule& rule = *cr.rule;
    double value = rule.transform != nullptr ? rule.transform(match.numbers)
                                             : rule.value;
    if (rule.check_negation &&
        (match.negator_skipped || NegatedAround(tokens, match.first, match.end))) {
      value = rule.negated_value;
    }
    if (std::isnan(value) || value < cr.table->min || value > cr.table->max) {
      return;
    }
    if (IsIntegerField(cr.field) && value != std::floor(value)) return;
    Candidate c{true, value, rule.tier, tokens[match.first].begin,
                tokens[match.end - 1].end};
    if (cr.table->pick == Pick::kAll) {
      lists[static_cast<size_t>(cr.field->index())].try_emplace(value, c);
      return;
    }
    Candidate& slot = best[static_cast<size_t>(cr.field->index())];
    if (Better(cr.table->pick, c, slot)) slot = c;
  };

  std::vector<uint32_t> candidates;
  for (size_t i = 0; i < tokens.size(); ++i) {
    RulesStartingAt(index, tokens, i, &candidates);
    for (uint32_t id : candidates) try_rule(id, i);
  }

  FactSet out;
  for (const FieldDescriptor* field : FieldsByNumber()) {
    const size_t slot = static_cast<size_t>(field->index());
    if (field->is_repeated()) {
      AddListFact(text, field, lists[slot], &out);
      continue;
    }
    const Candidate& c = best[slot];
    if (!c.present || !SetFromNumber(&out.requirements, field, c.value)) {
      continue;
    }
    v1::Fact fact = MakeFact(out.requirements, field, v1::Fact::SOURCE_TEXT);
    fact.set_quote(std::string(text.substr(c.begin, c.end - c.begin)));
    fact.set_span_begin(static_cast<int32_t>(c.begin));
    fact.set_span_end(static_cast<int32_t>(c.end));
    out.facts.push_back(std::move(fact));
  }
  return out;
}

FactSet FactsFromFields(const v1::Requirements& fields) {
  FactSet out;
  out.requirements = fields;
  for (const FieldDescriptor* field : FieldsByNumber()) {
    if (IsSet(fields, field)) {
      out.facts.push_back(MakeFact(fields, field, v1::Fact::SOURCE_FIELD));
    }
  }
  return out;
}

FactSet LayerFacts(const FactSet& earlier, const FactSet& from_text,
                   const FactSet& from_fields, int earlier_turn) {
  FactSet out;
  const auto& fields = FieldsByNumber();
  std::vector<std::optional<v1::Fact>> winners(
      static_cast<size_t>(v1::Requirements::descriptor()->field_count()));

  auto apply = [&](const FactSet& layer, v1::Fact::Source source,
                   bool is_session) {
    // Swapping with a copy moves one field of any type, repeated or not.
    // One copy per layer: a swap takes only its own field out of it.
    std::optional<v1::Requirements> copy;
    for (const FieldDescriptor* field : fields) {
      if (!IsSet(layer.requirements, field)) continue;
      if (!copy.has_value()) copy.emplace(layer.requirements);
      out.requirements.GetReflection()->SwapFields(&out.requirements, &*copy,
                                                   {field});
      const auto found =
          std::find_if(layer.facts.begin(), layer.facts.end(),
                       [&](const v1::Fact& f) { return f.field() == field->name(); });
      v1::Fact fact = found != layer.facts.end() ? *found : v1::Fact();
      fact.set_field(field->name());
      // The requirements are authoritative; the fact only explains them.
      fact.set_value(FormatField(layer.requirements, field));
      if (is_session || found == layer.facts.end() ||
          fact.source() == v1::Fact::SOURCE_UNSPECIFIED) {
        fact.set_source(source);
      }
      if (is_session && fact.turn() == 0) fact.set_turn(earlier_turn);
      winners[static_cast<size_t>(field->index())] = std::move(fact);
    }
  };
  apply(earlier, v1::Fact::SOURCE_SESSION, true);
  apply(from_text, v1::Fact::SOURCE_TEXT, false);
  apply(from_fields, v1::Fact::SOURCE_FIELD, false);

  for (const FieldDescriptor* field : fields) {
    auto& fact = winners[static_cast<size_t>(field->index())];
    if (fact.has_value()) out.facts.push_back(*std::move(fact));
  }
  return out;
}

std::vector<std::string> SetFieldNames(const v1::Requirements& r) {
  std::vector<std::string> names;
  for (const FieldDescriptor* field : FieldsByNumber()) {
    if (IsSet(r, field)) names.push_back(field->name());
  }
  return names;
}

std::string FactValue(const v1::Requirements& r, std::string_view field_name) {
  const FieldDescriptor* field =
      v1::Requirements::descriptor()->FindFieldByName(std::string(field_name));
  if (field == nullptr || !IsSet(r, field)) return "";
  return FormatField(r, field);
}

}  // namespace agentd
