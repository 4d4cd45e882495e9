#ifndef CAREGATE_GATEWAY_METRICS_H_
#define CAREGATE_GATEWAY_METRICS_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace caregate::gateway {

// A family's children by their label values, each resolved once:
// prometheus' Family::Add builds a label map and takes the family's lock on
// every call, which a request would otherwise pay nine times.
template <typename T>
class MetricChildren {
 public:
  explicit MetricChildren(prometheus::Family<T>& family) : family_(family) {}
  // The child remembered under `key`; `add` makes it the first time.
  T& Get(absl::string_view key, absl::FunctionRef<T&(prometheus::Family<T>&)> add) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = children_.find(key);
      if (it != children_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = children_.try_emplace(std::string(key), nullptr);
    if (inserted) it->second = &add(family_);
    return *it->second;
  }

 private:
  prometheus::Family<T>& family_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, T*> children_ ABSL_GUARDED_BY(mu_);
};

// caregate's Prometheus metrics, served at http://<metrics_address>/metrics.
// Label values are method names, status code names, source kinds and reason
// codes only: never personal data.
//
//   caregate_requests_total{method, code}
//   caregate_request_duration_seconds{method}         histogram
//   caregate_source_requests_total{source, status}
//   caregate_source_duration_seconds{source}          histogram
//   caregate_audit_append_duration_seconds{result}    histogram
//   caregate_consent_decisions_total{outcome, reason}
//
// Thread-safe.
class Metrics {
 public:
  // Serves the metrics on `address` (host:port; port 0 picks one); an empty
  // address keeps the metrics in memory only (tests, benchmarks).
  static absl::StatusOr<std::unique_ptr<Metrics>> Create(const std::string& address);

  void RecordRequest(absl::string_view method, absl::string_view code, absl::Duration latency);
  void RecordSource(absl::string_view source, absl::string_view status, absl::Duration latency);
  void RecordAuditAppend(bool ok, absl::Duration latency);
  void RecordDecision(absl::string_view outcome, absl::string_view reason);

  // The bound port, 0 when not served.
  int port() const { return port_; }
  // The text exposition, as /metrics would serve it.
  std::string Scrape() const;

 private:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  MetricChildren<prometheus::Counter> requests_;
  MetricChildren<prometheus::Histogram> request_duration_;
  MetricChildren<prometheus::Counter> source_requests_;
  MetricChildren<prometheus::Histogram> source_duration_;
  MetricChildren<prometheus::Histogram> audit_duration_;
  MetricChildren<prometheus::Counter> decisions_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_METRICS_H_
