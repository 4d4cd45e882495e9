#include "gateway/metrics.h"

#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/text_serializer.h"

namespace caregate::gateway {
namespace {

// Seconds: 1 ms to 10 s, the range a request's deadline allows.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("caregate_requests_total")
                    .Help("RPCs answered, by method and gRPC status code")
                    .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("caregate_request_duration_seconds")
                            .Help("RPC latency by method")
                            .Register(*registry_)),
      source_requests_(prometheus::BuildCounter()
                           .Name("caregate_source_requests_total")
                           .Help("Source calls, by source and outcome")
                           .Register(*registry_)),
      source_duration_(prometheus::BuildHistogram()
                           .Name("caregate_source_duration_seconds")
                           .Help("Source call latency by source")
                           .Register(*registry_)),
      audit_duration_(prometheus::BuildHistogram()
                          .Name("caregate_audit_append_duration_seconds")
                          .Help("Durable audit append latency")
                          .Register(*registry_)),
      decisions_(prometheus::BuildCounter()
                     .Name("caregate_consent_decisions_total")
                     .Help("Consent decisions by outcome and reason code")
                     .Register(*registry_)) {}

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Create(const std::string& address) {
  auto metrics = std::unique_ptr<Metrics>(new Metrics());
  if (address.empty()) return metrics;
  // civetweb (inside prometheus-cpp) throws when it cannot bind; caught here,
  // at the library boundary.
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("server.metrics_address: cannot listen on ", address));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  auto ports = metrics->exposer_->GetListeningPorts();
  metrics->port_ = ports.empty() ? 0 : ports.front();
  return metrics;
}

using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;

namespace {

// The counter labelled {name1=value1, name2=value2}.
Counter& CounterFor(MetricChildren<Counter>& children, absl::string_view name1,
                    absl::string_view value1, absl::string_view name2,
                    absl::string_view value2) {
  return children.Get(absl::StrCat(value1, " ", value2), [&](Family<Counter>& f) -> Counter& {
    return f.Add({{std::string(name1), std::string(value1)},
                  {std::string(name2), std::string(value2)}});
  });
}

// The latency histogram labelled {name=value}.
Histogram& HistogramFor(MetricChildren<Histogram>& children, absl::string_view name,
                        absl::string_view value) {
  return children.Get(value, [&](Family<Histogram>& f) -> Histogram& {
    return f.Add({{std::string(name), std::string(value)}}, LatencyBuckets());
  });
}

}  // namespace

void Metrics::RecordRequest(absl::string_view method, absl::string_view code,
                            absl::Duration latency) {
  CounterFor(requests_, "method", method, "code", code).Increment();
  HistogramFor(request_duration_, "method", method).Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RecordSource(absl::string_view source, absl::string_view status,
                           absl::Duration latency) {
  CounterFor(source_requests_, "source", source, "status", status).Increment();
  HistogramFor(source_duration_, "source", source).Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RecordAuditAppend(bool ok, absl::Duration latency) {
  HistogramFor(audit_duration_, "result", ok ? "ok" : "error")
      .Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RecordDecision(absl::string_view outcome, absl::string_view reason) {
  CounterFor(decisions_, "outcome", outcome, "reason", reason).Increment();
}

std::string Metrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace caregate::gateway
