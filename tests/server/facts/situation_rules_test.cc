// The situations behind the seed's rules, read from plain words
// (server/facts/situation_rules.cc): each phrasing yields its fact with the
// quote it came from, and a denial yields the opposite or nothing.
#include "gtest/gtest.h"
#include "tests/server/facts/phrase_tests.h"

namespace agentd {
namespace {

INSTANTIATE_TEST_SUITE_P(
    SituationCaching, ReadsPhraseTest,
    testing::Values(
        Phrase{"a couple of seconds of staleness is acceptable", "stale_reads_ok", "true",
                  "staleness is acceptable"},
        Phrase{"prices must always be fresh", "stale_reads_ok", "false", "prices"},
        Phrase{"the reload has to reflect the save immediately", "read_after_write", "true",
                  "reflect the save immediately"},
        Phrase{"losing the last second of progress on a crash is fine", "write_loss_ok", "true",
                  "losing the last"},
        Phrase{"we can't afford losing a second of payments", "write_loss_ok", "false",
                  "losing a second"},
        Phrase{"it's always the same 50 currency pairs", "hot_keys", "true",
                  "same 50 currency pairs"},
        Phrase{"we want them never to go cold", "hot_keys", "true", "never to go cold"},
        Phrase{"every change is already emitted on the bus", "changes_published", "true",
                  "already emitted"},
        Phrase{"bundles never change once published", "immutable_content", "true",
                  "never change once"},
        Phrase{"purge every cached page of the store", "grouped_invalidation", "true",
                  "purge every cached"}));

INSTANTIATE_TEST_SUITE_P(
    SituationData, ReadsPhraseTest,
    testing::Values(
        Phrase{"each article has a different nested structure", "varied_records", "true",
                  "different nested structure"},
        Phrase{"sessions are fetched by token, nothing else", "key_access_only", "true",
                  "fetched by token"},
        Phrase{"we traverse 3-4 hops of follows", "relationship_traversal", "true", "traverse"},
        Phrase{"rows are only ever appended", "append_only_series", "true", "appended"},
        Phrase{"we do not need append-only storage", "append_only_series", "false",
                  "append-only"},
        Phrase{"write volume has outgrown the biggest instance we can buy",
                  "writes_beyond_one_node", "true",
                  "write volume has outgrown"},
        Phrase{"~150 Puma workers across 30 containers", "instance_count", "150",
                  "150 Puma workers"},
        Phrase{"60 pods, each opening 25 connections", "connections_per_instance", "25",
                  "each opening 25 connections"},
        Phrase{"we keep hitting max_connections", "connections_exhausted", "true",
                  "max_connections"}));

INSTANTIATE_TEST_SUITE_P(
    SituationMessaging, ReadsPhraseTest,
    testing::Values(
        Phrase{"re-run the last 30 days of card transactions", "needs_replay", "true",
                  "re-run"},
        Phrase{"we do NOT need replay", "needs_replay", "false", "replay"},
        Phrase{"push the events through the new model again", "needs_replay", "true",
                  "through the new model again"},
        Phrase{"consumers bind with wildcard patterns", "complex_routing", "true",
                  "wildcard"},
        Phrase{"what did the plan look like last Tuesday at 3pm?", "temporal_queries", "true",
                  "look like last Tuesday"},
        Phrase{"browse pages need denormalized documents", "separate_read_model", "true",
                  "denormalized"},
        Phrase{"support can never tell where a booking got stuck", "central_flow_view",
                  "true", "where a booking got stuck"},
        Phrase{"we don't want a 'boss' service", "no_coordinator", "true", "don't want a 'boss"},
        Phrase{"a short 3-step flow", "saga_steps", "3", "3-step"},
        Phrase{"each with its own compensation step", "compensating_steps", "true",
                  "compensation"}));

INSTANTIATE_TEST_SUITE_P(Situations, DoesNotReadTest,
                         testing::Values(NotRead{"we want a central coordinator", "no_coordinator"}));

}  // namespace
}  // namespace agentd
