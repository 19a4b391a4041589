// ConnectionPool<Connection>: database connections lent out one caller at
// a time, for the stores' reads (SQLite's read-only connections,
// PostgreSQL's pool). The pool owns the connections; a Lease hands one back
// when it goes out of scope. Thread-safe; a leased connection is used by
// its holder alone.
#ifndef AGENTD_DB_CONNECTION_POOL_H_
#define AGENTD_DB_CONNECTION_POOL_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace agentd {

template <typename Connection>
class ConnectionPool {
 public:
  explicit ConnectionPool(std::vector<std::unique_ptr<Connection>> connections)
      : free_(std::move(connections)) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(std::move(conn_)); }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Blocks until a connection is free.
  Lease Acquire() {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !free_.empty(); };
    mu_.Await(absl::Condition(&available));
    std::unique_ptr<Connection> conn = std::move(free_.back());
    free_.pop_back();
    return Lease(this, std::move(conn));
  }

 private:
  void Release(std::unique_ptr<Connection> conn) {
    absl::MutexLock lock(&mu_);
    free_.push_back(std::move(conn));
  }

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agentd

#endif  // AGENTD_DB_CONNECTION_POOL_H_
