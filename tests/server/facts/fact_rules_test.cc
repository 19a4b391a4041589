// The phrasing tables of the fact reader's own fields
// (server/facts/fact_rules.cc): throughput, team, SLOs, latency, data shape,
// cloud and the yes/no situations, each phrasing with the value and quote it
// must yield, and phrasings that must not be read. The situation and system
// tables have their own tests (situation_rules_test.cc, system_rules_test.cc).
#include "server/facts/fact_rules.h"

#include "gtest/gtest.h"
#include "tests/server/facts/phrase_tests.h"

namespace agentd {
namespace {

TEST(FieldRulesTest, EveryRuleCompilesAndFitsItsField) {
  const absl::Status status = facts_internal::ValidateFieldRules();
  EXPECT_TRUE(status.ok()) << status;
}

INSTANTIATE_TEST_SUITE_P(
    Throughput, ReadsPhraseTest,
    testing::Values(
        Phrase{"We need to handle 10,000 orders per minute.", "peak_rps",
               "166.67", "10,000 orders per minute"},
        Phrase{"around 5k rps at peak", "peak_rps", "5000", "5k rps"},
        Phrase{"We see 2M requests a day.", "peak_rps", "23.15",
               "2M requests a day"},
        Phrase{"Ingest 1M events per second from devices", "peak_rps",
               "1000000", "1M events per second"},
        Phrase{"The API serves 300 QPS", "peak_rps", "300", "300 QPS"},
        Phrase{"about 50 writes/sec", "peak_rps", "50", "50 writes/sec"},
        Phrase{"1.2 million messages per hour", "peak_rps", "333.33",
               "1.2 million messages per hour"},
        Phrase{"sustained 10k req/s", "peak_rps", "10000", "10k req/s"},
        Phrase{"Twelve thousand requests per second", "peak_rps", "12000",
               "Twelve thousand requests per second"},
        Phrase{"600 RPM on the checkout", "peak_rps", "10", "600 RPM"},
        Phrase{"QPS of 250", "peak_rps", "250", "QPS of 250"},
        Phrase{"500 per second", "peak_rps", "500", "500 per second"},
        // A peak is the largest figure mentioned.
        Phrase{"On average 200 rps, during Black Friday 3,000 rps.",
               "peak_rps", "3000", "3,000 rps"}));

INSTANTIATE_TEST_SUITE_P(
    Team, ReadsPhraseTest,
    testing::Values(
        Phrase{"We're a team of six.", "team_size", "6", "team of six"},
        Phrase{"four engineers build it", "team_size", "4", "four engineers"},
        Phrase{"we are 12 developers", "team_size", "12", "12 developers"},
        Phrase{"A team of 8 engineers", "team_size", "8",
               "team of 8 engineers"},
        Phrase{"I'm a solo developer", "team_size", "1", "solo developer"},
        Phrase{"5 backend engineers", "team_size", "5", "5 backend engineers"},
        Phrase{"a 7-person team", "team_size", "7", "7-person team"},
        Phrase{"a 4-person startup", "team_size", "4", "4-person startup"},
        Phrase{"There are 5 of us.", "team_size", "5", "5 of us"},
        Phrase{"twenty five developers", "team_size", "25",
               "twenty five developers"},
        Phrase{"two teams of five", "team_size", "10", "two teams of five"},
        Phrase{"two teams of five", "team_count", "2", "two teams"},
        Phrase{"3 squads own the product", "team_count", "3", "3 squads"},
        Phrase{"four product teams", "team_count", "4", "four product teams"}));

INSTANTIATE_TEST_SUITE_P(
    ReadWriteMix, ReadsPhraseTest,
    testing::Values(
        Phrase{"95% reads", "read_ratio", "0.95", "95% reads"},
        Phrase{"90 percent of traffic is reads", "read_ratio", "0.9",
               "90 percent of traffic is reads"},
        Phrase{"The workload is read-heavy", "read_ratio", "0.9",
               "read-heavy"},
        Phrase{"read-heavy, 99.5% reads", "read_ratio", "0.995",
               "99.5% reads"},  // a stated figure beats "read-heavy"
        Phrase{"It's write-heavy", "read_ratio", "0.3", "write-heavy"},
        Phrase{"It's write-heavy", "write_heavy", "true", "write-heavy"},
        Phrase{"80/20 read/write", "read_ratio", "0.8", "80/20 read/write"},
        Phrase{"read:write ratio of 3:1", "read_ratio", "0.75",
               "read:write ratio of 3:1"},
        Phrase{"70% writes", "read_ratio", "0.3", "70% writes"},
        Phrase{"70% writes", "write_heavy", "true", "70% writes"},
        Phrase{"20/80 read/write", "write_heavy", "true",
               "20/80 read/write"},
        Phrase{"Availability: 99.9%. Reads: 80%.", "read_ratio", "0.8",
               "Reads: 80%"}));

INSTANTIATE_TEST_SUITE_P(
    Availability, ReadsPhraseTest,
    testing::Values(
        Phrase{"We target 99.95% monthly.", "availability_slo", "99.95",
               "99.95% monthly"},
        Phrase{"three nines", "availability_slo", "99.9", "three nines"},
        Phrase{"we promise four nines", "availability_slo", "99.99",
               "four nines"},
        Phrase{"five nines", "availability_slo", "99.999", "five nines"},
        Phrase{"The SLO is 99.9 and the budget is tight.", "availability_slo",
               "99.9", "SLO is 99.9"},
        Phrase{"99.9% uptime", "availability_slo", "99.9", "99.9% uptime"},
        Phrase{"an SLO of 99.5%", "availability_slo", "99.5", "SLO of 99.5%"},
        Phrase{"availability target is 99.9 percent", "availability_slo",
               "99.9", "availability target is 99.9 percent"},
        // The read share is not the SLO.
        Phrase{"SLO of 99.9% and 95% reads", "availability_slo", "99.9",
               "SLO of 99.9%"},
        Phrase{"SLO of 99.9% and 95% reads", "read_ratio", "0.95",
               "95% reads"}));

INSTANTIATE_TEST_SUITE_P(
    Latency, ReadsPhraseTest,
    testing::Values(
        Phrase{"p99 under 200 ms", "latency_p99_ms", "200",
               "p99 under 200 ms"},
        Phrase{"p95 < 50ms", "latency_p99_ms", "50", "p95 < 50ms"},
        Phrase{"latency below 1 second", "latency_p99_ms", "1000",
               "latency below 1 second"},
        Phrase{"sub-100ms responses", "latency_p99_ms", "100", "sub-100ms"},
        Phrase{"150 ms p99", "latency_p99_ms", "150", "150 ms p99"},
        Phrase{"respond within 2.5 seconds", "latency_p99_ms", "2500",
               "respond within 2.5 seconds"}));

INSTANTIATE_TEST_SUITE_P(
    Cloud, ReadsPhraseTest,
    testing::Values(
        Phrase{"we're all on AWS", "cloud", "aws", "AWS"},
        Phrase{"Amazon Web Services shop", "cloud", "aws",
               "Amazon Web Services"},
        Phrase{"hosted on GCP", "cloud", "gcp", "GCP"},
        Phrase{"Kubernetes on GKE", "cloud", "gcp", "GKE"},
        Phrase{"Pick a queue for image processing jobs on Google Cloud.",
               "cloud", "gcp", "Google Cloud"},
        Phrase{"everything runs in Azure", "cloud", "azure", "Azure"},
        Phrase{"we are on-prem", "cloud", "on_prem", "on-prem"},
        // "no" after the phrase starts a new noun phrase, not a negation.
        Phrase{"a startup on Azure with no SRE", "cloud", "azure", "Azure"},
        Phrase{"servers in our own data center", "cloud", "on_prem",
               "own data center"}));

INSTANTIATE_TEST_SUITE_P(
    OpsMaturity, ReadsPhraseTest,
    testing::Values(
        Phrase{"There is no dedicated ops.", "ops_maturity", "low",
               "no dedicated ops"},
        Phrase{"no DevOps team", "ops_maturity", "low", "no DevOps team"},
        Phrase{"we have limited DevOps experience", "ops_maturity", "low",
               "limited DevOps experience"},
        Phrase{"We don't have a platform team", "ops_maturity", "low",
               "don't have a platform team"},
        Phrase{"a platform team runs the clusters", "ops_maturity", "high",
               "platform team"},
        Phrase{"our SRE team is on call", "ops_maturity", "high", "SRE team"},
        Phrase{"we run Kubernetes in production with service mesh",
               "ops_maturity", "high",
               "run Kubernetes in production with service mesh"},
        Phrase{"No SRE team", "ops_maturity", "low", "No SRE team"}));

INSTANTIATE_TEST_SUITE_P(
    DomainClarity, ReadsPhraseTest,
    testing::Values(
        Phrase{"the boundaries are still unclear", "domain_clarity",
               "unclear", "boundaries are still unclear"},
        Phrase{"our domain is fuzzy", "domain_clarity", "unclear",
               "domain is fuzzy"},
        Phrase{"unclear domain boundaries", "domain_clarity", "unclear",
               "unclear domain boundaries"},
        Phrase{"we have clear bounded contexts", "domain_clarity", "clear",
               "clear bounded contexts"},
        Phrase{"well-defined domains", "domain_clarity", "clear",
               "well-defined domains"},
        Phrase{"the boundaries aren't clear yet", "domain_clarity", "unclear",
               "boundaries aren't clear"}));

INSTANTIATE_TEST_SUITE_P(
    Consistency, ReadsPhraseTest,
    testing::Values(
        Phrase{"we need strong consistency", "consistency", "strong",
               "strong consistency"},
        Phrase{"ACID transactions", "consistency", "strong", "ACID"},
        Phrase{"it moves payments", "consistency", "strong", "payments"},
        Phrase{"account balances must add up", "consistency", "strong",
               "account balances"},
        Phrase{"it's about money", "consistency", "strong", "money"},
        Phrase{"eventual consistency is fine", "consistency", "eventual",
               "eventual consistency is fine"},
        Phrase{"stale reads are ok", "consistency", "eventual",
               "stale reads are ok"},
        Phrase{"no strong consistency needed", "consistency", "eventual",
               "strong consistency"},
        // An explicit statement beats a hint, wherever it stands.
        Phrase{"Payments are separate; eventual consistency is fine here.",
               "consistency", "eventual", "eventual consistency is fine"},
        Phrase{"eventual consistency is not acceptable", "consistency",
               "strong", "eventual consistency"}));

INSTANTIATE_TEST_SUITE_P(
    DataShape, ReadsPhraseTest,
    testing::Values(
        Phrase{"highly relational data", "data_shape", "relational",
               "relational"},
        Phrase{"reports need lots of joins", "data_shape", "relational",
               "joins"},
        Phrase{"products with variable attributes", "data_shape", "document",
               "variable attributes"},
        Phrase{"we store documents", "data_shape", "document", "documents"},
        Phrase{"a key-value store", "data_shape", "key_value", "key-value"},
        Phrase{"time series of prices", "data_shape", "time_series",
               "time series"},
        Phrase{"IoT sensor readings", "data_shape", "time_series", "IoT"},
        Phrase{"we collect metrics", "data_shape", "time_series",
               "collect metrics"},
        Phrase{"a social network", "data_shape", "graph", "social network"},
        Phrase{"friends of friends queries", "data_shape", "graph",
               "friends of friends"},
        Phrase{"we show recommendations", "data_shape", "graph",
               "recommendations"}));

INSTANTIATE_TEST_SUITE_P(
    Flags, ReadsPhraseTest,
    testing::Values(
        Phrase{"consumers must replay events", "needs_replay", "true",
               "replay"},
        Phrase{"we reprocess history monthly", "needs_replay", "true",
               "reprocess"},
        Phrase{"we don't need replay", "needs_replay", "false", "replay"},
        Phrase{"events must be processed in order", "needs_ordering", "true",
               "in order"},
        Phrase{"ordering per customer", "needs_ordering", "true",
               "ordering per"},
        Phrase{"per-customer ordering", "needs_ordering", "true",
               "per-customer ordering"},
        Phrase{"ordering doesn't matter", "needs_ordering", "false",
               "ordering doesn't matter"},
        Phrase{"message ordering is critical", "needs_ordering", "true",
               "message ordering"},
        Phrase{"We don't need ordering, but replay is a must.",
               "needs_ordering", "false", "need ordering"},
        Phrase{"We don't need ordering, but replay is a must.",
               "needs_replay", "true", "replay"},
        Phrase{"we need an audit trail", "needs_audit_trail", "true",
               "audit trail"},
        Phrase{"keep the full history of changes", "needs_audit_trail",
               "true", "full history of changes"},
        Phrase{"route by type", "complex_routing", "true", "route by type"},
        Phrase{"topic routing", "complex_routing", "true", "topic routing"},
        Phrase{"fan out to different consumers by header", "complex_routing",
               "true", "fan out to different consumers by header"},
        Phrase{"a flash sale", "bursty", "true", "flash sale"},
        Phrase{"traffic spikes at noon", "bursty", "true", "spikes"},
        Phrase{"Black Friday", "bursty", "true", "Black Friday"},
        Phrase{"the peak is at 9am", "bursty", "true", "peak"},
        Phrase{"steady traffic all day", "bursty", "false", "steady traffic"},
        Phrase{"teams want to deploy independently", "independent_releases",
               "true", "deploy independently"},
        Phrase{"each team has its own release cadence",
               "independent_releases", "true", "own release"},
        Phrase{"search scales differently", "independent_scaling", "true",
               "scales differently"},
        Phrase{"services must scale independently", "independent_scaling",
               "true", "scale independently"},
        Phrase{"we plan 40 microservices", "planned_services", "40",
               "40 microservices"},
        Phrase{"split into 12 services", "planned_services", "12",
               "12 services"},
        Phrase{"it's an MVP", "early_stage", "true", "MVP"},
        Phrase{"an early-stage startup", "early_stage", "true",
               "early-stage"},
        Phrase{"just a prototype", "early_stage", "true", "prototype"},
        Phrase{"we're no longer a startup", "early_stage", "false",
               "startup"},
        Phrase{"Go and Python services", "polyglot", "true", "Go and Python"},
        Phrase{"we are polyglot", "polyglot", "true", "polyglot"},
        Phrase{"booking across hotel, flight and car", "distributed_transaction",
               "true", "booking across hotel"},
        Phrase{"we use a saga", "distributed_transaction", "true", "saga"},
        Phrase{"a transaction spanning services", "distributed_transaction",
               "true", "transaction spanning services"},
        Phrase{"we considered 2PC", "distributed_transaction", "true",
               "2PC"}));

INSTANTIATE_TEST_SUITE_P(
    Negatives, DoesNotReadTest,
    testing::Values(
        NotRead{"We have 10,000 customers.", "peak_rps"},
        NotRead{"There are 500 of them.", "peak_rps"},
        NotRead{"Engineers work 8 hours a day.", "peak_rps"},
        NotRead{"We deploy 3 times a day.", "peak_rps"},
        NotRead{"I've got 99 problems", "availability_slo"},
        NotRead{"95% reads", "availability_slo"},
        NotRead{"We need 99.9% of something.", "availability_slo"},
        NotRead{"This report query takes 30 seconds", "latency_p99_ms"},
        NotRead{"retry after 5 seconds", "latency_p99_ms"},
        NotRead{"10,000 people use the app", "team_size"},
        NotRead{"2.5 engineers", "team_size"},
        NotRead{"6 team members", "team_count"},
        NotRead{"in order to scale", "needs_ordering"},
        NotRead{"the order service owns orders", "needs_ordering"},
        NotRead{"JVM startup time is slow", "early_stage"},
        NotRead{"our data is messy", "cloud"},
        NotRead{"when one service is slow", "planned_services"},
        NotRead{"several services", "planned_services"},
        NotRead{"Should we use GraphQL?", "data_shape"},
        NotRead{"Java or Go?", "polyglot"},
        NotRead{"How do we set up metrics and tracing?", "data_shape"},
        NotRead{"99.9% test coverage", "availability_slo"},
        NotRead{"SLO is 300 ms", "availability_slo"},
        NotRead{"latency SLO of 99 ms", "availability_slo"},
        NotRead{"Our checkout takes 2 seconds per request", "latency_p99_ms"},
        NotRead{"Our service falls over when the recommendation service is slow.",
                "data_shape"}));

}  // namespace
}  // namespace agentd
