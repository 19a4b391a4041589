#include "db/session_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <random>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "db/blob_codec.h"
#include "db/schema_migrations.h"
#include "server/common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace store_internal {
namespace {

constexpr int kDefaultPageSize = 50;

// Debian's Abseil is built with its own string_view type, distinct from
// std::string_view, so the latter has to be converted at the boundary.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
constexpr int kMaxPageSize = 1000;

// Canonical status for a SQLite result code, naming the database and what was
// being done, with SQLite's own message.
absl::Status SqliteError(int rc, sqlite3* db, const std::string& path, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message =
      absl::StrFormat("session store %s: %s: %s (%s)", path, what, detail, sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

// One SQLite connection with its prepared statements. Not thread-safe: the
// writer thread owns one; each reader is lent to one caller at a time.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                          int busy_timeout_ms) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX |
                (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      absl::Status status = SqliteError(rc, db, path, read_only ? "open for reading" : "open");
      sqlite3_close(db);
      return status;
    }
    sqlite3_extended_result_codes(db, 1);
    auto conn = std::unique_ptr<Connection>(new Connection(db, path));
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return conn;
  }

  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

  absl::Status Error(int rc, std::string_view what) const {
    return SqliteError(rc, db_, path_, what);
  }

  // Runs SQL text that is not worth caching (pragmas, migrations, savepoints).
  absl::Status Exec(const char* sql, std::string_view what) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? absl::OkStatus() : Error(rc, what);
  }

  // The cached prepared statement for `sql` (keyed by text).
  absl::StatusOr<sqlite3_stmt*> Prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, absl::StrCat("prepare \"", sql, "\""));
    statements_.emplace(sql, stmt);
    return stmt;
  }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A cached statement in use: binds, steps, reads columns, and is reset on
// destruction so the next user starts clean. Bind errors are kept and
// reported by the first Step().
class Stmt {
 public:
  Stmt(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept
      : conn_(other.conn_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  Stmt& Bind(int index, int64_t value) { return Check(sqlite3_bind_int64(stmt_, index, value)); }
  Stmt& Bind(int index, double value) { return Check(sqlite3_bind_double(stmt_, index, value)); }
  Stmt& BindText(int index, std::string_view value) {
    return Check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT));
  }
  Stmt& BindBlob(int index, std::string_view value) {
    return Check(sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT));
  }
  Stmt& BindNull(int index) { return Check(sqlite3_bind_null(stmt_, index)); }

  // true: a row is ready; false: done.
  absl::StatusOr<bool> Step(std::string_view what) {
    if (bind_rc_ != SQLITE_OK) return conn_->Error(bind_rc_, what);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return conn_->Error(rc, what);
  }
  // Steps a statement that returns no rows.
  absl::Status Run(std::string_view what) {
    ASSIGN_OR_RETURN(bool row, Step(what));
    (void)row;
    return absl::OkStatus();
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }
  std::string_view Blob(int col) const {
    const void* blob = sqlite3_column_blob(stmt_, col);
    if (blob == nullptr) return {};
    return {static_cast<const char*>(blob), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  Stmt& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }

  Connection* conn_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

absl::StatusOr<Stmt> Statement(Connection& conn, const char* sql) {
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn.Prepare(sql));
  return Stmt(&conn, stmt);
}

// Read-only connections lent out one caller at a time.
class ReaderPool {
 public:
  explicit ReaderPool(std::vector<std::unique_ptr<Connection>> connections)
      : free_(std::move(connections)) {}

  // Returns the connection to the pool when it goes out of scope.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(std::move(conn_)); }
    Connection& operator*() const { return *conn_; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Lease Acquire() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::vector<std::unique_ptr<Connection>>* free) { return !free->empty(); }, &free_));
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

// One queued write. Lives on the caller's stack until `done` is notified.
// One queued write. A waiting caller owns it and waits on `done`; an
// asynchronous one (on_done set) is owned by the writer, which calls on_done
// and deletes it.
struct WriteOp {
  std::function<absl::StatusOr<int64_t>(Connection&)> apply;
  int turns = 0;
  absl::StatusOr<int64_t> result = absl::UnknownError("not run");
  absl::Notification done;
  std::function<void(absl::StatusOr<int64_t>)> on_done;
};

