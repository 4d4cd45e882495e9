#ifndef CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_
#define CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_

#include "absl/status/statusor.h"
#include "adapters/source_request.h"
#include "caregate/v1/gp_summary.pb.h"

namespace caregate::adapters {

// A source of GP records: GP Connect over HTTPS (adapters/gpconnect/) or a
// directory of structured-record bundles (adapters/bundle_dir/).
//
// GetGpSummary returns the person's full GP summary as the source holds it,
// with each section's status and note. It does not filter: sensitive-code and
// consent policy run in the gateway afterwards, so every item keeps its codes.
//
// Errors (reason in common/status.h):
//   NOT_FOUND          the source does not hold the person, or will not say
//                      (GP Connect PATIENT_NOT_FOUND); the message never says why
//   PERMISSION_DENIED  SOURCE_REFUSED: the source refused, e.g. the patient
//                      dissented at the practice (GP Connect NO_PATIENT_CONSENT)
//   UNAVAILABLE        the source is down or answered 5xx
//   DEADLINE_EXCEEDED  no answer by request.deadline
//   INTERNAL           the source sent something caregate could not use (a
//                      broken bundle, a 400/422); details go to the log, never
//                      personal data
//
// Thread-safety: implementations are safe to call from many threads at once.
class GpRecordSource {
 public:
  virtual ~GpRecordSource() = default;
  virtual absl::StatusOr<caregate::v1::GpSummary> GetGpSummary(
      const SourceRequest& request) = 0;
};

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_
