// Caching Strategy and Database Architecture.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

constexpr double kReadHeavyRatio = 0.7;
constexpr double kShardingWritesPerSecond = 5000;

bool ReadHeavy(const v1::Requirements& r) {
  return r.has_read_ratio() ? r.read_ratio() >= kReadHeavyRatio : !r.write_heavy();
}

}  // namespace

void CachingStrategy(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("caching_strategy", "Caching Strategy");
  if (!r.has_read_ratio() && !r.write_heavy()) {
    out.Assume("read_ratio", "Read/write mix not stated: assumed read-heavy (>= 70% reads), as "
                             "most web backends are.",
               {"read_ratio"});
  }
  bool strong = r.consistency() == v1::CONSISTENCY_STRONG;
  std::string store = ctx.memcached ? "Memcached" : "Redis";

  out.AddItem(section, "Layers", "");
  std::string cdn;
  if (ctx.grouped_content) {
    cdn = "L1 (CDN): product and category pages and their images at the edge with a short "
          "max-age, purged by tag when a product changes.";
  } else if (ctx.immutable_content) {
    cdn = "L1 (CDN): versioned assets with a long max-age (immutable): a new version is a new URL.";
  } else {
    cdn = "L1 (CDN): static assets and public GET responses with a short max-age; personalised "
          "and write paths bypass the edge.";
  }
  out.AddItem(section, "", cdn);
  std::string l2 = absl::StrCat("L2 (Application): ", store,
                                " shared by all instances for hot reads and sessions; "
                                "eviction allkeys-lfu, memory kept below 75%.");
  if (ctx.Mentions("redis") && ctx.MentionsAny({"load", "slow", "degrad", "latency"})) {
    absl::StrAppend(&l2, " Redis under load: put a small in-process near cache (a few seconds "
                         "of TTL) in front of the hottest keys, coalesce concurrent misses "
                         "(single-flight) so one miss does not become a stampede, add jitter to "
                         "TTLs so keys do not expire together, pipeline multi-key reads, and "
                         "look for big keys and a saturated single core before adding nodes "
                         "(then Redis Cluster).");
  }
  out.AddItem(section, "", l2);
  out.AddItem(section, "",
              "L3 (Database): materialized views for expensive aggregates; query results cached "
              "in the application, since PostgreSQL has no query cache and MySQL 8 removed its own.");

  // Pattern. A write stream that a log or a time-series store already
  // absorbs gains nothing from write-behind but its loss window.
  bool writes_absorbed = ctx.ingest || r.data_shape() == v1::DATA_SHAPE_TIME_SERIES;
  std::string why;
  if (ctx.money && strong) {
    choices.cache_pattern = "cache_aside";
    why = "Cache-aside for reference and read-mostly data only (account details, currencies, "
          "limits, rates): read the cache, on a miss read the database and fill it; on a write "
          "update the database, then delete the key. Balances and anything a payment decision "
          "reads come from the primary (or a projection read with its version), never from a "
          "cache that may be stale.";
  } else if (r.write_heavy() && !strong && !ctx.money && !writes_absorbed) {
    choices.cache_pattern = "write_behind";
    why = "Write-behind: writes dominate and a short loss window is acceptable, so the cache "
          "absorbs writes and flushes to the database in batches. Never for money.";
  } else if (strong && ReadHeavy(r)) {
    choices.cache_pattern = "write_through";
    why = "Write-through: reads are heavy and must see writes immediately (strong consistency), "
          "so every write updates database and cache together.";
  } else if (ctx.hot_keys && r.has_latency_p99_ms()) {
    choices.cache_pattern = "refresh_ahead";
    why = absl::StrCat("Refresh-ahead: a few hot keys with predictable access and a p99 target "
                       "of ",
                       FormatNumber(r.latency_p99_ms()),
                       " ms; refreshing before expiry keeps misses off the hot path.");
  } else {
    choices.cache_pattern = "cache_aside";
    why = "Cache-aside: read the cache, on a miss read the database and fill the cache; on a "
          "write update the database, then delete the key. Only what is read gets cached, and a "
          "cache outage degrades to database reads instead of failing.";
    if (r.write_heavy() && ctx.money) {
      absl::StrAppend(&why, " Write-behind is ruled out despite the write load: money cannot "
                            "sit in a loss window.");
    } else if (r.write_heavy() && writes_absorbed) {
      absl::StrAppend(&why, " Writes bypass the cache: the ",
                      ctx.ingest ? "ingest log and the " : "",
                      "write-optimised store absorb them, and write-behind would only add a loss "
                      "window; the cache serves the read side (latest values, dashboard queries) "
                      "with TTLs matching the aggregation interval.");
    }
  }
  out.AddItem(section, "Pattern", why,
              {"read_ratio", "write_heavy", "consistency", "latency_p99_ms"});
  out.Decide("caching.pattern", choices.cache_pattern, why, r.has_read_ratio() ? 0.8 : 0.65,
             {"read_ratio", "write_heavy", "consistency", "latency_p99_ms"});

  // Invalidation.
  bool freshness = strong || ctx.MentionsAny({"fresh", "stale", "real-time", "real time",
                                              "inventory", "stock", "price"});
  bool has_broker = choices.broker != "none" && !choices.broker.empty();
  if (ctx.immutable_content) {
    choices.invalidation = "version";
    why = "Version-based: content is immutable per version, so the version goes in the key and "
          "nothing is ever invalidated.";
  } else if (has_broker && freshness) {
    choices.invalidation = "event";
    why = absl::StrCat("Event-based: freshness matters and ", DisplayName(choices.broker),
                       " already carries change events; a consumer deletes the affected keys. "
                       "Keep a TTL as a safety net for missed events.");
  } else if (ctx.grouped_content) {
    choices.invalidation = "tag";
    why = "Tag-based: a product change touches many entries (product page, category listings, "
          "search results); tagging them lets one purge remove the group, at the CDN and in the "
          "application cache.";
  } else {
    choices.invalidation = "ttl";
    why = "TTL-based: simple and self-healing; pick TTLs per data type by how stale it may be "
          "(seconds for stock, minutes for profiles), with jitter.";
  }
  out.AddItem(section, "Invalidation", why, {"consistency"});
  out.Decide("caching.invalidation", choices.invalidation, why, 0.7, {"consistency"});
}