namespace {

// ---- SQL ------------------------------------------------------------------

constexpr char kBegin[] = "BEGIN";
constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";

constexpr char kInsertSession[] =
    "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, turn_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0)";
constexpr char kBumpSession[] =
    "UPDATE sessions SET turn_count = turn_count + 1, updated_ms = max(updated_ms, ?3), "
    "facts = ?4 WHERE id = ?1 AND principal = ?2 RETURNING turn_count";
constexpr char kInsertTurn[] =
    "INSERT INTO turns (session_id, seq, request, route, review, status, latency_ms, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kInsertOutput[] =
    "INSERT INTO agent_outputs (session_id, seq, ord, agent, status, error, latency_ms, output) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kSelectSession[] =
    "SELECT title, facts, created_ms, updated_ms, turn_count FROM sessions "
    "WHERE id = ?1 AND principal = ?2";
constexpr char kSelectTurns[] =
    "SELECT seq, request, route, review, status, latency_ms, created_ms FROM turns "
    "WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
// Keyset paging: (updated_ms, id) of the last row seen. The `updated_ms <= ?2`
// bound lets the index seek past earlier pages; the OR only skips ties.
constexpr char kListSessions[] =
    "SELECT id, title, facts, created_ms, updated_ms, turn_count FROM sessions "
    "WHERE principal = ?1 AND updated_ms <= ?2 AND (updated_ms < ?2 OR id > ?3) "
    "AND (?4 IS NULL OR title LIKE ?4 ESCAPE '\\') "
    "ORDER BY updated_ms DESC, id LIMIT ?5";
constexpr char kSelectOutputs[] =
    "SELECT agent, status, error, latency_ms, output FROM agent_outputs "
    "WHERE session_id = ?1 AND seq = ?2 ORDER BY ord";
constexpr char kDeleteSession[] = "DELETE FROM sessions WHERE id = ?1 AND principal = ?2";
constexpr char kPruneBatch[] =
    "DELETE FROM sessions WHERE id IN "
    "(SELECT id FROM sessions WHERE updated_ms < ?1 LIMIT ?2)";

// ---- helpers --------------------------------------------------------------

int64_t UnixMillis(const StoreOptions& options) { return absl::ToUnixMillis(options.clock()); }

// The facts column: a Review used only as an envelope for its `requirements`
// and `facts` fields, so the Requirements and their provenance share a blob
// without a new proto message. A dedicated message with the same field
// numbers (facts = 10, requirements = 11) would read the stored bytes as is.
std::string EncodeFacts(const v1::Requirements& requirements, const std::vector<v1::Fact>& sources) {
  v1::Review envelope;
  *envelope.mutable_requirements() = requirements;
  for (const v1::Fact& fact : sources) *envelope.add_facts() = fact;
  return envelope.SerializeAsString();
}

absl::StatusOr<v1::Review> DecodeFacts(std::string_view blob, const std::string& path) {
  v1::Review envelope;
  if (!envelope.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(absl::StrCat("session store ", path, ": unreadable session facts"));
  }
  return envelope;
}

template <typename Message>
absl::Status ParseColumn(std::string_view blob, Message* message, const std::string& path,
                         std::string_view column) {
  std::string inflated;
  if (!blob.empty() && blob[0] == '\0') {
    absl::StatusOr<std::string> decoded = DecodeStoredBlob(blob);
    if (!decoded.ok()) {
      return absl::DataLossError(absl::StrCat("session store ", path, ": ", AV(column), " blob: ",
                                              decoded.status().message()));
    }
    inflated = std::move(*decoded);
    blob = inflated;
  }
  if (!message->ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("session store ", path, ": unreadable ", AV(column), " blob"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must not be negative, got ", page_size));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
}

absl::Status RequireIds(std::string_view principal, std::string_view session_id) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  if (session_id.empty()) return absl::InvalidArgumentError("session_id is required");
  return absl::OkStatus();
}

// Page tokens are hex so that callers treat them as opaque; the prefix says
// which listing they belong to.
std::string EncodeToken(std::string_view plain) { return absl::BytesToHexString(AV(plain)); }

absl::StatusOr<std::string> DecodeToken(std::string_view token, std::string_view prefix) {
  auto invalid = [] { return absl::InvalidArgumentError("page_token is not valid for this listing"); };
  if (token.size() % 2 != 0 || token.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return invalid();
  }
  std::string plain = absl::HexStringToBytes(AV(token));
  if (plain.compare(0, prefix.size(), prefix) != 0) return invalid();
  return plain.substr(prefix.size());
}

constexpr std::string_view kTurnTokenPrefix = "t1:";
constexpr std::string_view kSessionTokenPrefix = "s1:";

absl::StatusOr<int64_t> DecodeTurnToken(std::string_view token) {
  ASSIGN_OR_RETURN(std::string rest, DecodeToken(token, kTurnTokenPrefix));
  int64_t seq = 0;
  if (!absl::SimpleAtoi(rest, &seq) || seq < 0) {
    return absl::InvalidArgumentError("page_token is not valid for this listing");
  }
  return seq;
}

struct SessionPosition {
  int64_t updated_ms;
  std::string id;
};

absl::StatusOr<SessionPosition> DecodeSessionToken(std::string_view token) {
  ASSIGN_OR_RETURN(std::string rest, DecodeToken(token, kSessionTokenPrefix));
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(rest, absl::MaxSplits(':', 1));
  SessionPosition position;
  if (!absl::SimpleAtoi(parts.first, &position.updated_ms) || parts.second.empty()) {
    return absl::InvalidArgumentError("page_token is not valid for this listing");
  }
  position.id = std::string(parts.second);
  return position;
}

// `%needle%` for LIKE with the wildcards of `needle` taken literally.
std::string LikeSubstringPattern(std::string_view needle) {
  std::string pattern = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

absl::Status FillSession(const Stmt& row, int title_col, v1::Session* session, const std::string& path) {
  session->set_title(std::string(row.Text(title_col)));
  ASSIGN_OR_RETURN(v1::Review facts, DecodeFacts(row.Blob(title_col + 1), path));
  *session->mutable_facts() = std::move(*facts.mutable_requirements());
  session->set_created_unix_ms(row.Int(title_col + 2));
  session->set_updated_unix_ms(row.Int(title_col + 3));
  session->set_turn_count(static_cast<int32_t>(row.Int(title_col + 4)));
  return absl::OkStatus();
}

// Runs `body` inside a read transaction so that everything it reads comes
// from one snapshot.
template <typename Body>
absl::Status InReadTransaction(Connection& conn, Body body) {
  {
    ASSIGN_OR_RETURN(Stmt begin, Statement(conn, kBegin));
    RETURN_IF_ERROR(begin.Run("begin read"));
  }
  absl::Status status = body();
  // Ending a read-only transaction cannot lose anything; if COMMIT fails the
  // rollback makes sure the connection goes back to the pool clean.
  ASSIGN_OR_RETURN(Stmt commit, Statement(conn, kCommit));
  if (absl::Status end = commit.Run("end read"); !end.ok()) {
    if (!sqlite3_get_autocommit(conn.db())) sqlite3_exec(conn.db(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (status.ok()) status = end;
  }
  return status;
}

absl::StatusOr<v1::Session> SelectSession(Connection& conn, std::string_view principal,
                                          std::string_view session_id, v1::Review* facts_out) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kSelectSession));
  st.BindText(1, session_id).BindText(2, principal);
  ASSIGN_OR_RETURN(bool found, st.Step("load session"));
  if (!found) return absl::NotFoundError(absl::StrCat("session ", AV(session_id), " not found"));
  v1::Session session;
  session.set_id(std::string(session_id));
  RETURN_IF_ERROR(FillSession(st, 0, &session, conn.path()));
  if (facts_out != nullptr) {
    ASSIGN_OR_RETURN(*facts_out, DecodeFacts(st.Blob(1), conn.path()));
  }
  return session;
}

// ---- schema ---------------------------------------------------------------

absl::StatusOr<int> UserVersion(Connection& conn) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn.db(), "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return conn.Error(rc, "read schema version");
  rc = sqlite3_step(stmt);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return conn.Error(rc, "read schema version");
  return version;
}

absl::Status CheckVersionKnown(int version, const std::string& path) {
  if (version > schema::kLatestVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "session store %s has schema version %d, but this agentd knows versions up to %d; "
        "upgrade agentd or use another database",
        path, version, schema::kLatestVersion));
  }
  return absl::OkStatus();
}

