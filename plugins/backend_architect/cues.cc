// The names the section builders use, derived from the Requirements alone.
#include <algorithm>
#include <string>

#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

// How a dependency is named in resilience advice; "" for values without one.
const char* DependencyName(int dependency) {
  switch (dependency) {
    case v1::DEPENDENCY_PAYMENT_PROVIDER: return "payment provider";
    case v1::DEPENDENCY_INVENTORY: return "inventory";
    case v1::DEPENDENCY_SHIPPING: return "shipping";
    case v1::DEPENDENCY_RECOMMENDATIONS: return "recommendation service";
    case v1::DEPENDENCY_SEARCH: return "search";
    case v1::DEPENDENCY_PRICING: return "pricing";
    case v1::DEPENDENCY_FRAUD_CHECK: return "fraud check";
    case v1::DEPENDENCY_HOTEL_BOOKING: return "hotel booking";
    case v1::DEPENDENCY_FLIGHT_BOOKING: return "flight booking";
    case v1::DEPENDENCY_CAR_RENTAL: return "car rental";
    case v1::DEPENDENCY_WEBHOOK_RECEIVERS: return "webhook receivers";
    case v1::DEPENDENCY_EMAIL_PROVIDER: return "email provider";
    case v1::DEPENDENCY_NOTIFICATION_SERVICE: return "notification service";
    case v1::DEPENDENCY_REDIS: return "Redis";
    case v1::DEPENDENCY_THIRD_PARTY_APIS: return "third-party APIs";
    default: return "";
  }
}

const char* UnitName(v1::ThroughputUnit unit) {
  switch (unit) {
    case v1::THROUGHPUT_UNIT_ORDERS: return "orders";
    case v1::THROUGHPUT_UNIT_PAYMENTS: return "payments";
    case v1::THROUGHPUT_UNIT_MESSAGES: return "messages";
    case v1::THROUGHPUT_UNIT_EVENTS: return "events";
    case v1::THROUGHPUT_UNIT_JOBS: return "jobs";
    default: return "requests";
  }
}

}  // namespace

void Context::DeriveCues() {
  // Enum order is report order; a caller may list a value twice.
  std::vector<int> named(req.downstreams().begin(), req.downstreams().end());
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  for (int d : named) {
    if (*DependencyName(d) != '\0') downstreams.emplace_back(DependencyName(d));
  }
  unit = UnitName(req.throughput_unit());
  money = req.handles_money();
  grouped_content = req.grouped_invalidation();
  immutable_content = req.immutable_content();
  hot_keys = req.hot_keys();
  event_driven = req.event_streaming();
  async_cue = event_driven || req.async_work();
  separate_read_model = req.separate_read_model();
  mysql = req.current_database() == v1::DATASTORE_MYSQL;
  memcached = req.current_cache() == v1::DATASTORE_MEMCACHED;
  redis = req.current_cache() == v1::DATASTORE_REDIS ||
          std::count(named.begin(), named.end(), v1::DEPENDENCY_REDIS) > 0;
  temporal_queries = req.temporal_queries();
  compensation = req.compensating_steps();
  existing_services = req.services_call_each_other();
  ingest = req.append_only_series();
  for (int topic : req.topics()) {
    architecture_topic |= topic == v1::TOPIC_ARCHITECTURE;
    cache_topic |= topic == v1::TOPIC_CACHING;
    resilience_topic |= topic == v1::TOPIC_RESILIENCE;
  }
}

}  // namespace agentd::backend_architect::internal
