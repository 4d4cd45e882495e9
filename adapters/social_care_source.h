#ifndef CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_
#define CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_

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

// A source of council adult social care records (adapters/council_sql/).
//
// GetSocialCareSummary returns the person's summary as the council holds it;
// the gateway applies policy afterwards. GetRelationship answers the
// legitimate-relationship evidence without building a summary.
//
// Errors: NOT_FOUND when the council does not know the person;
// UNAVAILABLE when the store cannot be reached; DEADLINE_EXCEEDED past
// request.deadline. Messages never contain personal data.
//
// Thread-safety: implementations are safe to call from many threads at once.
class SocialCareSource {
 public:
  virtual ~SocialCareSource() = default;
  virtual absl::StatusOr<caregate::v1::SocialCareSummary> GetSocialCareSummary(
      const SourceRequest& request) = 0;
  virtual absl::StatusOr<CouncilRelationship> GetRelationship(
      const SourceRequest& request) = 0;
};

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_SOCIAL_CARE_SOURCE_H_