// Applies each missing migration in its own transaction. The version is
// re-read under the write lock so two processes opening one file at the same
// time do not both migrate.
absl::Status Migrate(Connection& conn) {
  for (const schema::Migration& migration : schema::kMigrations) {
    ASSIGN_OR_RETURN(int version, UserVersion(conn));
    RETURN_IF_ERROR(CheckVersionKnown(version, conn.path()));
    if (version >= migration.version) continue;
    RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE", "begin migration"));
    absl::Status status = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(int locked_version, UserVersion(conn));
      if (locked_version >= migration.version) return absl::OkStatus();
      RETURN_IF_ERROR(conn.Exec(migration.sql, absl::StrCat("apply migration ", migration.name)));
      std::string set_version = absl::StrCat("PRAGMA user_version = ", migration.version);
      RETURN_IF_ERROR(conn.Exec(set_version.c_str(), "set schema version"));
      return conn.Exec("COMMIT", absl::StrCat("commit migration ", migration.name));
    }();
    if (!status.ok()) {
      if (!sqlite3_get_autocommit(conn.db())) sqlite3_exec(conn.db(), "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
    spdlog::info("session store {}: applied migration {}", conn.path(), migration.name);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PragmaText(Connection& conn, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn.db(), sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return conn.Error(rc, sql);
  rc = sqlite3_step(stmt);
  std::string value;
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return conn.Error(rc, sql);
  return value;
}

absl::Status ConfigureWriter(Connection& conn, const StoreOptions& options) {
  ASSIGN_OR_RETURN(std::string mode, PragmaText(conn, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::UnavailableError(absl::StrCat("session store ", conn.path(),
                                               ": cannot switch to WAL mode (journal_mode is ", mode, ")"));
  }
  RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = FULL", "set synchronous"));
  RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = ON", "enable foreign keys"));
  if (options.max_database_bytes > 0) {
    ASSIGN_OR_RETURN(std::string page_size, PragmaText(conn, "PRAGMA page_size"));
    int64_t bytes_per_page = 4096;
    if (!absl::SimpleAtoi(page_size, &bytes_per_page) || bytes_per_page <= 0) bytes_per_page = 4096;
    std::string sql = absl::StrCat("PRAGMA max_page_count = ",
                                   std::max<int64_t>(1, options.max_database_bytes / bytes_per_page));
    ASSIGN_OR_RETURN(std::string applied, PragmaText(conn, sql.c_str()));
    (void)applied;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace store_internal

using store_internal::AV;
using store_internal::Connection;
using store_internal::ReaderPool;
using store_internal::Stmt;
using store_internal::WriteOp;

// ---- Open / lifecycle -------------------------------------------------------

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(StoreOptions options) {
  if (options.path.empty()) return absl::InvalidArgumentError("session store path is required");
  if (options.reader_connections < 1) {
    return absl::InvalidArgumentError("reader_connections must be at least 1");
  }
  if (options.max_batch_size < 1) return absl::InvalidArgumentError("max_batch_size must be at least 1");
  if (options.busy_timeout_ms < 0) return absl::InvalidArgumentError("busy_timeout_ms must not be negative");
  if (!options.clock) options.clock = [] { return absl::Now(); };

  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("session store ", options.path,
                                                 ": cannot create directory ", parent.string(), ": ",
                                                 ec.message()));
    }
  }

  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, /*read_only=*/false, options.busy_timeout_ms));
  // Refuse a newer schema before touching the file in any way.
  ASSIGN_OR_RETURN(int version, store_internal::UserVersion(*writer));
  RETURN_IF_ERROR(store_internal::CheckVersionKnown(version, options.path));
  RETURN_IF_ERROR(store_internal::ConfigureWriter(*writer, options));
  RETURN_IF_ERROR(store_internal::Migrate(*writer));
  if (sqlite3_db_readonly(writer->db(), "main") == 1) {
    spdlog::warn("session store {}: database file is read-only; serving reads, refusing writes",
                 options.path);
  }

  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.reader_connections; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                     Connection::Open(options.path, /*read_only=*/true, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SessionStore>(new SessionStore(
      std::move(options), std::move(writer), std::make_unique<ReaderPool>(std::move(readers))));
}

SessionStore::SessionStore(StoreOptions options, std::unique_ptr<Connection> writer,
                           std::unique_ptr<ReaderPool> readers)
    : options_(std::move(options)), writer_(std::move(writer)), readers_(std::move(readers)) {
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

SessionStore::~SessionStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_thread_.join();
}

SessionStore::Stats SessionStore::stats() const {
  return Stats{commits_.load(std::memory_order_relaxed), turns_.load(std::memory_order_relaxed)};
}

// ---- the writer ---------------------------------------------------------------

absl::Status SessionStore::Enqueue(WriteOp* op) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError(absl::StrCat("session store ", options_.path, " is shutting down"));
  }
  queue_.push_back(op);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SessionStore::Write(
    int turns, std::function<absl::StatusOr<int64_t>(Connection&)> apply) {
  WriteOp op;
  op.apply = std::move(apply);
  op.turns = turns;
  RETURN_IF_ERROR(Enqueue(&op));
  op.done.WaitForNotification();
  return std::move(op.result);
}

void SessionStore::WriterLoop() {
  const size_t max_batch = static_cast<size_t>(options_.max_batch_size);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
  auto batch_full = [this, max_batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() >= max_batch || stopping_;
  };
  for (;;) {
    std::vector<WriteOp*> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // stopping, and everything queued is done
      if (options_.max_batch_delay > absl::ZeroDuration() && !batch_full()) {
        mu_.AwaitWithTimeout(absl::Condition(&batch_full), options_.max_batch_delay);
      }
      while (!queue_.empty() && group.size() < max_batch) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    CommitGroup(group);
    for (WriteOp* op : group) {
      if (op->on_done) {
        op->on_done(std::move(op->result));
        delete op;
      } else {
        op->done.Notify();
      }
    }
  }
}

// Applies each op under its own savepoint, so a failing op (unknown session,
// quota reached) is undone alone and the rest of the group still commits. If
// SQLite had to roll back the whole transaction (it may for SQLITE_FULL,
// IOERR, BUSY), the failing op is dropped and the group is replayed.
void SessionStore::CommitGroup(std::vector<WriteOp*>& group) {
  Connection& conn = *writer_;
  sqlite3* db = conn.db();
  auto rollback = [db] {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  };
  std::vector<WriteOp*> pending = group;
  while (!pending.empty()) {
    absl::Status begin = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kBeginImmediate));
      return st.Run("begin write transaction");
    }();
    if (!begin.ok()) {
      rollback();
      for (WriteOp* op : pending) op->result = begin;
      return;
    }
    std::vector<WriteOp*> applied;
    std::vector<WriteOp*> failed_alone;  // undone by their savepoint; keep the error
    WriteOp* aborted = nullptr;          // its failure ended the whole transaction
    for (WriteOp* op : pending) {
      absl::Status savepoint = conn.Exec("SAVEPOINT op", "savepoint");
      op->result = savepoint.ok() ? op->apply(conn) : absl::StatusOr<int64_t>(savepoint);
      if (op->result.ok()) {
        absl::Status release = conn.Exec("RELEASE op", "release savepoint");
        if (release.ok()) {
          applied.push_back(op);
          continue;
        }
        op->result = release;
      }
      if (sqlite3_get_autocommit(db) || !conn.Exec("ROLLBACK TO op", "rollback to savepoint").ok() ||
          !conn.Exec("RELEASE op", "release savepoint").ok()) {
        aborted = op;
        break;
      }
      failed_alone.push_back(op);
    }
    if (aborted != nullptr) {
      rollback();
      std::vector<WriteOp*> retry;
      for (WriteOp* op : pending) {
        if (op == aborted) continue;
        if (std::find(failed_alone.begin(), failed_alone.end(), op) != failed_alone.end()) continue;
        retry.push_back(op);
      }
      pending = std::move(retry);
      continue;
    }
    absl::Status commit = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kCommit));
      return st.Run("commit");
    }();
    if (!commit.ok()) {
      rollback();
      for (WriteOp* op : applied) op->result = commit;
      return;
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    int64_t turns = 0;
    for (WriteOp* op : applied) turns += op->turns;
    turns_.fetch_add(turns, std::memory_order_relaxed);
    return;
  }
}

