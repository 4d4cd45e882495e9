#include "common/sql/database.h"

#include "absl/strings/numbers.h"

namespace caregate::common::sql {

Value Value::Int(int64_t v) {
  Value x;
  x.type_ = Type::kInt;
  x.int_ = v;
  return x;
}

Value Value::Real(double v) {
  Value x;
  x.type_ = Type::kReal;
  x.real_ = v;
  return x;
}

Value Value::Text(std::string v) {
  Value x;
  x.type_ = Type::kText;
  x.text_ = std::move(v);
  return x;
}

Value Value::Blob(std::string bytes) {
  Value x;
  x.type_ = Type::kBlob;
  x.text_ = std::move(bytes);
  return x;
}

Value Value::TextOrNull(std::string v) {
  return v.empty() ? Value() : Text(std::move(v));
}

int64_t Value::AsInt() const {
  switch (type_) {
    case Type::kInt: return int_;
    case Type::kReal: return static_cast<int64_t>(real_);
    case Type::kText: {
      int64_t v = 0;
      return absl::SimpleAtoi(text_, &v) ? v : 0;
    }
    default: return 0;
  }
}

double Value::AsReal() const {
  switch (type_) {
    case Type::kInt: return static_cast<double>(int_);
    case Type::kReal: return real_;
    case Type::kText: {
      double v = 0;
      return absl::SimpleAtod(text_, &v) ? v : 0;
    }
    default: return 0;
  }
}

const std::string& Value::AsText() const { return text_; }

Lease::Lease(Database* db, std::unique_ptr<Connection> connection)
    : db_(db), connection_(std::move(connection)) {}

Lease::~Lease() {
  if (db_ != nullptr && connection_ != nullptr) db_->Release(std::move(connection_));
}

absl::Status Database::InTransaction(
    absl::Time deadline, const std::function<absl::Status(Connection&)>& body,
    int attempts) {
  absl::Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto lease = Acquire(deadline);
    if (!lease.ok()) return lease.status();
    Connection& c = **lease;
    last = c.Begin(deadline);
    if (last.ok()) last = body(c);
    if (last.ok()) last = c.Commit(deadline);
    if (last.ok()) return last;
    c.Rollback();
    if (last.code() != absl::StatusCode::kAborted) return last;
  }
  return last;
}

}  // namespace caregate::common::sql
