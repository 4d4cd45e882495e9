#ifndef CAREGATE_ADAPTERS_CLD_CSV_CLD_LAYOUT_H_
#define CAREGATE_ADAPTERS_CLD_CSV_CLD_LAYOUT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace caregate::adapters::cld_csv {

// The 46 submitted Client Level Data columns, in submission order
// (shared reference socialcare.md sections 1.2 and 7).
enum CldColumn {
  kLaCode,
  kReportingPeriodStartDate,
  kReportingPeriodEndDate,
  kNhsNumber,
  kLaPersonId,
  kGpPracticeCode,
  kGender,
  kEthnicity,
  kDateOfBirth,
  kDateOfDeath,
  kClientType,
  kPrimarySupportReason,
  kPostcode,
  kAccommodationStatus,
  kEmploymentStatus,
  kHasUnpaidCarer,
  kAutism,
  kVisualImpairment,
  kHearingImpairment,
  kDementia,
  kClientFundingStatus,
  kEventType,
  kEventReference,
  kEventStartDate,
  kEventEndDate,
  kEventDescription,
  kEventOutcome,
  kRouteOfAccess,
  kAssessmentType,
  kEligibleNeedsIdentified,
  kMethodOfAssessment,
  kTotalHrsCaring,
  kNoOfAdultsCaredFor,
  kAdult1LinkedPersonId,
  kAdult2LinkedPersonId,
  kAdult3LinkedPersonId,
  kServiceType,
  kServiceComponent,
  kDeliveryMechanism,
  kProviderCqcLocationId,
  kReviewReason,
  kReviewOutcomesAchieved,
  kMethodOfReview,
  kUnitCost,
  kCostFrequency,
  kPlannedUnitsPerWeek,
  kCldColumnCount,  // 46
  // Optional columns after the 46 (Release 1 person/provider names and the
  // gateway extension columns of socialcare.md section 7).
  kGivenName = kCldColumnCount,
  kFamilyName,
  kGpPracticeName,
  kProviderName,
  kAddressLine1,
  kNhsNumberStatus,
  kDirectPaymentManagedBy,
  kColumnCount,
};

struct ColumnLabels {
  // The submission header (spaces), e.g. "Request: Route of Access".
  absl::string_view header;
  // The Release 2 field name, e.g. "Request_Route_of_Access".
  absl::string_view field_name;
  // Another accepted label (Release 1 only columns), or "".
  absl::string_view alias;
};

// Labels for every column, indexed by CldColumn.
const ColumnLabels& Labels(int column);

// The column a header cell names, or -1.
int ColumnForHeader(absl::string_view header);

// A CLD defined list: the Release 2 labels, plus Release 1 labels that are
// stored as their Release 2 equivalents. Matching is exact (case-sensitive).
struct CodeList {
  absl::string_view name;
  std::vector<std::string> values;
  // Pairs (Release 1 label, Release 2 label).
  std::vector<std::pair<std::string, std::string>> release1;
};

// The list a column is validated against, or nullptr for free text.
const CodeList* CodeListFor(int column);

// The canonical (Release 2) label for `value`, or "" when not in the list.
std::string Canonical(const CodeList& list, absl::string_view value);

// Labels used by the mandatory-when rules after canonicalisation.
inline constexpr absl::string_view kServiceUser = "Service user";
inline constexpr absl::string_view kUnpaidCarer = "Unpaid carer";
inline constexpr absl::string_view kCarerKnownByAssociation =
    "Unpaid carer known by association";

}  // namespace caregate::adapters::cld_csv

#endif  // CAREGATE_ADAPTERS_CLD_CSV_CLD_LAYOUT_H_
