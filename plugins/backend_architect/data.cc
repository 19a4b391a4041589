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

// The data shape, from the situations that imply one when the shape itself
// was not named (or was named relational by "joins" that are the problem):
// walking relationships is a graph, an append-only series a time series,
// access by key only a key-value store, records that differ a document.
v1::DataShape EffectiveShape(const v1::Requirements& r) {
  if (r.relationship_traversal()) return v1::DATA_SHAPE_GRAPH;
  const bool open = r.data_shape() == v1::DATA_SHAPE_UNSPECIFIED ||
                    r.data_shape() == v1::DATA_SHAPE_RELATIONAL;
  if (!open) return r.data_shape();
  const bool strong = r.consistency() == v1::CONSISTENCY_STRONG;
  if (r.append_only_series() && !strong) return v1::DATA_SHAPE_TIME_SERIES;
  if (r.data_shape() == v1::DATA_SHAPE_RELATIONAL) return r.data_shape();
  if (r.key_access_only()) return v1::DATA_SHAPE_KEY_VALUE;
  if (r.varied_records()) return v1::DATA_SHAPE_DOCUMENT;
  return r.data_shape();
}

constexpr int kManyInstances = 20;
constexpr int kManyConnections = 300;

int TotalConnections(const v1::Requirements& r) {
  return r.has_instance_count() && r.has_connections_per_instance()
             ? r.instance_count() * r.connections_per_instance()
             : 0;
}

// The database's connections are the problem, or soon will be.
bool ConnectionsStrained(const v1::Requirements& r) {
  return r.connections_exhausted() || (r.has_instance_count() && r.instance_count() >= kManyInstances) ||
         TotalConnections(r) >= kManyConnections;
}

std::string ConnectionsWhy(const v1::Requirements& r) {
  if (TotalConnections(r) > 0) {
    return absl::StrCat(r.instance_count(), " instances x ", r.connections_per_instance(),
                        " connections = ", TotalConnections(r),
                        " server connections, each costing the database memory and a process");
  }
  if (r.has_instance_count()) {
    return absl::StrCat(r.instance_count(), " instances each holding their own pool ",
                        r.connections_exhausted() ? "already exhaust" : "would exhaust",
                        " database connections");
  }
  if (r.connections_exhausted()) return "the database already runs out of connections";
  return "horizontally scaled instances each holding their own pool would exhaust database "
         "connections";
}

// Writes dominate, or come in bursts whose last seconds may be lost; never
// when the caller said a loss is not acceptable.
bool WriteBehindFits(const v1::Requirements& r) {
  if (r.has_write_loss_ok() && !r.write_loss_ok()) return false;
  return r.write_heavy() || (r.write_loss_ok() && (r.bursty() || r.has_peak_rps()));
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
  if (ctx.redis && r.cache_under_load()) {
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
  } else if (WriteBehindFits(r) && !strong && !ctx.money && !writes_absorbed) {
    choices.cache_pattern = "write_behind";
    why = r.write_loss_ok()
              ? "Write-behind: writes come in bursts and losing the last seconds of them is "
                "acceptable, so the cache absorbs writes and flushes to the database in batches. "
                "Never for money."
              : "Write-behind: writes dominate and a short loss window is acceptable, so the "
                "cache absorbs writes and flushes to the database in batches. Never for money.";
  } else if ((strong && ReadHeavy(r)) || (r.read_after_write() && !r.stale_reads_ok())) {
    choices.cache_pattern = "write_through";
    why = r.read_after_write()
              ? "Write-through: a read must see the write just made, so every write updates "
                "database and cache together; writes get slower, reads never see the old value."
              : "Write-through: reads are heavy and must see writes immediately (strong "
                "consistency), so every write updates database and cache together.";
  } else if (ctx.hot_keys) {
    choices.cache_pattern = "refresh_ahead";
    why = absl::StrCat(
        "Refresh-ahead: a few hot keys read at predictable times",
        r.has_latency_p99_ms()
            ? absl::StrCat(" with a p99 target of ", FormatNumber(r.latency_p99_ms()), " ms")
            : std::string(),
        "; refreshing them before expiry keeps misses (and the rebuild wait) off the hot path.");
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
  bool freshness = strong || (r.has_stale_reads_ok() && !r.stale_reads_ok());
  bool has_broker = choices.broker != "none" && !choices.broker.empty();
  if (ctx.immutable_content) {
    choices.invalidation = "version";
    why = "Version-based: content is immutable per version, so the version goes in the key and "
          "nothing is ever invalidated.";
  } else if (r.changes_published()) {
    choices.invalidation = "event";
    why = "Event-based: every change is already published as an event; a consumer deletes the "
          "affected keys the moment it arrives. Keep a TTL as a safety net for missed events.";
  } else if (ctx.grouped_content) {
    choices.invalidation = "tag";
    why = "Tag-based: one change touches a group of entries (pages, fragments, API responses); "
          "tagging them lets one purge remove the group, at the CDN and in the application "
          "cache.";
  } else if (has_broker && freshness) {
    choices.invalidation = "event";
    why = absl::StrCat("Event-based: freshness matters and ", DisplayName(choices.broker),
                       " already carries change events; a consumer deletes the affected keys. "
                       "Keep a TTL as a safety net for missed events.");
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
  switch (EffectiveShape(r)) {
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
  if (writes > kShardingWritesPerSecond || cassandra_like || r.writes_beyond_one_node() ||
      (r.write_heavy() && r.has_peak_rps() && r.peak_rps() > kShardingWritesPerSecond)) {
    scaling.push_back("sharding");
    scaling_text.push_back(
        cassandra_like
            ? "Sharding: built in (partition key + time bucket); size partitions below ~100 MB."
        : writes > kShardingWritesPerSecond
            ? absl::StrCat("Sharding: ", FormatQuantity(writes), " writes/s (", writes_basis,
                           ") is beyond one primary (~", FormatCount(kShardingWritesPerSecond),
                           "/s); shard by a hash of the tenant or customer id.")
            : std::string("Sharding: write volume is beyond one primary; shard by a hash of "
                          "the tenant or customer id (or by region where data must stay in "
                          "one)."));
  } else if (r.has_peak_rps()) {
    scaling_text.push_back(absl::StrCat(
        "No sharding: at most ", FormatQuantity(writes), " writes/s (", writes_basis,
        "), well within one primary (~", FormatCount(kShardingWritesPerSecond), "/s)."));
  }
  // Pooling when connections are the problem, or as the first step when
  // nothing else is needed; read replicas or sharding alone otherwise.
  if (choices.sql && (ConnectionsStrained(r) || scaling.empty())) {
    scaling.push_back("connection_pooling");
    scaling_text.push_back(absl::StrCat(
        "Connection pooling: ", ConnectionsWhy(r), "; ",
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
