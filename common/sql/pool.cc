#include "common/sql/pool.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace caregate::common::sql {

absl::StatusOr<Lease> PooledDatabase::Acquire(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < size_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&available), deadline)) {
      return absl::DeadlineExceededError("database: no free connection before the deadline");
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    ++open_;  // reserved; connected below, outside the lock
  }
  auto c = connect_();
  if (!c.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return c.status();
  }
  return Lease(this, std::unique_ptr<Connection>(std::move(*c)));
}

void PooledDatabase::Release(std::unique_ptr<Connection> connection) {
  auto* pooled = static_cast<PooledConnection*>(connection.get());
  if (pooled->healthy() && pooled->in_transaction()) pooled->Rollback();
  absl::MutexLock lock(&mu_);
  if (pooled->healthy() && !pooled->in_transaction()) {
    connection.release();
    idle_.emplace_back(pooled);
  } else {
    --open_;
  }
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const caregate::config::v1::StoreConfig& store, absl::string_view data_dir,
    absl::string_view config_path, Sharing sharing) {
  switch (store.engine_case()) {
    case caregate::config::v1::StoreConfig::kSqlite: {
      std::string path = store.sqlite().path();
      if (!path.empty() && path.front() != '/' && path != ":memory:" && !data_dir.empty()) {
        path = absl::StrCat(data_dir, "/", path);
      }
      return OpenSqlite(path, config_path, sharing);
    }
    case caregate::config::v1::StoreConfig::kPostgres:
      return OpenPostgres(store.postgres().conninfo(),
                          store.postgres().pool_size() > 0
                              ? static_cast<int>(store.postgres().pool_size())
                              : 8,
                          config_path);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ": one of sqlite or postgres is required"));
  }
}

}  // namespace caregate::common::sql