// ---- writes ---------------------------------------------------------------------

absl::StatusOr<v1::Session> SessionStore::CreateSession(std::string_view principal,
                                                        std::string_view title,
                                                        const v1::Requirements& facts,
                                                        const std::vector<v1::Fact>& sources) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  v1::Session session;
  session.set_id(NewSessionId());
  session.set_title(std::string(title));
  *session.mutable_facts() = facts;
  std::string facts_blob = store_internal::EncodeFacts(facts, sources);
  std::string owner(principal);
  ASSIGN_OR_RETURN(int64_t created_ms, Write(0, [&](Connection& conn) -> absl::StatusOr<int64_t> {
    int64_t now = store_internal::UnixMillis(options_);
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kInsertSession));
    st.BindText(1, session.id()).BindText(2, owner).BindText(3, session.title()).BindBlob(4, facts_blob)
        .Bind(5, now);
    RETURN_IF_ERROR(st.Run("create session"));
    return now;
  }));
  session.set_created_unix_ms(created_ms);
  session.set_updated_unix_ms(created_ms);
  return session;
}

absl::StatusOr<EncodedTurn> SessionStore::EncodeTurn(const TurnRecord& turn) const {
  const bool compress = options_.compress_turns;
  RETURN_IF_ERROR(store_internal::RequireIds(turn.principal, turn.session_id));
  auto encode = [compress](std::string serialized) {
    return compress ? EncodeStoredBlob(std::move(serialized)) : serialized;
  };
  EncodedTurn out;
  out.principal = turn.principal;
  out.session_id = turn.session_id;
  out.create_session = turn.create_session;
  out.title = turn.title;
  out.facts = store_internal::EncodeFacts(turn.session_facts, turn.session_fact_sources);
  out.request = encode(turn.request.SerializeAsString());
  out.route = encode(turn.route.SerializeAsString());
  out.review = encode(turn.review.SerializeAsString());
  out.outputs.reserve(turn.outputs.size());
  for (const AgentOutputRecord& record : turn.outputs) {
    EncodedTurn::Output& o = out.outputs.emplace_back();
    o.agent = record.run.agent();
    o.status = v1::AgentStatus_Name(record.run.status());
    o.error = record.run.error();
    o.latency_ms = record.run.latency_ms();
    if (record.output.ByteSizeLong() != 0) o.output = encode(record.output.SerializeAsString());
  }
  out.status = turn.status;
  out.latency_ms = turn.latency_ms;
  return out;
}

