// Fuzz-style robustness of the whole agent path: random Requirements
// (extreme, negative, NaN and infinite values, unknown enum numbers) and
// random texts (phrases that carry facts, mixed with junk and non-UTF-8
// bytes) go through ReadFacts → the engine → Merge → Markdown. None may
// crash, every review must be the same twice, and what the engine decides
// must stay within DESIGN.md §6 and never print a NaN or an infinity.
//
// The generator is seeded, so a failure names a case that reproduces.
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "plugins/backend_architect/engine.h"
#include "server/core/merger.h"
#include "server/render/markdown_renderer.h"
#include "server/facts/fact_reader.h"

namespace agentd::backend_architect {
namespace {

constexpr int kCases = 1500;

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  bool Coin() { return Pick(2) == 0; }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  int32_t Int() {
    static const int32_t kEdges[] = {std::numeric_limits<int32_t>::min(), -40, -1, 0, 1, 2, 3, 9, 10,
                                     11, 20, 40, 1000, std::numeric_limits<int32_t>::max()};
    if (Coin()) return kEdges[Pick(std::size(kEdges))];
    return std::uniform_int_distribution<int32_t>(-100, 100000)(rng_);
  }

  double Double() {
    static const double kEdges[] = {std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::lowest(),
                                    std::numeric_limits<double>::denorm_min(),
                                    -0.0, 0.0, 1e-9, 0.3, 0.7, 0.95, 1.0, 1.5, 20, 99.9, 99.95,
                                    99.999, 100, 100.0001, 1e6, 1e10, 1e12, -5};
    if (Coin()) return kEdges[Pick(std::size(kEdges))];
    return std::uniform_real_distribution<double>(-1e4, 1e6)(rng_);
  }

  // Enum numbers include unknown ones: proto3 enums are open.
  int Enum(int known) { return static_cast<int>(Pick(static_cast<size_t>(known) + 3)) - 1; }

  v1::Requirements Requirements() {
    v1::Requirements r;
    if (Coin()) r.set_team_size(Int());
    if (Coin()) r.set_team_count(Int());
    if (Coin()) r.set_domain_clarity(static_cast<v1::DomainClarity>(Enum(3)));
    if (Coin()) r.set_peak_rps(Double());
    if (Coin()) r.set_read_ratio(Double());
    if (Coin()) r.set_consistency(static_cast<v1::Consistency>(Enum(3)));
    if (Coin()) r.set_data_shape(static_cast<v1::DataShape>(Enum(6)));
    if (Coin()) r.set_cloud(static_cast<v1::CloudProvider>(Enum(5)));
    if (Coin()) r.set_availability_slo(Double());
    if (Coin()) r.set_latency_p99_ms(Double());
    if (Coin()) r.set_ops_maturity(static_cast<v1::OpsMaturity>(Enum(4)));
    if (Coin()) r.set_needs_replay(Coin());
    if (Coin()) r.set_needs_ordering(Coin());
    if (Coin()) r.set_bursty(Coin());
    if (Coin()) r.set_independent_releases(Coin());
    if (Coin()) r.set_independent_scaling(Coin());
    if (Coin()) r.set_planned_services(Int());
    if (Coin()) r.set_needs_audit_trail(Coin());
    if (Coin()) r.set_complex_routing(Coin());
    if (Coin()) r.set_early_stage(Coin());
    if (Coin()) r.set_polyglot(Coin());
    if (Coin()) r.set_distributed_transaction(Coin());
    if (Coin()) r.set_write_heavy(Coin());
    return r;
  }

  std::string Text() {
    static const char* kPhrases[] = {
        "10,000 orders per minute", "during flash sales", "a team of 3", "40 microservices",
        "99.95% monthly", "p99 under 200 ms", "on AWS", "on GCP", "Azure", "2M requests a day",
        "Redis is under load", "synchronous REST", "event-driven", "payments ledger", "as of",
        "telemetry from IoT devices", "write-heavy", "strong consistency", "eventual consistency",
        "team of -3", "0 engineers", "99999999999999999999 requests per second", "100.5% uptime",
        "p99 under 0 ms", "NaN requests per second", "inf orders per minute", "1e400 rps",
        "teams of 1000000000000", "five nines", "@database-architect", "we are 5 teams",
        "read model", "catalog", "immutable", "hot keys", "saga", "compensate", "webhook",
        "Kafka", "RabbitMQ", "mysql", "memcached", "leaderboard", "-", "%", ",", ".", "ms",
    };
    std::string text;
    size_t parts = Pick(12);
    for (size_t i = 0; i < parts; ++i) {
      switch (Pick(4)) {
        case 0: {  // junk bytes, non-UTF-8 and NUL included
          size_t n = Pick(20);
          for (size_t j = 0; j < n; ++j) text.push_back(static_cast<char>(Pick(256)));
          break;
        }
        case 1: text += std::to_string(Int()); break;
        default: text += kPhrases[Pick(std::size(kPhrases))]; break;
      }
      text.push_back(Coin() ? ' ' : ',');
    }
    return text;
  }

