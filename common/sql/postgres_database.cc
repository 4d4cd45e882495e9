// PostgreSQL engine through libpq: a pool of connections, `?` placeholders
// rewritten to $n, asynchronous queries so the caller's deadline cancels a
// statement, SQLSTATE codes mapped to status codes, single-row mode for
// streaming results.

#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/sql/pool.h"

namespace caregate::common::sql {
namespace {

// PostgreSQL type OIDs (pg_type.h).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21,
              kInt4Oid = 23, kOidOid = 26, kFloat4Oid = 700, kFloat8Oid = 701,
              kNumericOid = 1700;

// Rewrites ? placeholders (outside quoted text) to $1, $2, ...
std::string RewritePlaceholders(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      absl::StrAppend(&out, "$", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

absl::Status ResultError(PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = absl::StrCat(
      "postgres: ", primary ? primary : PQerrorMessage(conn), state ? " (SQLSTATE " : "",
      state ? state : "", state ? ")" : "");
  std::string code = state ? state : "";
  if (code == "23505") return absl::AlreadyExistsError(message);
  if (code == "40001" || code == "40P01" || code == "55P03") return absl::AbortedError(message);
  if (code == "57014") return absl::DeadlineExceededError("postgres: deadline exceeded");
  if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 || PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(message);
  }
  if (code.rfind("23", 0) == 0) return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

Value ColumnValue(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column)) return Value::Null();
  const char* text = PQgetvalue(r, row, column);
  const int length = PQgetlength(r, row, column);
  switch (PQftype(r, column)) {
    case kBoolOid: return Value::Int(text[0] == 't' ? 1 : 0);
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: return Value::Int(std::strtoll(text, nullptr, 10));
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: return Value::Real(std::strtod(text, nullptr));
    case kByteaOid: {
      size_t n = 0;
      unsigned char* bytes =
          PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
      Value v = Value::Blob(std::string(reinterpret_cast<char*>(bytes), n));
      PQfreemem(bytes);
      return v;
    }
    default: return Value::Text(std::string(text, length));
  }
}

class PostgresConnection final : public PooledConnection {
 public:
  static absl::StatusOr<std::unique_ptr<PooledConnection>> Open(
      const std::string& conninfo, const std::string& config_path) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
      // libpq's message names host and port, never credentials.
      std::string why = conn ? PQerrorMessage(conn) : "out of memory";
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      PQfinish(conn);
      return absl::UnavailableError(
          absl::StrCat(config_path, ": cannot connect to PostgreSQL: ", why));
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    return std::unique_ptr<PooledConnection>(new PostgresConnection(conn));
  }

  ~PostgresConnection() override { PQfinish(conn_); }

  Engine engine() const override { return Engine::kPostgres; }
  bool healthy() const override { return PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const override {
    return PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }

  absl::Status ExecuteScript(absl::string_view sql, absl::Time deadline) override {
    if (!PQsendQuery(conn_, std::string(sql).c_str())) return SendError();
    return Drain(deadline, nullptr, nullptr);
  }

  absl::StatusOr<int64_t> Execute(absl::string_view sql, const Params& params,
                                  absl::Time deadline) override {
    absl::Status s = Send(sql, params, false);
    if (!s.ok()) return s;
    int64_t changed = 0;
    s = Drain(deadline, nullptr, &changed);
    if (!s.ok()) return s;
    return changed;
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql, const Params& params,
                                         absl::Time deadline) override {
    std::vector<Row> rows;
    absl::Status s = Send(sql, params, false);
    if (s.ok()) {
      s = Drain(deadline, [&rows](const Row& row) {
        rows.push_back(row);
        return absl::OkStatus();
      }, nullptr);
    }
    if (!s.ok()) return s;
    return rows;
  }

  absl::Status QueryEach(absl::string_view sql, const Params& params,
                         absl::Time deadline,
                         const std::function<absl::Status(const Row&)>& on_row) override {
    absl::Status s = Send(sql, params, true);
    if (!s.ok()) return s;
    return Drain(deadline, on_row, nullptr);
  }

  absl::Status Begin(absl::Time deadline) override { return ExecuteScript("BEGIN", deadline); }
  // The snapshot is taken by the transaction's first query, hence the
  // SELECT. PostgreSQL does not say whether the database changed since this
  // connection last read it, so nothing is remembered across transactions.
  absl::Status BeginRead(absl::Time deadline) override {
    Forget();
    return ExecuteScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1", deadline);
  }
  absl::Status Commit(absl::Time deadline) override { return ExecuteScript("COMMIT", deadline); }
  void Rollback() override {
    if (healthy() && in_transaction()) {
      (void)ExecuteScript("ROLLBACK", absl::Now() + absl::Seconds(30));
    }
  }

 private:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}