namespace {

// The SQL of one turn, run by the writer inside its group's transaction.
absl::StatusOr<int64_t> WriteTurn(Connection& conn, const EncodedTurn& turn, int64_t now) {
  if (turn.create_session) {
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kInsertSession));
    st.BindText(1, turn.session_id).BindText(2, turn.principal).BindText(3, turn.title)
        .BindBlob(4, turn.facts).Bind(5, now);
    RETURN_IF_ERROR(st.Run("create session"));
  }
  int64_t seq = 0;
  {
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kBumpSession));
    st.BindText(1, turn.session_id).BindText(2, turn.principal).Bind(3, now).BindBlob(4, turn.facts);
    ASSIGN_OR_RETURN(bool found, st.Step("update session"));
    if (!found) return absl::NotFoundError(absl::StrCat("session ", turn.session_id, " not found"));
    seq = st.Int(0);
  }
  {
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kInsertTurn));
    st.BindText(1, turn.session_id).Bind(2, seq).BindBlob(3, turn.request).BindBlob(4, turn.route)
        .BindBlob(5, turn.review).BindText(6, turn.status).Bind(7, turn.latency_ms).Bind(8, now);
    RETURN_IF_ERROR(st.Run("insert turn"));
  }
  for (size_t i = 0; i < turn.outputs.size(); ++i) {
    const EncodedTurn::Output& o = turn.outputs[i];
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kInsertOutput));
    st.BindText(1, turn.session_id).Bind(2, seq).Bind(3, static_cast<int64_t>(i))
        .BindText(4, o.agent).BindText(5, o.status).BindText(6, o.error).Bind(7, o.latency_ms);
    if (o.output.empty()) {
      st.BindNull(8);
    } else {
      st.BindBlob(8, o.output);
    }
    RETURN_IF_ERROR(st.Run("insert agent output"));
  }
  return seq;
}

}  // namespace

