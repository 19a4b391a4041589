#include "db/turn_codec.h"

#include <fstream>
#include <iterator>
#include <memory>

#include <zstd.h>

#include "db/blob_codec.h"
#include "gtest/gtest.h"
#include "tests/db/sample_turn.h"

namespace agentd {
namespace {

// testing_db::MakeTurn with a long request, a long answer, and what the
// merger records: its version, a section owner and the facts it saw.
TurnRecord SampleTurn() {
  TurnRecord turn = testing_db::MakeTurnWithSummary("alice", "s-1", true, std::string(1000, 'o'));
  turn.request.set_text(std::string(2000, 'r'));
  turn.merge.merger_version = 3;
  auto owner = std::make_shared<v1::AgentDefinition>();
  owner->set_name("backend-architect");
  owner->add_sections("api_design");
  turn.merge.section_owners.push_back(std::move(owner));
  turn.merge.requirements.set_peak_rps(2000);
  v1::Fact seen;
  seen.set_field("peak_rps");
  turn.merge.facts.push_back(seen);
  return turn;
}

template <typename Message>
Message Parse(const std::string& blob, std::string_view column = "column") {
  Message message;
  absl::Status status = ParseStoredMessage(blob, &message, "test.db", column);
  EXPECT_TRUE(status.ok()) << status;
  return message;
}

TEST(TurnCodecTest, EncodesTheTurnAsOneBodyAndReadsItBackCompressedOrPlain) {
  const TurnRecord turn = SampleTurn();
  for (bool compress : {true, false}) {
    SCOPED_TRACE(compress);
    EncodedTurn encoded = EncodeTurn(turn, compress);
    EXPECT_EQ(encoded.principal, "alice");
    EXPECT_EQ(encoded.session_id, "s-1");
    EXPECT_TRUE(encoded.create_session);
    EXPECT_EQ(encoded.title, "title of s-1");
    EXPECT_EQ(encoded.status, "ok");
    EXPECT_EQ(encoded.latency_ms, 42);
    EXPECT_EQ(encoded.merger_version, 3);
    EXPECT_EQ(encoded.body[0] == '\0', compress);  // compressed blobs carry the marker
    auto body = DecodeTurnBody(encoded.body, "test.db");
    ASSERT_TRUE(body.ok()) << body.status();
    EXPECT_EQ(body->request().text(), turn.request.text());
    EXPECT_EQ(body->route().summary(), "backend-architect");
    const MergeRecord merge = MergeRecordOf(*body);
    EXPECT_EQ(merge.merger_version, 3);
    ASSERT_EQ(merge.section_owners.size(), 1u);
    EXPECT_EQ(merge.section_owners[0]->sections(0), "api_design");
    EXPECT_EQ(merge.requirements.peak_rps(), 2000);
    ASSERT_EQ(merge.facts.size(), 1u);
    const std::vector<AgentOutputRecord> outputs = OutputsOf(*body);
    ASSERT_EQ(outputs.size(), 2u);
    EXPECT_EQ(outputs[0].run.agent(), "backend-architect");
    EXPECT_EQ(outputs[0].run.latency_ms(), 3.5);
    EXPECT_EQ(outputs[0].output.summary(), std::string(1000, 'o'));
    EXPECT_EQ(outputs[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
    EXPECT_EQ(outputs[1].run.error(), "deadline exceeded");
    EXPECT_EQ(outputs[1].output.ByteSizeLong(), 0u);
  }
}

// The body as StoredTurn's own serializer writes it (the answers last, as
// elements of `outputs`): what the codec writes field by field from the
// record must be these bytes exactly.
std::string ReferenceBody(const TurnRecord& turn) {
  v1::StoredTurn body;
  *body.mutable_request() = turn.request;
  *body.mutable_route() = turn.route;
  body.set_merger_version(turn.merge.merger_version);
  for (const auto& owner : turn.merge.section_owners) *body.add_section_owners() = *owner;
  for (const AgentOutputRecord& o : turn.outputs) *body.add_runs() = o.run;
  *body.mutable_requirements() = turn.merge.requirements;
  for (const v1::Fact& fact : turn.merge.facts) *body.add_facts() = fact;
  for (const auto& spec : turn.merge.layout) *body.add_layout() = *spec;
  body.set_review_title(turn.merge.title);
  std::string bytes = body.SerializeAsString();
  v1::StoredTurn answers;
  for (const AgentOutputRecord& o : turn.outputs) *answers.add_outputs() = o.output;
  return bytes + answers.SerializeAsString();
}

TEST(TurnCodecTest, TheBodyIsWhatStoredTurnsSerializerWrites) {
  TurnRecord turn = SampleTurn();
  EXPECT_EQ(EncodeTurn(turn, /*compress=*/false).body, ReferenceBody(turn));
  // With every optional part set: a negative version, a title, a layout,
  // several owners and facts, an empty route.
  turn.merge.merger_version = -2;
  turn.merge.title = "Architecture review";
  v1::SectionSpec api, data;
  api.set_id("api_design");
  data.set_heading("Data");
  turn.merge.layout = {std::make_shared<const v1::SectionSpec>(api), std::make_shared<const v1::SectionSpec>(data)};
  turn.merge.section_owners.push_back(turn.merge.section_owners[0]);
  turn.merge.facts.push_back(turn.merge.facts[0]);
  turn.route.Clear();
  EXPECT_EQ(EncodeTurn(turn, /*compress=*/false).body, ReferenceBody(turn));
  // And with nothing but the header.
  EXPECT_EQ(EncodeTurn(TurnRecord(), /*compress=*/false).body, ReferenceBody(TurnRecord()));
}

TEST(TurnCodecTest, TheFactsBlobIsAReviewEnvelopesBytes) {
  const TurnRecord turn = SampleTurn();
  std::vector<v1::Fact> sources = turn.session_fact_sources;
  sources.push_back(turn.merge.facts[0]);
  for (const std::vector<v1::Fact>& facts : {std::vector<v1::Fact>(), sources}) {
    for (const v1::Requirements& requirements : {v1::Requirements(), turn.session_facts}) {
      v1::Review envelope;
      *envelope.mutable_requirements() = requirements;
      for (const v1::Fact& fact : facts) *envelope.add_facts() = fact;
      EXPECT_EQ(EncodeFacts(requirements, facts), envelope.SerializeAsString());
    }
  }
}

TEST(TurnCodecTest, MovingTheRecordEncodesTheSameBytes) {
  TurnRecord turn = SampleTurn();
  const std::string copied = EncodeTurn(turn, true).body;
  const std::string moved = EncodeTurn(std::move(turn), true).body;
  EXPECT_EQ(copied, moved);
}

TEST(TurnCodecTest, EncodingKeepingTheRecordEncodesTheSameBytesAndLeavesItWhole) {
  TurnRecord turn = SampleTurn();
  const TurnRecord before = SampleTurn();
  const std::string copied = EncodeTurn(before, true).body;
  const EncodedTurn kept = EncodeTurnKeeping(&turn, true);
  EXPECT_EQ(kept.body, copied);
  EXPECT_EQ(kept.status, before.status);
  // Every message is back in the record: encoding it again gives the same.
  EXPECT_EQ(turn.request.SerializeAsString(), before.request.SerializeAsString());
  ASSERT_EQ(turn.outputs.size(), before.outputs.size());
  for (size_t i = 0; i < turn.outputs.size(); ++i) {
    EXPECT_EQ(turn.outputs[i].output.SerializeAsString(), before.outputs[i].output.SerializeAsString());
    EXPECT_EQ(turn.outputs[i].run.SerializeAsString(), before.outputs[i].run.SerializeAsString());
  }
  EXPECT_EQ(EncodeTurn(std::move(turn), true).body, copied);
}

// What an answer's plugin might emit: the same answer as `output`, its
// fields in another order than protobuf writes them and its summary written
// twice (the last wins), so the bytes differ from a serialization of it.
std::string PluginBytesOf(const v1::AgentResponse& output) {
  v1::AgentResponse summary_only;
  summary_only.set_summary("an earlier summary, replaced");
  v1::AgentResponse rest = output;
  rest.clear_summary();
  v1::AgentResponse last_summary;
  last_summary.set_summary(output.summary());
  std::string bytes = summary_only.SerializeAsString() + rest.SerializeAsString();
  if (!output.summary().empty()) bytes += last_summary.SerializeAsString();
  return bytes;
}

TEST(TurnCodecTest, KeptAnswerBytesAreStoredAsTheyAreAndReadBackAsTheAnswer) {
  TurnRecord turn = SampleTurn();
  turn.outputs[0].output.add_sections()->set_id("api_design");
  turn.outputs[0].output.mutable_sections(0)->add_items()->set_text("REST, versioned in the path");
  const std::string plugin_bytes = PluginBytesOf(turn.outputs[0].output);
  ASSERT_NE(plugin_bytes, turn.outputs[0].output.SerializeAsString());
  const std::string serialized = EncodeTurn(turn, /*compress=*/false).body;
  turn.outputs[0].output_bytes = plugin_bytes;
  for (bool compress : {true, false}) {
    SCOPED_TRACE(compress);
    const EncodedTurn encoded = EncodeTurn(turn, compress);
    if (!compress) {
      EXPECT_NE(encoded.body.find(plugin_bytes), std::string::npos);  // as the plugin gave them
      EXPECT_NE(encoded.body, serialized);
    }
    auto body = DecodeTurnBody(encoded.body, "test.db");
    ASSERT_TRUE(body.ok()) << body.status();
    auto old_way = DecodeTurnBody(serialized, "test.db");
    ASSERT_TRUE(old_way.ok()) << old_way.status();
    // The same turn, whichever way each answer went in.
    EXPECT_EQ(body->SerializeAsString(), old_way->SerializeAsString());
    const std::vector<AgentOutputRecord> outputs = OutputsOf(*body);
    ASSERT_EQ(outputs.size(), 2u);
    EXPECT_EQ(outputs[0].output.SerializeAsString(), turn.outputs[0].output.SerializeAsString());
    EXPECT_EQ(outputs[0].output.summary(), std::string(1000, 'o'));
    EXPECT_TRUE(outputs[0].output_bytes.empty());  // never filled on read
    EXPECT_EQ(outputs[1].run.status(), v1::AGENT_STATUS_TIMED_OUT);
    EXPECT_EQ(outputs[1].output.ByteSizeLong(), 0u);
  }
}

TEST(TurnCodecTest, AnswersKeepTheirOrderWhetherKeptAsBytesOrSerialized) {
  TurnRecord turn = SampleTurn();
  for (const char* agent : {"api-architect", "database-architect", "sre-specialist"}) {
    AgentOutputRecord& output = turn.outputs.emplace_back();
    output.run.set_agent(agent);
    output.run.set_status(v1::AGENT_STATUS_OK);
    output.output.set_agent(agent);
    output.output.set_summary(std::string("summary of ") + agent);
  }
  turn.outputs[2].output_bytes = PluginBytesOf(turn.outputs[2].output);  // kept; [3] serialized
  turn.outputs[4].output_bytes = turn.outputs[4].output.SerializeAsString();
  const TurnRecord expected = turn;
  const EncodedTurn kept = EncodeTurnKeeping(&turn, true);
  EXPECT_EQ(kept.body, EncodeTurn(expected, true).body);
  EXPECT_EQ(turn.outputs[2].output_bytes, expected.outputs[2].output_bytes);  // the record keeps them
  auto body = DecodeTurnBody(kept.body, "test.db");
  ASSERT_TRUE(body.ok()) << body.status();
  const std::vector<AgentOutputRecord> outputs = OutputsOf(*body);
  ASSERT_EQ(outputs.size(), expected.outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].run.SerializeAsString(), expected.outputs[i].run.SerializeAsString()) << i;
    EXPECT_EQ(outputs[i].output.SerializeAsString(), expected.outputs[i].output.SerializeAsString()) << i;
  }
}

TEST(TurnCodecTest, ABodyWrittenInOnePieceStillReads) {
  // Bodies written before answers were appended as bytes: the answers
  // interleaved in field order (StoredTurn serialized whole).
  const TurnRecord turn = SampleTurn();
  v1::StoredTurn whole;
  *whole.mutable_request() = turn.request;
  *whole.mutable_route() = turn.route;
  whole.set_merger_version(turn.merge.merger_version);
  for (const AgentOutputRecord& o : turn.outputs) {
    *whole.add_runs() = o.run;
    *whole.add_outputs() = o.output;
  }
  *whole.mutable_requirements() = turn.merge.requirements;
  auto body = DecodeTurnBody(EncodeStoredBlob(whole.SerializeAsString(), CurrentTurnDictionaryId()), "test.db");
  ASSERT_TRUE(body.ok()) << body.status();
  auto now = DecodeTurnBody(EncodeTurn(turn, true).body, "test.db");
  ASSERT_TRUE(now.ok()) << now.status();
  const std::vector<AgentOutputRecord> outputs = OutputsOf(*body);
  const std::vector<AgentOutputRecord> outputs_now = OutputsOf(*now);
  ASSERT_EQ(outputs.size(), outputs_now.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].output.SerializeAsString(), outputs_now[i].output.SerializeAsString());
  }
  EXPECT_EQ(body->request().text(), turn.request.text());
}

