#ifndef CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_
#define CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/source_request.h"
#include "caregate/v1/gp_summary.pb.h"
#include "google/protobuf/arena.h"

namespace caregate::adapters {

// Options for an Arena that holds one GpSummary (the gateway's per-call arena
// for the GP views, and the parsing bench's production line): larger blocks than
// protobuf's default (256 bytes growing to 8 KB), so a mapped bundle's output
// (about 8 to 75 KB for the public fixtures) takes one to three block
// allocations, not dozens. With tcmalloc the parsing bench shows no
// measurable difference from the defaults or from a 64 KB initial block
// (bench/RESULTS.md, "GP bundle parsing").
inline google::protobuf::ArenaOptions GpSummaryArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 16 << 10;
  options.max_block_size = 64 << 10;
  return options;
}

// A source of GP records: GP Connect over HTTPS (adapters/gpconnect/) or a
// directory of structured-record bundles (adapters/bundle_dir/).
//
// GetGpSummaryInto fills *out with the person's full GP summary as the source
// holds it, with each section's status and note. *out is owned by the caller
// and may live on a google::protobuf::Arena (the gateway builds it on the
// call's arena, so the summary's hundreds of strings and sub-messages cost no
// heap allocation each and are set into the response without a copy); *out is
// cleared first, and on
// error it is left empty (nothing partial is kept). GetGpSummary is the same,
// returning a heap message. Neither filters: sensitive-code and consent policy
// run in the gateway afterwards, so every item keeps its codes.
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

  // *out is cleared first; on error it is left empty.
  virtual absl::Status GetGpSummaryInto(const SourceRequest& request,
                                        caregate::v1::GpSummary* out) = 0;

  // Convenience: a heap message built through GetGpSummaryInto.
  absl::StatusOr<caregate::v1::GpSummary> GetGpSummary(const SourceRequest& request) {
    caregate::v1::GpSummary summary;
    absl::Status status = GetGpSummaryInto(request, &summary);
    if (!status.ok()) return status;
    return summary;
  }
};

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_GP_RECORD_SOURCE_H_
