#ifndef CAREGATE_COMMON_SQL_POOL_H_
#define CAREGATE_COMMON_SQL_POOL_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/sql/database.h"

namespace caregate::common::sql {

// A connection that can report whether it is still usable and whether it is
// inside a transaction, so the pool can repair or discard it on return.
class PooledConnection : public Connection {
 public:
  virtual bool healthy() const = 0;
  virtual bool in_transaction() const = 0;
};

// The pool both engines share: at most `size` connections, made on demand by
// `connect`, reused LIFO. Thread-safe.
class PooledDatabase : public Database {
 public:
  using Connect = std::function<absl::StatusOr<std::unique_ptr<PooledConnection>>()>;
  PooledDatabase(Engine engine, int size, Connect connect)
      : engine_(engine), size_(size), connect_(std::move(connect)) {}

  Engine engine() const override { return engine_; }
  absl::StatusOr<Lease> Acquire(absl::Time deadline) override;

 protected:
  void Release(std::unique_ptr<Connection> connection) override;

 private:
  const Engine engine_;
  const int size_;
  const Connect connect_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<PooledConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// Opens the engine-specific databases (sqlite_database.cc,
// postgres_database.cc).
absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path,
                                                     absl::string_view config_path,
                                                     Sharing sharing);
absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const std::string& conninfo,
                                                       int pool_size,
                                                       absl::string_view config_path);

}  // namespace caregate::common::sql

#endif  // CAREGATE_COMMON_SQL_POOL_H_
