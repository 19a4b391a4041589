// What the caller's system already is and what the question is about: the
// read/write mix, money, event streams and background work, the stores
// already run, the dependencies named, what throughput counts, and the
// topics asked about. The engine reads these fields instead of the text.
#include "agentd/v1/review.pb.h"
#include "server/facts/fact_rules.h"

namespace agentd::facts_internal {
namespace {

double Percent(const std::vector<double>& v) { return v[0] / 100; }
double RestPercent(const std::vector<double>& v) { return 1 - v[0] / 100; }
double ShareOfFirst(const std::vector<double>& v) {
  return v[0] + v[1] > 0 ? v[0] / (v[0] + v[1]) : kNoValue;
}
// "reads are about 20x writes": 20 reads to one write.
double TimesAsMany(const std::vector<double>& v) {
  return v[0] > 0 ? v[0] / (v[0] + 1) : kNoValue;
}

void ReadRatioTable(std::vector<FieldRules>& t) {
  t.push_back({.field = "read_ratio", .min = 0, .max = 1, .rules = {
      Num("# %|percent of? {traffic}? {traffic}? _? is|are? "
          "reads|read|selects|select|lookups",
          Percent),
      Num("# %|percent of? {traffic}? {traffic}? is|are? writes|write",
          RestPercent),
      Num("# %|percent of? all? queries|statements|requests|calls|traffic "
          "are|is ..2 reads|selects|lookups",
          Percent),
      Num("# /|:|to # read|reads /|:|to write|writes", ShareOfFirst),
      Num("reads|read :|is|are|at # %|percent", Percent),
      Num("read|reads /|:|to write|writes ratio? of|is|:? # /|:|to #",
          ShareOfFirst),
      Num("reads|browsing|lookups outnumber writes|updates|inserts # :|/|to #",
          ShareOfFirst),
      Num("reads|browsing are|is about|roughly|around? # x|times writes|the",
          TimesAsMany),
      Num("# x|times more reads|lookups than writes", TimesAsMany),
      Num("# times the write", TimesAsMany),
      Is("read heavy|intensive|dominated|dominant|mostly", 0.9, 1),
      Is("mostly|predominantly|primarily|largely reads|read", 0.9, 1),
      Is("write heavy|intensive", 0.3, 1),
      Is("mostly|predominantly|primarily|largely writes", 0.3, 1),
  }});
}

void WorkloadTables(std::vector<FieldRules>& t) {
  t.push_back({.field = "handles_money", .min = 0, .max = 1, .rules = {
      Yes("payment|payments|money|ledger|ledgers|balance|balances|billing|"
          "invoice|invoices|wallet|wallets|checkout|booking|bookings|orders"),
      Yes("order processing"),
  }});
  t.push_back({.field = "event_streaming", .min = 0, .max = 1, .rules = {
      Yes("event driven"),
      Yes("event streaming|stream|streams"),
      Yes("publish|publishes|publisher|publishers|subscribe|subscribes|"
          "subscriber|subscribers|subscription|subscriptions"),
      Yes("at their own pace"),
      Yes("several|many|multiple|new consumers|subscribers"),
      Yes("fan out|fanout"),
      Yes("read|reads|consume|consumes the same|full stream|feed|log"),
  }});
  t.push_back({.field = "async_work", .min = 0, .max = 1, .rules = {
      Yes("queue|queues|queued|queueing|queuing|async|asynchronous|"
          "asynchronously|background|job|jobs|webhook|webhooks|worker|"
          "workers|kafka|rabbitmq|sqs|pubsub|broker|brokers|saga|sagas|"
          "notification|notifications|email|emails|messaging"),
      Yes("pub / sub"),
  }});
  t.push_back({.field = "services_call_each_other", .min = 0, .max = 1, .rules = {
      Yes("synchronous|sync rest"),
      Yes("between services"),
      Yes("our services"),
      Yes("service to service"),
      Yes("services call"),
  }});
  t.push_back({.field = "current_database", .rules = {
      Is("mysql|mariadb", v1::DATASTORE_MYSQL),
      Is("postgres|postgresql", v1::DATASTORE_POSTGRESQL),
      Is("mongodb|mongo", v1::DATASTORE_MONGODB),
      Is("cassandra", v1::DATASTORE_CASSANDRA),
  }});
  t.push_back({.field = "current_cache", .rules = {
      Is("redis", v1::DATASTORE_REDIS),
      Is("memcached|memcache", v1::DATASTORE_MEMCACHED),
  }});
  t.push_back({.field = "cache_under_load", .min = 0, .max = 1, .rules = {
      Yes("redis|memcached|cache ..3 under|overloaded|saturated|slow|"
          "struggling|maxed|degrades"),
      Yes("degrade|degrades|slow|slows ..4 redis|memcached|cache"),
  }});
}

void QuestionTables(std::vector<FieldRules>& t) {
  using namespace v1;  // NOLINT: the enum values read as a table
  t.push_back({.field = "downstreams", .pick = Pick::kAll, .rules = {
      Is("payment|payments", DEPENDENCY_PAYMENT_PROVIDER),
      Is("inventory", DEPENDENCY_INVENTORY),
      Is("shipping", DEPENDENCY_SHIPPING),
      Is("recommendation|recommendations", DEPENDENCY_RECOMMENDATIONS),
      Is("search|searches", DEPENDENCY_SEARCH),
      Is("pricing", DEPENDENCY_PRICING),
      Is("fraud", DEPENDENCY_FRAUD_CHECK),
      Is("hotel|hotels", DEPENDENCY_HOTEL_BOOKING),
      Is("flight|flights", DEPENDENCY_FLIGHT_BOOKING),
      Is("car|cars", DEPENDENCY_CAR_RENTAL),
      Is("webhook|webhooks", DEPENDENCY_WEBHOOK_RECEIVERS),
      Is("email|emails", DEPENDENCY_EMAIL_PROVIDER),
      Is("notification|notifications", DEPENDENCY_NOTIFICATION_SERVICE),
      Is("redis", DEPENDENCY_REDIS),
      Is("third party", DEPENDENCY_THIRD_PARTY_APIS),
  }});
  // The first kind named in this order: orders before payments before
  // messages, events and jobs.
  t.push_back({.field = "throughput_unit", .rules = {
      Is("orders|checkout|checkouts", THROUGHPUT_UNIT_ORDERS, 0),
      Is("order processing", THROUGHPUT_UNIT_ORDERS, 0),
      Is("payment|payments|transaction|transactions", THROUGHPUT_UNIT_PAYMENTS,
         1),
      Is("message|messages|messaging", THROUGHPUT_UNIT_MESSAGES, 2),
      Is("event|events", THROUGHPUT_UNIT_EVENTS, 3),
      Is("job|jobs", THROUGHPUT_UNIT_JOBS, 4),
  }});
  t.push_back({.field = "topics", .pick = Pick::kAll, .rules = {
      Is("monolith|monoliths|monolithic|microservice|microservices|"
         "deployable|services",
         TOPIC_ARCHITECTURE),
      Is("cache|caches|cached|caching|redis|memcached", TOPIC_CACHING),
      Is("resilience|resilient|circuit|circuits|retry|retries|timeout|"
         "timeouts|cascade|cascading",
         TOPIC_RESILIENCE),
      Is("falls over", TOPIC_RESILIENCE),
  }});
}

}  // namespace

void AddSystemTables(std::vector<FieldRules>* tables) {
  ReadRatioTable(*tables);
  WorkloadTables(*tables);
  QuestionTables(*tables);
}

}  // namespace agentd::facts_internal
