#ifndef CAREGATE_TESTS_SUPPORT_POSTGRES_H_
#define CAREGATE_TESTS_SUPPORT_POSTGRES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace caregate::testing {

// A real PostgreSQL 15 server for tests: initdb into a fresh temporary
// directory and pg_ctl start on a free loopback port, as the `postgres` user
// when running as root (PostgreSQL refuses root). Stopped and removed on
// destruction. Starting one takes a few seconds, so a test binary shares one
// (Shared()) and each test makes its own database (CreateDatabase).
class PostgresServer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  // One server per process, started on first use; never destroyed before
  // exit (an atexit hook stops it).
  static absl::StatusOr<PostgresServer*> Shared();
  ~PostgresServer();

  int port() const { return port_; }
  // A libpq connection string for `database` on this server.
  std::string ConnInfo(absl::string_view database = "postgres") const;
  // Creates a fresh, uniquely named database and returns its conninfo.
  absl::StatusOr<std::string> CreateDatabase();
  // Stops the server (the data stays) — for tests of "the store is down".
  absl::Status Stop();
  // Starts it again after Stop().
  absl::Status Restart();

 private:
  PostgresServer() = default;
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace caregate::testing

#endif  // CAREGATE_TESTS_SUPPORT_POSTGRES_H_
