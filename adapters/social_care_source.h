#ifndef CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_
#define CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/source_request.h"
#include "caregate/v1/social_care.pb.h"

namespace caregate::adapters {

// What the council's own records say about its relationship with a person:
// the evidence the consent module's legitimate-relationship rule uses.
struct CouncilRelationship {
  // The person is known to the council at all.
  bool known = false;
  // The person has an open case (a current allocation) with the council.
  bool open_case = false;
  // The council's ODS/LA code.
  std::string council_code;
  // Teams with a current allocation for the person.
  std::vector<std::string> allocated_teams;
  // User ids of workers with a current allocation (for the team rule).
  std::vector<std::string> allocated_worker_ids;
  // The GP practice ODS code the council records for the person.
  std::string gp_practice_code;
};

// One reading of the council's records about one person: the relationship
// and the summary it answers come from one snapshot of the store. A reading
// holds a store connection until it is destroyed, so a caller ends it as soon
// as it has what it needs, and never keeps it while waiting for another
// source.
//
// Errors as for SocialCareSource. Not thread-safe: one request's thread uses
// it.
class CouncilReading {
 public:
  virtual ~CouncilReading() = default;
  virtual absl::StatusOr<CouncilRelationship> Relationship() = 0;
  // Fills `out`, which the caller owns and which may live on a protobuf
  // Arena (the gateway builds it on the call's arena): cleared first, and
  // left empty on error.
  virtual absl::Status SummaryInto(caregate::v1::SocialCareSummary* out) = 0;

  // The summary as a heap message.
  absl::StatusOr<caregate::v1::SocialCareSummary> Summary() {
    caregate::v1::SocialCareSummary summary;
    if (absl::Status s = SummaryInto(&summary); !s.ok()) return s;
    return summary;
  }
};

// A source of council adult social care records (adapters/council_sql/).
//
// Summary returns the person's summary as the council holds it; the gateway
// applies policy afterwards. Relationship answers the legitimate-relationship
// evidence without building a summary.
//
// Errors: NOT_FOUND when the council does not know the person;
// UNAVAILABLE when the store cannot be reached; DEADLINE_EXCEEDED past
// request.deadline. Messages never contain personal data.
//
// Thread-safety: implementations are safe to call from many threads at once.
class SocialCareSource {
 public:
  virtual ~SocialCareSource() = default;

  // Starts a reading under request.deadline (every call on it keeps that
  // deadline). NOT_FOUND here when the council does not know the person.
  virtual absl::StatusOr<std::unique_ptr<CouncilReading>> StartReading(
      const SourceRequest& request) = 0;

  // A reading for one answer.
  absl::StatusOr<caregate::v1::SocialCareSummary> GetSocialCareSummary(
      const SourceRequest& request) {
    auto reading = StartReading(request);
    if (!reading.ok()) return reading.status();
    return (*reading)->Summary();
  }
  absl::StatusOr<CouncilRelationship> GetRelationship(const SourceRequest& request) {
    auto reading = StartReading(request);
    if (!reading.ok()) return reading.status();
    return (*reading)->Relationship();
  }
};

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_