  absl::Status SendError() {
    return absl::UnavailableError(absl::StrCat("postgres: ", PQerrorMessage(conn_)));
  }

  absl::Status Send(absl::string_view sql, const Params& params, bool single_row) {
    const std::string text = RewritePlaceholders(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      switch (v.type()) {
        case Value::Type::kNull: values[i] = nullptr; continue;
        case Value::Type::kInt: storage[i] = absl::StrCat(v.AsInt()); break;
        case Value::Type::kReal: storage[i] = absl::StrFormat("%.17g", v.AsReal()); break;
        case Value::Type::kText: storage[i] = v.AsText(); break;
        case Value::Type::kBlob:
          storage[i] = v.AsText();
          formats[i] = 1;  // binary: the bytes as they are
          break;
      }
      values[i] = storage[i].data();
      lengths[i] = static_cast<int>(storage[i].size());
    }
    if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                           values.data(), lengths.data(), formats.data(), 0)) {
      return SendError();
    }
    if (single_row) PQsetSingleRowMode(conn_);
    return absl::OkStatus();
  }

  // Waits for every result of the statement sent, under the deadline; past
  // it the statement is cancelled and the results drained.
  absl::Status Drain(absl::Time deadline,
                     const std::function<absl::Status(const Row&)>& on_row,
                     int64_t* changed) {
    absl::Status first_error;
    bool cancelled = false;
    Row row;
    while (true) {
      while (PQisBusy(conn_)) {
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration() && !cancelled) {
          Cancel();
          cancelled = true;
          if (first_error.ok()) {
            first_error = absl::DeadlineExceededError("postgres: deadline exceeded");
          }
        }
        pollfd p{PQsocket(conn_), POLLIN, 0};
        const int wait_ms =
            cancelled ? 1000
                      : static_cast<int>(std::min<int64_t>(
                            absl::ToInt64Milliseconds(left) + 1, 1000));
        poll(&p, 1, wait_ms);
        if (!PQconsumeInput(conn_)) {
          return absl::UnavailableError(absl::StrCat("postgres: ", PQerrorMessage(conn_)));
        }
      }
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) break;
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE) {
        if (on_row && first_error.ok()) {
          const int rows = PQntuples(r), columns = PQnfields(r);
          for (int i = 0; i < rows && first_error.ok(); ++i) {
            row.clear();
            for (int c = 0; c < columns; ++c) row.push_back(ColumnValue(r, i, c));
            absl::Status s = on_row(row);
            if (!s.ok()) first_error = s;
          }
        }
      } else if (status == PGRES_COMMAND_OK) {
        if (changed) *changed += std::strtoll(PQcmdTuples(r), nullptr, 10);
      } else if (first_error.ok()) {
        first_error = ResultError(conn_, r);
      }
      PQclear(r);
    }
    return first_error;
  }

  void Cancel() {
    if (PGcancel* cancel = PQgetCancel(conn_)) {
      char error[256];
      PQcancel(cancel, error, sizeof error);
      PQfreeCancel(cancel);
    }
  }

  PGconn* conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const std::string& conninfo,
                                                       int pool_size,
                                                       absl::string_view config_path) {
  if (conninfo.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ".postgres.conninfo: is required"));
  }
  std::string where(config_path);
  auto db = std::make_unique<PooledDatabase>(
      Engine::kPostgres, pool_size,
      [conninfo, where]() { return PostgresConnection::Open(conninfo, where); });
  auto lease = db->Acquire(absl::Now() + absl::Seconds(30));
  if (!lease.ok()) return lease.status();
  { auto returned = *std::move(lease); }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace caregate::common::sql