absl::StatusOr<int> SessionStore::AppendTurn(const TurnRecord& turn) {
  ASSIGN_OR_RETURN(EncodedTurn encoded, EncodeTurn(turn));
  ASSIGN_OR_RETURN(int64_t seq, Write(1, [&](Connection& conn) {
                     return WriteTurn(conn, encoded, store_internal::UnixMillis(options_));
                   }));
  return static_cast<int>(seq);
}

void SessionStore::AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) {
  auto* op = new WriteOp();
  op->turns = 1;
  auto shared = std::make_shared<EncodedTurn>(std::move(turn));
  op->apply = [this, shared](Connection& conn) {
    return WriteTurn(conn, *shared, store_internal::UnixMillis(options_));
  };
  op->on_done = [done](absl::StatusOr<int64_t> seq) {
    if (seq.ok()) {
      done(static_cast<int>(*seq));
    } else {
      done(seq.status());
    }
  };
  absl::Status queued = Enqueue(op);
  if (!queued.ok()) {
    delete op;
    done(queued);
  }
}

absl::Status SessionStore::DeleteSession(std::string_view principal, std::string_view session_id) {
  RETURN_IF_ERROR(store_internal::RequireIds(principal, session_id));
  return Write(0, [&](Connection& conn) -> absl::StatusOr<int64_t> {
           ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kDeleteSession));
           st.BindText(1, session_id).BindText(2, principal);
           RETURN_IF_ERROR(st.Run("delete session"));
           if (sqlite3_changes(conn.db()) == 0) {
             return absl::NotFoundError(absl::StrCat("session ", AV(session_id), " not found"));
           }
           return 1;
         })
      .status();
}

