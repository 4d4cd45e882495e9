#include "tests/support/postgres.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/process.h"

namespace caregate::testing {
namespace {

constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// PostgreSQL refuses to run as root: run its tools as `postgres` then.
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

absl::Status Run(const std::vector<std::string>& argv, absl::string_view what) {
  CommandResult r = RunCommand(AsServerUser(argv), absl::Seconds(120));
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat(what, " failed (", r.exit_code, "): ", r.output));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  if (!std::filesystem::exists(absl::StrCat(kPgBin, "/initdb"))) {
    return absl::FailedPreconditionError(
        "PostgreSQL 15 is not installed (deploy/setup.sh installs it)");
  }
  auto server = std::unique_ptr<PostgresServer>(new PostgresServer());
  std::string pattern = "/tmp/caregate-pg-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  server->dir_ = pattern;
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr) return absl::FailedPreconditionError("no postgres user");
    if (chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::InternalError("chown of the PostgreSQL directory failed");
    }
  }
  absl::Status s = Run({absl::StrCat(kPgBin, "/initdb"), "-D", server->dir_ + "/data",
                        "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"},
                       "initdb");
  if (!s.ok()) return s;
  server->port_ = FreePort();
  s = server->Restart();
  if (!s.ok()) return s;
  return server;
}

absl::Status PostgresServer::Restart() {
  absl::Status s = Run(
      {absl::StrCat(kPgBin, "/pg_ctl"), "-D", dir_ + "/data", "-l", dir_ + "/server.log",
       "-w", "-t", "60", "-o",
       absl::StrCat("-p ", port_, " -k ", dir_,
                    " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"),
       "start"},
      "pg_ctl start");
  if (s.ok()) running_ = true;
  return s;
}

absl::Status PostgresServer::Stop() {
  if (!running_) return absl::OkStatus();
  running_ = false;
  return Run({absl::StrCat(kPgBin, "/pg_ctl"), "-D", dir_ + "/data", "-w", "-m", "fast",
              "stop"},
             "pg_ctl stop");
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::ConnInfo(absl::string_view database) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=postgres dbname=", database,
                      " connect_timeout=10");
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  // The pid and a counter are unique within a run; the random part keeps a
  // long-lived server (a developer's, reused across runs as pids come round
  // again) from ever holding the name already.
  static std::atomic<int> counter{0};
  const std::string name = absl::StrCat("caregate_test_", getpid(), "_", counter++, "_",
                                        absl::Hex(std::random_device{}()));
  PGconn* conn = PQconnectdb(ConnInfo("postgres").c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot reach the test PostgreSQL: ", why));
  }
  PGresult* r = PQexec(conn, absl::StrCat("CREATE DATABASE ", name).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string why = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return absl::InternalError(absl::StrCat("CREATE DATABASE failed: ", why));
  return ConnInfo(name);
}

absl::StatusOr<PostgresServer*> PostgresServer::Shared() {
  static absl::StatusOr<PostgresServer*>* shared = [] {
    // deploy/test.sh starts one server for the whole test run and names its
    // port here; a test run by hand starts its own.
    if (const char* port = std::getenv("CAREGATE_TEST_PG_PORT")) {
      auto* external = new PostgresServer();
      external->port_ = std::atoi(port);
      return new absl::StatusOr<PostgresServer*>(external);
    }
    auto started = Start();
    auto* result = new absl::StatusOr<PostgresServer*>(
        started.ok() ? absl::StatusOr<PostgresServer*>(started->release())
                     : absl::StatusOr<PostgresServer*>(started.status()));
    if (result->ok()) {
      std::atexit([] {
        auto s = PostgresServer::Shared();
        if (s.ok()) delete *s;
      });
    }
    return result;
  }();
  return *shared;
}

}  // namespace caregate::testing