void DatabaseArchitecture(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  v1::Section* section = out.AddSection("database_architecture", "Database Architecture");
  bool aws = r.cloud() == v1::CLOUD_PROVIDER_AWS;
  bool strong = r.consistency() == v1::CONSISTENCY_STRONG;
  std::string why;
  double confidence = 0.8;
  switch (r.data_shape()) {
    case v1::DATA_SHAPE_DOCUMENT:
      if (aws && r.ops_maturity() == v1::OPS_MATURITY_LOW) {
        choices.database = "dynamodb";
        why = "DynamoDB: document-shaped data with a flexible schema, on AWS with low ops "
              "maturity; fully managed. Design the partition key around the access patterns "
              "first.";
      } else {
        choices.database = "mongodb";
        why = "MongoDB: document-shaped data with nested structures and a flexible schema; "
              "transactions are cheapest within one document, so shape documents around what "
              "changes together.";
      }
      break;
    case v1::DATA_SHAPE_KEY_VALUE:
      if (aws) {
        choices.database = "dynamodb";
        why = "DynamoDB: simple key lookups, durable and managed on AWS.";
      } else {
        choices.database = "redis";
        why = "Redis: simple key lookups and session-style data at memory speed; enable AOF "
              "persistence and a replica if it is the system of record.";
      }
      break;
    case v1::DATA_SHAPE_TIME_SERIES:
      if (r.has_latency_p99_ms() && r.latency_p99_ms() <= 20) {
        choices.database = "scylladb";
        why = absl::StrCat("ScyllaDB: time-series, write-heavy wide rows with a p99 target of ",
                           FormatNumber(r.latency_p99_ms()),
                           " ms; Cassandra-compatible with lower tail latency.");
      } else {
        choices.database = "cassandra";
        why = "Cassandra: time-series and write-heavy wide rows, partitioned by key and time "
              "bucket; scales writes linearly.";
      }
      break;
    case v1::DATA_SHAPE_GRAPH:
      choices.database = "neo4j";
      why = "Neo4j: relationship-heavy data whose queries walk many hops (recommendations, "
            "social graphs), which joins would make slow.";
      break;
    default: {
      choices.database = ctx.mysql ? "mysql" : "postgresql";
      std::string engine = ctx.mysql ? "MySQL (already run by the team)" : "PostgreSQL";
      std::vector<std::string> because;
      if (r.data_shape() == v1::DATA_SHAPE_RELATIONAL) because.push_back("relational data with joins");
      if (strong) because.push_back("ACID transactions (strong consistency)");
      if (ctx.money) because.push_back("money/orders need transactional integrity");
      if (r.distributed_transaction()) because.push_back("multi-step business transactions");
      if (because.empty()) {
        because.push_back("no need for another model is stated; a relational database covers "
                          "joins, transactions and ad-hoc queries");
        confidence = 0.6;
        out.Assume("data_shape", "Data shape not stated: assumed relational.", {"data_shape"});
      }
      why = absl::StrCat(engine, ": ", absl::StrJoin(because, ", "), ".");
      break;
    }
  }
  choices.sql = choices.database == "postgresql" || choices.database == "mysql";
  if (r.consistency() == v1::CONSISTENCY_UNSPECIFIED) {
    out.Assume("consistency",
               ctx.money ? "Consistency not stated: money/orders are involved, so writes are "
                           "assumed to need strong (ACID) consistency."
                         : "Consistency not stated: writes assumed transactional; cached and "
                           "replica reads may be seconds stale.",
               {"consistency"});
  }
  out.AddItem(section, "Primary Database", DisplayName(choices.database),
              {"data_shape", "consistency", "cloud", "ops_maturity", "latency_p99_ms"}, why);
  out.Decide("database.primary", choices.database, why, confidence,
             {"data_shape", "consistency", "cloud", "ops_maturity"});

  // Scaling.
  std::vector<std::string> scaling, scaling_text;
  if (r.has_read_ratio() && r.read_ratio() >= kReadHeavyRatio) {
    scaling.push_back("read_replicas");
    scaling_text.push_back(absl::StrCat(
        "Read replicas: ", FormatNumber(r.read_ratio() * 100),
        "% of traffic is reads; route reads that tolerate replica lag to replicas, "
        "read-your-writes to the primary."));
  }
  double writes = 0;
  std::string writes_basis;
  if (r.has_peak_rps()) {
    writes = r.has_read_ratio() ? r.peak_rps() * (1 - r.read_ratio()) : r.peak_rps();
    writes_basis = r.has_read_ratio() ? "peak x write share" : "every request counted as a write";
  }
  bool cassandra_like = choices.database == "cassandra" || choices.database == "scylladb";
  if (writes > kShardingWritesPerSecond || cassandra_like ||
      (r.write_heavy() && r.has_peak_rps() && r.peak_rps() > kShardingWritesPerSecond)) {
    scaling.push_back("sharding");
    scaling_text.push_back(
        cassandra_like
            ? "Sharding: built in (partition key + time bucket); size partitions below ~100 MB."
            : absl::StrCat("Sharding: ", FormatQuantity(writes), " writes/s (", writes_basis,
                           ") is beyond one primary (~", FormatCount(kShardingWritesPerSecond),
                           "/s); shard by a hash of the tenant or customer id."));
  } else if (r.has_peak_rps()) {
    scaling_text.push_back(absl::StrCat(
        "No sharding: at most ", FormatQuantity(writes), " writes/s (", writes_basis,
        "), well within one primary (~", FormatCount(kShardingWritesPerSecond), "/s)."));
  }
  if (choices.sql) {
    scaling.push_back("connection_pooling");
    scaling_text.push_back(absl::StrCat(
        "Connection pooling: horizontally scaled instances each holding their own pool would "
        "exhaust database connections; ",
        choices.database == "mysql" ? "ProxySQL" : "PgBouncer (transaction mode)",
        " keeps the server pool small."));
  }
  for (const std::string& t : scaling_text) {
    out.AddItem(section, "", t, {"read_ratio", "peak_rps", "write_heavy"});
  }
  choices.db_scaling = scaling;
  if (!scaling.empty()) {
    out.Decide("database.scaling", absl::StrJoin(scaling, ","),
               absl::StrJoin(scaling_text, " "), r.has_read_ratio() && r.has_peak_rps() ? 0.8 : 0.6,
               {"read_ratio", "peak_rps", "write_heavy"});
  }
}

}  // namespace agentd::backend_architect::internal