 private:
  std::mt19937 rng_;
};

const std::map<std::string, std::set<std::string>>& AllowedValues() {
  static const auto* allowed = new std::map<std::string, std::set<std::string>>{
      {"architecture.pattern", {"monolith", "modular_monolith", "microservices"}},
      {"messaging.broker", {"kafka", "rabbitmq", "sqs", "pubsub", "none"}},
      {"messaging.saga", {"choreography", "orchestration"}},
      {"messaging.event_sourcing", {"yes", "no"}},
      {"messaging.cqrs", {"yes", "no"}},
      {"caching.pattern", {"cache_aside", "write_through", "write_behind", "refresh_ahead"}},
      {"caching.invalidation", {"ttl", "event", "version", "tag"}},
      {"database.primary",
       {"postgresql", "mysql", "mongodb", "dynamodb", "redis", "cassandra", "scylladb", "neo4j"}},
  };
  return *allowed;
}

// "nan", "inf" or "-inf" as a word of the text.
bool HasNonFiniteNumber(const std::string& text) {
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" ,;:()/=%\n"))) {
    if (word == "nan" || word == "-nan" || word == "inf" || word == "-inf") return true;
  }
  return false;
}

void CheckResponse(const v1::AgentResponse& response, const std::string& what) {
  EXPECT_EQ(response.sections_size(), 10) << what;
  for (const v1::Decision& d : response.decisions()) {
    auto allowed = AllowedValues().find(d.key());
    if (allowed != AllowedValues().end()) {
      EXPECT_TRUE(allowed->second.count(d.value())) << d.key() << " = " << d.value() << "\n" << what;
    } else if (d.key() == "database.scaling") {
      for (absl::string_view v : absl::StrSplit(d.value(), ',')) {
        EXPECT_TRUE(v == "read_replicas" || v == "sharding" || v == "connection_pooling") << v;
      }
    } else if (d.key() == "observability.slo_availability" ||
               d.key() == "observability.error_budget_minutes_30d") {
      double value = std::stod(d.value());
      EXPECT_TRUE(std::isfinite(value) && value >= 0 && value <= 43200) << d.key() << " = " << d.value();
    } else {
      ADD_FAILURE() << "unknown decision key " << d.key();
    }
  }
}

v1::AgentRequest RequestFor(const std::string& text, const v1::Requirements& fields) {
  FactSet facts = LayerFacts(FactSet{}, ReadFacts(text), FactsFromFields(fields));
  v1::AgentRequest request;
  request.set_text(text);
  request.set_agent(kAgentName);
  *request.mutable_requirements() = facts.requirements;
  for (const v1::Fact& f : facts.facts) *request.add_facts() = f;
  return request;
}

std::string Serialized(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

TEST(RobustnessTest, RandomFactsAndTextsNeverCrashAndRepeatExactly) {
  Generator gen(20240611);
  for (int i = 0; i < kCases; ++i) {
    std::string text = gen.Text();
    v1::Requirements fields = gen.Requirements();
    std::string what = "case " + std::to_string(i) + ": " + fields.ShortDebugString();

    v1::AgentRequest request = RequestFor(text, fields);
    v1::AgentResponse first = Review(request);
    v1::AgentResponse second = Review(RequestFor(text, fields));
    ASSERT_EQ(Serialized(first), Serialized(second)) << what;
    CheckResponse(first, what);

    MergeInput input;
    AgentOutcome outcome;
    outcome.run.set_agent(kAgentName);
    outcome.run.set_status(v1::AGENT_STATUS_OK);
    outcome.response = first;
    input.outcomes.push_back(std::move(outcome));
    input.requirements = request.requirements();
    input.facts.assign(request.facts().begin(), request.facts().end());
    v1::Review review = Merge(input);
    ASSERT_FALSE(RenderMarkdown(review).empty()) << what;
    // Sections and decisions are the engine's own words: no NaN or infinity
    // may reach them (what the caller typed is quoted in Facts Used).
    for (const v1::Section& s : review.sections()) {
      for (const v1::Item& item : s.items()) {
        ASSERT_FALSE(HasNonFiniteNumber(item.text() + " " + item.rationale() + " " + item.mitigation()))
            << item.text() << "\n" << what;
      }
    }
    ASSERT_FALSE(HasNonFiniteNumber(first.summary())) << first.summary() << "\n" << what;
  }
}

// The engine alone, on Requirements the fact reader would never produce.
TEST(RobustnessTest, EveryExtremeValueAloneIsHandled) {
  const double kDoubles[] = {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::max(), 1e12, -1, 0};
  for (double d : kDoubles) {
    for (int field = 0; field < 4; ++field) {
      v1::Requirements r;
      if (field == 0) r.set_peak_rps(d);
      if (field == 1) r.set_read_ratio(d);
      if (field == 2) r.set_availability_slo(d);
      if (field == 3) r.set_latency_p99_ms(d);
      v1::AgentRequest request;
      *request.mutable_requirements() = r;
      v1::AgentResponse response = Review(request);
      CheckResponse(response, r.ShortDebugString());
      for (const v1::Section& s : response.sections()) {
        for (const v1::Item& item : s.items()) {
          EXPECT_FALSE(HasNonFiniteNumber(item.text())) << item.text() << "\n" << r.ShortDebugString();
        }
      }
    }
  }
}

}  // namespace
}  // namespace agentd::backend_architect
