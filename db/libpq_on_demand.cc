// The libpq functions agentd (and its tests) call, forwarded to libpq.so.5
// opened on first use (common/on_demand_library.h): a server on SQLite never
// loads libpq and the libraries it needs.
#include "db/libpq_on_demand.h"

#include <libpq-fe.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/on_demand_library.h"

namespace {
agentd::OnDemandLibrary libpq("libpq.so.5", "libpq5");
}  // namespace

AGENTD_ON_DEMAND(libpq, PGconn*, PQconnectdbParams,
                 (const char* const* keywords, const char* const* values, int expand_dbname),
                 (keywords, values, expand_dbname))
AGENTD_ON_DEMAND(libpq, PGconn*, PQconnectdb, (const char* conninfo), (conninfo))
AGENTD_ON_DEMAND(libpq, PQconninfoOption*, PQconninfoParse, (const char* conninfo, char** errmsg), (conninfo, errmsg))
AGENTD_ON_DEMAND(libpq, void, PQconninfoFree, (PQconninfoOption * options), (options))
AGENTD_ON_DEMAND(libpq, void, PQfreemem, (void* ptr), (ptr))
AGENTD_ON_DEMAND(libpq, ConnStatusType, PQstatus, (const PGconn* conn), (conn))
AGENTD_ON_DEMAND(libpq, PGTransactionStatusType, PQtransactionStatus, (const PGconn* conn), (conn))
AGENTD_ON_DEMAND(libpq, char*, PQerrorMessage, (const PGconn* conn), (conn))
AGENTD_ON_DEMAND(libpq, void, PQreset, (PGconn * conn), (conn))
AGENTD_ON_DEMAND(libpq, void, PQfinish, (PGconn * conn), (conn))
AGENTD_ON_DEMAND(libpq, PGresult*, PQexec, (PGconn * conn, const char* query), (conn, query))
AGENTD_ON_DEMAND(libpq, PGresult*, PQexecParams,
                 (PGconn * conn, const char* command, int n, const Oid* types, const char* const* values,
                  const int* lengths, const int* formats, int result_format),
                 (conn, command, n, types, values, lengths, formats, result_format))
AGENTD_ON_DEMAND(libpq, PGresult*, PQprepare,
                 (PGconn * conn, const char* name, const char* query, int n, const Oid* types),
                 (conn, name, query, n, types))
AGENTD_ON_DEMAND(libpq, PGresult*, PQexecPrepared,
                 (PGconn * conn, const char* name, int n, const char* const* values, const int* lengths,
                  const int* formats, int result_format),
                 (conn, name, n, values, lengths, formats, result_format))
AGENTD_ON_DEMAND(libpq, ExecStatusType, PQresultStatus, (const PGresult* result), (result))
AGENTD_ON_DEMAND(libpq, char*, PQresultErrorField, (const PGresult* result, int field), (result, field))
AGENTD_ON_DEMAND(libpq, void, PQclear, (PGresult * result), (result))
AGENTD_ON_DEMAND(libpq, int, PQntuples, (const PGresult* result), (result))
AGENTD_ON_DEMAND(libpq, char*, PQcmdTuples, (PGresult * result), (result))
AGENTD_ON_DEMAND(libpq, int, PQgetisnull, (const PGresult* result, int row, int col), (result, row, col))
AGENTD_ON_DEMAND(libpq, int, PQgetlength, (const PGresult* result, int row, int col), (result, row, col))
AGENTD_ON_DEMAND(libpq, char*, PQgetvalue, (const PGresult* result, int row, int col), (result, row, col))

namespace agentd::pg {

absl::Status LoadLibpq() {
  std::string missing;
  if (libpq.Load(&missing)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("the PostgreSQL session store needs libpq: ", missing));
}

}  // namespace agentd::pg
