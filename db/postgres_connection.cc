#include "db/postgres_connection.h"

#include <endian.h>

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "db/libpq_on_demand.h"
#include "spdlog/spdlog.h"

namespace agentd::pg {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Unreachable(PGconn* conn, const std::string& name, std::string_view what) {
  std::string detail = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  spdlog::warn("session store {}: {}: {}", name, what, detail);
  return absl::UnavailableError(
      absl::StrCat("session store ", name, ": ", AV(what), ": cannot reach the PostgreSQL server"));
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return absl::StartsWith(AV(url), "postgresql://") || absl::StartsWith(AV(url), "postgres://");
}

std::string DisplayName(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "postgresql://(unparsable URL)";
  }
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) dbname = o->val;
  }
  PQconninfoFree(options);
  if (!host.empty() && host[0] == '/') host = "(unix socket)";
  return absl::StrCat("postgresql://", host, ":", port, "/", dbname);
}

absl::StatusCode CodeForSqlState(std::string_view state) {
  if (state.size() != 5) return absl::StatusCode::kInternal;
  std::string_view cls = state.substr(0, 2);
  if (cls == "08" || cls == "57" || cls == "40" || state == "25006" || state == "55P03" ||
      state == "53300") {
    return absl::StatusCode::kUnavailable;  // connection, shutdown, conflicts, read-only, locks
  }
  if (cls == "53" || cls == "54") return absl::StatusCode::kResourceExhausted;
  if (state == "23505") return absl::StatusCode::kAlreadyExists;
  if (cls == "23") return absl::StatusCode::kFailedPrecondition;
  if (cls == "22") return absl::StatusCode::kInvalidArgument;
  if (state == "XX001" || state == "XX002") return absl::StatusCode::kDataLoss;
  return absl::StatusCode::kInternal;
}

absl::Status PgError(const PGresult* result, PGconn* conn, const std::string& name, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr || PQstatus(conn) != CONNECTION_OK) return Unreachable(conn, name, what);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  return absl::Status(CodeForSqlState(state),
                      absl::StrCat("session store ", name, ": ", AV(what), ": ",
                                   primary != nullptr ? primary : "error", " (SQLSTATE ", state, ")"));
}

// ---- Params / Result --------------------------------------------------------

Params& Params::Text(std::string_view value) {
  values_.push_back(Value{std::string(value), {}, false, false});
  return *this;
}
Params& Params::Blob(std::string_view value) {
  values_.push_back(Value{{}, value, true, false});
  return *this;
}
Params& Params::Int(int64_t value) { return Text(std::to_string(value)); }
Params& Params::Double(double value) {
  values_.push_back(Value{absl::StrCat(value), {}, false, false});
  return *this;
}
Params& Params::Null() {
  values_.push_back(Value{{}, {}, false, true});
  return *this;
}

int64_t Result::Int(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  switch (PQgetlength(result_.get(), row, col)) {
    case 2: {
      uint16_t x;
      std::memcpy(&x, v, 2);
      return static_cast<int16_t>(be16toh(x));
    }
    case 4: {
      uint32_t x;
      std::memcpy(&x, v, 4);
      return static_cast<int32_t>(be32toh(x));
    }
    case 8: {
      uint64_t x;
      std::memcpy(&x, v, 8);
      return static_cast<int64_t>(be64toh(x));
    }
    default:
      return 0;  // NULL
  }
}

double Result::Double(int row, int col) const {
  if (PQgetlength(result_.get(), row, col) != 8) return 0;
  uint64_t bits;
  std::memcpy(&bits, PQgetvalue(result_.get(), row, col), 8);
  bits = be64toh(bits);
  double value;
  std::memcpy(&value, &bits, 8);
  return value;
}

bool Result::Bool(int row, int col) const {
  return PQgetlength(result_.get(), row, col) == 1 && PQgetvalue(result_.get(), row, col)[0] != 0;
}

std::string_view Result::Bytes(int row, int col) const {
  return std::string_view(PQgetvalue(result_.get(), row, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Result::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}

// ---- Connection -------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& url, const std::string& name,
                                                             int lock_timeout_ms) {
  if (absl::Status loaded = LoadLibpq(); !loaded.ok()) return loaded;
  // connect_timeout first: a value in the URL overrides it.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "agentd", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    absl::Status error = Unreachable(conn, name, "connect");
    PQfinish(conn);
    return error;
  }
  // Durable commits whatever the server's default; bounded lock waits.
  std::string setup = "SET synchronous_commit = on";
  if (lock_timeout_ms > 0) absl::StrAppend(&setup, "; SET lock_timeout = ", lock_timeout_ms);
  std::unique_ptr<Connection> c(new Connection(conn, name, std::move(setup)));
  if (absl::Status s = c->Setup(); !s.ok()) return s;
  return c;
}

Connection::Connection(PGconn* conn, std::string name, std::string setup)
    : conn_(conn), name_(std::move(name)), setup_sql_(std::move(setup)) {}

Connection::~Connection() { PQfinish(conn_); }

absl::Status Connection::Setup() { return Exec(setup_sql_.c_str(), "configure connection"); }

absl::Status Connection::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  prepared_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return Unreachable(conn_, name_, "reconnect");
  spdlog::info("session store {}: reconnected", name_);
  return Setup();
}

absl::Status Connection::Exec(const char* sql, std::string_view what) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn_, sql), &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  return PgError(result.get(), conn_, name_, what);
}

absl::StatusOr<Result> Connection::Query(const std::string& sql, const Params& params, std::string_view what) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string statement = absl::StrCat("agentd_", prepared_.size() + 1);
    std::unique_ptr<PGresult, void (*)(PGresult*)> prepared(
        PQprepare(conn_, statement.c_str(), sql.c_str(), params.size(), nullptr), &PQclear);
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return PgError(prepared.get(), conn_, name_, what);
    }
    it = prepared_.emplace(sql, std::move(statement)).first;
  }
  const int n = params.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n), formats(n);
  for (int i = 0; i < n; ++i) {
    const Params::Value& v = params.values_[i];
    if (v.null) {
      values[i] = nullptr;
    } else if (v.binary) {
      // A non-null pointer even for an empty blob: NULL would bind SQL NULL.
      values[i] = v.blob.empty() ? "" : v.blob.data();
      lengths[i] = static_cast<int>(v.blob.size());
      formats[i] = 1;
    } else {
      values[i] = v.owned.c_str();
    }
  }
  Result result(PQexecPrepared(conn_, it->second.c_str(), n, values.data(), lengths.data(), formats.data(),
                               /*resultFormat=*/1));
  ExecStatusType status = PQresultStatus(result.raw());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return PgError(result.raw(), conn_, name_, what);
}

bool Connection::InTransaction() const {
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void Connection::RollbackQuietly() {
  if (InTransaction()) PQclear(PQexec(conn_, "ROLLBACK"));
}

absl::Status BeginSnapshot(Connection& conn) {
  return conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
}

absl::Status EndSnapshot(Connection& conn, absl::Status body_status) {
  if (!body_status.ok()) {
    conn.RollbackQuietly();
    return body_status;
  }
  return conn.Exec("COMMIT", "end read");
}

}  // namespace agentd::pg
