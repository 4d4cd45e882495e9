#ifndef CAREGATE_ADAPTERS_GPCONNECT_GPCONNECT_SOURCE_H_
#define CAREGATE_ADAPTERS_GPCONNECT_GPCONNECT_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/gp_record_source.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"

namespace caregate::adapters::gpconnect {

// The GP source over GP Connect Access Record: Structured:
// POST {service_root}/Patient/$gpc.getstructuredrecord over HTTPS (libcurl)
// with mutual TLS (client certificate and key, CA bundle from config).
//
// One GetGpSummaryInto makes the two calls the spec's parameter rules require
// (SummaryQueries in request.h), in parallel on one curl multi handle, each
// with a fresh Ssp-TraceID (checked against the returned Bundle.id), Ssp-From,
// Ssp-To, Ssp-InteractionID, and a JWT built for this request from the
// caller's identity. gzip is accepted. The timeout is the earlier of the
// caller's deadline and config.timeout; the body is limited to
// max_response_bytes after decompression; a call answered 502/503/504/599 is
// retried once if the deadline allows.
//
// Errors (see GpRecordSource): 403 NO_PATIENT_CONSENT / ACCESS DENIED and
// other 403s -> PERMISSION_DENIED (SOURCE_REFUSED); 404 -> NOT_FOUND
// (PATIENT_NOT_FOUND, never saying why); 400/422 and other 4xx -> INTERNAL,
// with the OperationOutcome code and diagnostics (digits redacted) logged;
// 5xx/599 and connection or TLS failures -> UNAVAILABLE (SOURCE_UNAVAILABLE);
// no answer in time -> DEADLINE_EXCEEDED; a body over the limit, a bundle
// that does not parse or whose id is not the trace id -> INTERNAL
// (INVALID_BUNDLE).
//
// Thread-safe: each call uses its own curl handles.
class GpConnectSource : public GpRecordSource {
 public:
  // Paths in `config` must already be resolved (see gp_source_factory.h).
  // Checks the config (required fields, readable PEM files) and applies the
  // documented defaults.
  static absl::StatusOr<std::unique_ptr<GpConnectSource>> Create(
      const caregate::config::v1::GpConnectConfig& config,
      const common::Clock* clock = common::Clock::Real());

  absl::Status GetGpSummaryInto(const SourceRequest& request,
                                caregate::v1::GpSummary* out) override;

 private:
  GpConnectSource(caregate::config::v1::GpConnectConfig config, const common::Clock* clock)
      : config_(std::move(config)), clock_(clock) {}

  // GetGpSummaryInto's work; the caller clears *out on error.
  absl::Status Fetch(const SourceRequest& request, caregate::v1::GpSummary* out);

  const caregate::config::v1::GpConnectConfig config_;
  const common::Clock* clock_;
};

}  // namespace caregate::adapters::gpconnect

#endif  // CAREGATE_ADAPTERS_GPCONNECT_GPCONNECT_SOURCE_H_