// A five-agent turn's body as agentd stored it with the first shipped
// dictionary (turns-0001), before a newer one was shipped: it must keep
// reading, whichever dictionary new turns use.
TEST(TurnCodecTest, ABodyOfTheFirstShippedDictionaryStillReads) {
  std::ifstream in(AGENTD_SOURCE_DIR "/tests/db/testdata/turn_body_dictionary_1.bin", std::ios::binary);
  const std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(blob.size(), 2u);
  ASSERT_EQ(blob.substr(0, 2), std::string("\0d", 2));
  EXPECT_EQ(ZSTD_getDictID_fromFrame(blob.data() + 2, blob.size() - 2), 1u);
  EXPECT_GT(CurrentTurnDictionaryId(), 1u);  // new bodies use a newer one
  auto body = DecodeTurnBody(blob, "test.db");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_NE(body->request().text().find("10,000 orders per minute"), std::string::npos);
  ASSERT_EQ(body->runs_size(), 5);
  ASSERT_EQ(body->outputs_size(), 5);
  EXPECT_EQ(body->runs(0).agent(), "backend-architect");
  EXPECT_EQ(body->outputs(4).agent(), "sre-specialist");
  EXPECT_FALSE(body->outputs(0).sections().empty());
}

TEST(TurnCodecTest, FactsKeepTheirProvenance) {
  const TurnRecord turn = SampleTurn();
  std::string blob = EncodeFacts(turn.session_facts, turn.session_fact_sources);
  auto facts = DecodeFacts(blob, "test.db");
  ASSERT_TRUE(facts.ok()) << facts.status();
  EXPECT_EQ(facts->requirements().team_size(), 12);
  ASSERT_EQ(facts->facts_size(), 1);
  EXPECT_EQ(facts->facts(0).field(), "team_size");
  EXPECT_EQ(facts->facts(0).turn(), 1);
  EXPECT_EQ(DecodeFacts("\xff\xff\xff", "test.db").status().code(), absl::StatusCode::kDataLoss);
}

TEST(TurnCodecTest, DamagedBlobsAreDataLossNamingTheColumn) {
  EncodedTurn encoded = EncodeTurn(SampleTurn(), /*compress=*/true);
  std::string damaged = encoded.body;
  damaged[damaged.size() / 2] ^= 0x55;
  absl::Status status = DecodeTurnBody(damaged, "test.db").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("turn"), absl::string_view::npos) << status;
  v1::Review review;
  EXPECT_EQ(ParseStoredMessage(std::string("\x0a\xff", 2), &review, "test.db", "review").code(),
            absl::StatusCode::kDataLoss);
}

TEST(TurnCodecTest, AgentStatusNamesRoundTrip) {
  EXPECT_EQ(ParseAgentStatus(AgentStatusName(v1::AGENT_STATUS_FAILED)), v1::AGENT_STATUS_FAILED);
  EXPECT_EQ(ParseAgentStatus("NOT_A_STATUS"), v1::AGENT_STATUS_UNSPECIFIED);
}

}  // namespace
}  // namespace agentd
