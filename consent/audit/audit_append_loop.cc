// A test helper for the crash test (audit_crash_test.cc): opens the audit log
// from a config, appends from several threads until killed, and prints
//   ack <index> <request_id>     after each Append returns (acknowledged)
//   head <SignedTreeHead JSON>   every 50 acknowledgements
// Usage: audit_append_loop (--sqlite PATH | --postgres CONNINFO) --data-dir DIR

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "consent/audit/audit_test_util.h"
#include "consent/audit/sql_audit_log.h"
#include "google/protobuf/util/json_util.h"

int main(int argc, char** argv) {
  caregate::config::v1::AuditConfig config;
  std::string data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sqlite")) {
      config.mutable_store()->mutable_sqlite()->set_path(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--postgres")) {
      config.mutable_store()->mutable_postgres()->set_conninfo(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--data-dir")) {
      data_dir = argv[i + 1];
    }
  }
  auto log = caregate::consent::audit::SqlAuditLog::Create(config, data_dir);
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", std::string(log.status().message()).c_str());
    return 1;
  }
  absl::Mutex out_mu;
  int acks = 0;
  std::printf("ready\n");
  std::fflush(stdout);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        auto entry = caregate::consent::audit::testing::Access(n);
        entry.set_request_id(absl::StrCat("t", t, "-", n));
        auto index = (*log)->Append(entry, absl::Now() + absl::Seconds(30));
        absl::MutexLock lock(&out_mu);
        if (!index.ok()) {
          std::printf("error %s\n", std::string(index.status().message()).c_str());
        } else {
          std::printf("ack %llu %s\n", static_cast<unsigned long long>(*index),
                      entry.request_id().c_str());
          if (++acks % 50 == 0) {
            auto head = (*log)->SignedTreeHead();
            std::string json;
            if (head.ok() && google::protobuf::util::MessageToJsonString(*head, &json).ok()) {
              std::printf("head %s\n", json.c_str());
            }
          }
        }
        std::fflush(stdout);
      }
    });
  }
  for (auto& t : threads) t.join();
}