absl::StatusOr<int64_t> SessionStore::PruneOlderThan(absl::Time cutoff, int batch_size) {
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  const int64_t cutoff_ms = absl::ToUnixMillis(cutoff);
  int64_t total = 0;
  for (;;) {
    // One batch per queued write: turns queued meanwhile commit in between.
    ASSIGN_OR_RETURN(int64_t deleted, Write(0, [&](Connection& conn) -> absl::StatusOr<int64_t> {
      ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kPruneBatch));
      st.Bind(1, cutoff_ms).Bind(2, static_cast<int64_t>(batch_size));
      RETURN_IF_ERROR(st.Run("prune sessions"));
      return static_cast<int64_t>(sqlite3_changes(conn.db()));
    }));
    total += deleted;
    if (deleted < batch_size) return total;
  }
}

// ---- reads ----------------------------------------------------------------------

absl::StatusOr<v1::Session> SessionStore::LoadSession(std::string_view principal,
                                                      std::string_view session_id) {
  RETURN_IF_ERROR(store_internal::RequireIds(principal, session_id));
  ReaderPool::Lease conn = readers_->Acquire();
  return store_internal::SelectSession(*conn, principal, session_id, nullptr);
}

absl::StatusOr<std::vector<v1::Fact>> SessionStore::LoadSessionFactSources(
    std::string_view principal, std::string_view session_id) {
  RETURN_IF_ERROR(store_internal::RequireIds(principal, session_id));
  ReaderPool::Lease conn = readers_->Acquire();
  v1::Review facts;
  RETURN_IF_ERROR(store_internal::SelectSession(*conn, principal, session_id, &facts).status());
  return std::vector<v1::Fact>(facts.facts().begin(), facts.facts().end());
}

absl::StatusOr<std::vector<AgentOutputRecord>> SessionStore::LoadAgentOutputs(
    std::string_view principal, std::string_view session_id, int seq) {
  RETURN_IF_ERROR(store_internal::RequireIds(principal, session_id));
  ReaderPool::Lease lease = readers_->Acquire();
  Connection& conn = *lease;
  std::vector<AgentOutputRecord> outputs;
  RETURN_IF_ERROR(store_internal::InReadTransaction(conn, [&]() -> absl::Status {
    // The session lookup is what keeps another principal's outputs hidden.
    RETURN_IF_ERROR(store_internal::SelectSession(conn, principal, session_id, nullptr).status());
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kSelectOutputs));
    st.BindText(1, session_id).Bind(2, static_cast<int64_t>(seq));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, st.Step("load agent outputs"));
      if (!row) break;
      AgentOutputRecord& record = outputs.emplace_back();
      record.run.set_agent(std::string(st.Text(0)));
      v1::AgentStatus status = v1::AGENT_STATUS_UNSPECIFIED;
      if (v1::AgentStatus_Parse(std::string(st.Text(1)), &status)) record.run.set_status(status);
      record.run.set_error(std::string(st.Text(2)));
      record.run.set_latency_ms(st.Double(3));
      if (!st.IsNull(4)) {
        RETURN_IF_ERROR(store_internal::ParseColumn(st.Blob(4), &record.output, conn.path(), "output"));
      }
    }
    return absl::OkStatus();
  }));
  return outputs;
}

