// caregatectl import-cld: loads Client Level Data files into a council store.

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "adapters/cld_csv/cld_import.h"
#include "adapters/council_sql/schema.h"
#include "cli/commands.h"
#include "common/sql/database.h"

namespace caregate::cli {
namespace {

const Command& Self() { return CommandNamed("import-cld"); }

// A TARGET is a PostgreSQL URI or key=value conninfo, or a SQLite file path.
caregate::config::v1::StoreConfig StoreFor(const std::string& target) {
  caregate::config::v1::StoreConfig store;
  if (absl::StartsWith(target, "postgresql://") || absl::StartsWith(target, "postgres://") ||
      target.find('=') != std::string::npos) {
    store.mutable_postgres()->set_conninfo(target);
    store.mutable_postgres()->set_pool_size(1);
  } else {
    store.mutable_sqlite()->set_path(target);
  }
  return store;
}

}  // namespace

int RunImportCld(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command& self = Self();
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (auto s = args->OnlyKnown({"events", "contacts", "db", "timeout-s"}); !s.ok()) {
    return UsageError(self, s.message());
  }
  auto events = args->Require("events");
  if (!events.ok()) return UsageError(self, events.status().message());
  auto target = args->Require("db");
  if (!target.ok()) return UsageError(self, target.status().message());
  int timeout_s = 3600;
  if (args->Has("timeout-s") && (!absl::SimpleAtoi(args->Get("timeout-s"), &timeout_s) ||
                                 timeout_s <= 0)) {
    return UsageError(self, "--timeout-s must be a positive number of seconds");
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(timeout_s);

  auto db = common::sql::Database::Open(StoreFor(*target), ".", "--db");
  if (!db.ok()) {
    std::cerr << "error: " << db.status().message() << "\n";
    return 1;
  }
  auto stats =
      adapters::cld_csv::ImportCldFiles(*events, args->Get("contacts"), **db, deadline);
  if (!stats.ok()) {
    std::cerr << "error: " << stats.status().message() << "\n";
    return 1;
  }
  std::cout << "imported " << stats->event_rows << " event rows and " << stats->contact_rows
            << " contact rows\n";
  return 0;
}

}  // namespace caregate::cli
