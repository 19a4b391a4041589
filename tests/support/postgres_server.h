// PostgresTestServer: a real PostgreSQL 15 for C++ tests, run by
// tests/support/postgres_server.py (initdb in a temporary directory, a free
// port, an unprivileged owner when the tests run as root; see that file).
//
// Shared() is the ctest run's server (AGENTD_TEST_PG_STATE), or when the
// binary runs outside ctest one started for this process and removed when
// it exits. Private() is a server of the caller's own, for tests that stop
// it. Both return nullptr when PostgreSQL cannot be used, and SkipReason()
// says why: the caller GTEST_SKIPs with it.
//
// CreateDatabase gives each test an empty database of its own. Not
// thread-safe; for one test thread.
#ifndef AGENTD_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define AGENTD_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <libpq-fe.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace agentd::pgtest {

class PostgresTestServer {
 public:
  static PostgresTestServer* Shared() {
    static PostgresTestServer* shared = [] {
      const char* state = std::getenv("AGENTD_TEST_PG_STATE");
      if (state != nullptr && *state != '\0') {
        std::ifstream in(state);
        std::stringstream json;
        json << in.rdbuf();
        if (in) return Parse(json.str(), /*owned=*/false).release();
      }
      std::unique_ptr<PostgresTestServer> own = Start();
      if (own != nullptr) ::testing::AddGlobalTestEnvironment(new Cleanup(own.get()));
      return own.release();
    }();
    return shared;
  }

  // Removed by the destructor.
  static std::unique_ptr<PostgresTestServer> Private() { return Start(); }

  static const std::string& SkipReason() { return skip_reason(); }

  ~PostgresTestServer() {
    if (owned_) Run("destroy " + dir_);
  }

  int port() const { return port_; }
  std::string Url(const std::string& dbname) const {
    return "postgresql://agentd@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
  }

  // A new empty database (empty string on failure, with a gtest failure).
  std::string CreateDatabase() {
    static int counter = 0;
    std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    if (!Sql("CREATE DATABASE " + name)) return "";
    return Url(name);
  }
  // Runs one statement on the `postgres` database.
  bool Sql(const std::string& sql) {
    PGconn* conn = PQconnectdb(Url("postgres").c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    EXPECT_TRUE(ok) << sql << ": " << PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    return ok;
  }

  // The server goes down (fast shutdown) and comes back on the same port.
  bool Stop() { return Run("stop " + dir_); }
  bool Resume() { return Run("resume " + dir_); }

 private:
  class Cleanup : public ::testing::Environment {
   public:
    explicit Cleanup(PostgresTestServer* server) : server_(server) {}
    void TearDown() override { delete server_; }

   private:
    PostgresTestServer* server_;
  };

  static std::string& skip_reason() {
    static std::string reason;
    return reason;
  }
  static std::string Script() { return std::string(AGENTD_SOURCE_DIR) + "/tests/support/postgres_server.py"; }

  static bool Capture(const std::string& args, std::string* out) {
    std::string command = "/usr/bin/python3 " + Script() + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return false;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out->append(buffer, n);
    int status = pclose(pipe);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  static bool Run(const std::string& args) {
    std::string out;
    bool ok = Capture(args, &out);
    EXPECT_TRUE(ok) << "postgres_server.py " << args << ": " << out;
    return ok;
  }

  static std::unique_ptr<PostgresTestServer> Start() {
    std::string out;
    if (!Capture("check", &out)) {
      skip_reason() = "PostgreSQL tests skipped: " + out;
      return nullptr;
    }
    out.clear();
    if (!Capture("start", &out)) {
      skip_reason() = "PostgreSQL tests skipped: the server did not start: " + out;
      ADD_FAILURE() << skip_reason();
      return nullptr;
    }
    return Parse(out, /*owned=*/true);
  }

  static std::unique_ptr<PostgresTestServer> Parse(const std::string& json, bool owned) {
    std::smatch dir, port;
    if (!std::regex_search(json, dir, std::regex("\"dir\": \"([^\"]+)\"")) ||
        !std::regex_search(json, port, std::regex("\"port\": ([0-9]+)"))) {
      skip_reason() = "PostgreSQL tests skipped: no server state in: " + json;
      return nullptr;
    }
    auto server = std::unique_ptr<PostgresTestServer>(new PostgresTestServer());
    server->dir_ = dir[1];
    server->port_ = std::stoi(port[1]);
    server->owned_ = owned;
    return server;
  }

  PostgresTestServer() = default;
  std::string dir_;
  int port_ = 0;
  bool owned_ = false;
};

}  // namespace agentd::pgtest

#endif  // AGENTD_TESTS_SUPPORT_POSTGRES_SERVER_H_
