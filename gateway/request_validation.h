#ifndef CAREGATE_GATEWAY_REQUEST_VALIDATION_H_
#define CAREGATE_GATEWAY_REQUEST_VALIDATION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "caregate/v1/records.pb.h"

namespace caregate::gateway {

// A SummaryRequest that passed validation: the NHS number normalised to ten
// digits, a lawful purpose, and a well-formed emergency override if any.
struct ValidatedSummaryRequest {
  std::string nhs_number;
  caregate::v1::PurposeOfUse purpose;
  std::optional<caregate::v1::EmergencyAccess> emergency_access;
};

// The longest emergency justification accepted.
inline constexpr size_t kMaxJustificationChars = 2000;

// Checks a SummaryRequest. Errors are INVALID_ARGUMENT with reason
// INVALID_NHS_NUMBER, INVALID_PURPOSE or INVALID_EMERGENCY_ACCESS and a
// message naming the field and the rule; they never echo the input.
absl::StatusOr<ValidatedSummaryRequest> ValidateSummaryRequest(
    const caregate::v1::SummaryRequest& request);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_REQUEST_VALIDATION_H_
