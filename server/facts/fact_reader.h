// Facts: what is known about a caller's system, and where each piece came
// from. A review request is read into a FactSet (an agentd.v1.Requirements
// plus one agentd.v1.Fact per field set); agents (plugins) decide
// from the Requirements and cites the Facts. Facts carry across a session's
// turns: LayerFacts folds earlier turns, this turn's text and the caller's
// structured fields into one set, later sources overriding earlier ones.
//
// Everything here is a pure function of its arguments: no I/O, no globals
// that change. All functions are thread-safe.
#ifndef AGENTD_SERVER_FACTS_FACT_READER_H_
#define AGENTD_SERVER_FACTS_FACT_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "agentd/v1/review.pb.h"

namespace agentd {

struct FactSet {
  v1::Requirements requirements;
  // One per field set in `requirements`, in field-number order.
  std::vector<v1::Fact> facts;
};

// Reads facts from ordinary English ("10,000 orders per minute during flash
// sales", "a team of six", "p99 under 200 ms", "we're all on AWS").
// Deterministic and conservative: a phrase that cannot be read with
// confidence (a bare number with no unit, "99 problems", a read percentage)
// is left out rather than guessed. Each fact gets SOURCE_TEXT, the quote and
// its byte span [span_begin, span_end) in `text`.
//
// Fact.value is normalised text: numbers as plain decimals without trailing
// zeros, rounded to 2 decimals ("166.67", "6"), except availability_slo and
// read_ratio which keep up to 4 so "five nines" stays 99.999 and "99.5%
// reads" stays 0.995; enums as their lowercase short name ("aws",
// "unclear"); bools as "true"/"false".
FactSet ReadFacts(std::string_view text);

// Facts for every field set in the caller's structured requirements, tagged
// SOURCE_FIELD, with the same value normalisation as ReadFacts.
FactSet FactsFromFields(const v1::Requirements& fields);

// Layers fact sets field by field, later overriding earlier: `earlier` (the
// session's accumulated facts, re-tagged SOURCE_SESSION and keeping their
// quote and turn number), then `from_text`, then `from_fields`. Facts of
// `earlier` that carry no turn yet (turn == 0) are tagged `earlier_turn`.
// Works by protobuf reflection, so a field added to Requirements needs no
// change here.
FactSet LayerFacts(const FactSet& earlier, const FactSet& from_text,
                   const FactSet& from_fields, int earlier_turn = 0);

// The proto field names ("team_size", "cloud", ...) of every field set in
// `r`, in field-number order. An `optional` scalar is set when present; an
// enum when non-zero.
std::vector<std::string> SetFieldNames(const v1::Requirements& r);

// The normalised text of field `field_name` of `r` (see ReadFacts), or ""
// when the field does not exist or is not set.
std::string FactValue(const v1::Requirements& r, std::string_view field_name);

}  // namespace agentd

#endif  // AGENTD_SERVER_FACTS_FACT_READER_H_