absl::StatusOr<v1::GetSessionResponse> SessionStore::GetSession(std::string_view principal,
                                                                std::string_view session_id,
                                                                int page_size,
                                                                std::string_view page_token) {
  RETURN_IF_ERROR(store_internal::RequireIds(principal, session_id));
  ASSIGN_OR_RETURN(int limit, store_internal::ResolvePageSize(page_size));
  int64_t after_seq = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after_seq, store_internal::DecodeTurnToken(page_token));
  }
  ReaderPool::Lease lease = readers_->Acquire();
  Connection& conn = *lease;
  v1::GetSessionResponse response;
  RETURN_IF_ERROR(store_internal::InReadTransaction(conn, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response.mutable_session(),
                     store_internal::SelectSession(conn, principal, session_id, nullptr));
    ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kSelectTurns));
    st.BindText(1, session_id).Bind(2, after_seq).Bind(3, static_cast<int64_t>(limit) + 1);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, st.Step("load turns"));
      if (!row) break;
      if (response.turns_size() == limit) {
        response.set_next_page_token(store_internal::EncodeToken(
            absl::StrCat(AV(store_internal::kTurnTokenPrefix), response.turns(limit - 1).seq())));
        break;
      }
      v1::Turn* turn = response.add_turns();
      turn->set_seq(static_cast<int32_t>(st.Int(0)));
      RETURN_IF_ERROR(store_internal::ParseColumn(st.Blob(1), turn->mutable_request(), conn.path(), "request"));
      RETURN_IF_ERROR(store_internal::ParseColumn(st.Blob(2), turn->mutable_route(), conn.path(), "route"));
      RETURN_IF_ERROR(store_internal::ParseColumn(st.Blob(3), turn->mutable_review(), conn.path(), "review"));
      turn->set_status(std::string(st.Text(4)));
      turn->set_latency_ms(st.Double(5));
      turn->set_created_unix_ms(st.Int(6));
    }
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ListSessionsResponse> SessionStore::ListSessions(std::string_view principal,
                                                                    int page_size,
                                                                    std::string_view page_token,
                                                                    std::string_view title_filter) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  ASSIGN_OR_RETURN(int limit, store_internal::ResolvePageSize(page_size));
  store_internal::SessionPosition after{std::numeric_limits<int64_t>::max(), ""};
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, store_internal::DecodeSessionToken(page_token));
  }
  ReaderPool::Lease lease = readers_->Acquire();
  Connection& conn = *lease;
  ASSIGN_OR_RETURN(Stmt st, store_internal::Statement(conn, store_internal::kListSessions));
  st.BindText(1, principal).Bind(2, after.updated_ms).BindText(3, after.id);
  if (title_filter.empty()) {
    st.BindNull(4);
  } else {
    st.BindText(4, store_internal::LikeSubstringPattern(title_filter));
  }
  st.Bind(5, static_cast<int64_t>(limit) + 1);
  v1::ListSessionsResponse response;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, st.Step("list sessions"));
    if (!row) break;
    if (response.sessions_size() == limit) {
      const v1::Session& last = response.sessions(limit - 1);
      response.set_next_page_token(store_internal::EncodeToken(absl::StrCat(
          AV(store_internal::kSessionTokenPrefix), last.updated_unix_ms(), ":", last.id())));
      break;
    }
    v1::Session* session = response.add_sessions();
    session->set_id(std::string(st.Text(0)));
    RETURN_IF_ERROR(store_internal::FillSession(st, 1, session, conn.path()));
  }
  return response;
}

// ---- ids ------------------------------------------------------------------------

std::string NewSessionId() {
  static thread_local std::random_device device;
  unsigned char bytes[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t word = device();
    for (int j = 0; j < 4; ++j) bytes[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

}  // namespace agentd
