#include "gateway/request_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/nhs_number.h"
#include "common/status.h"

namespace caregate::gateway {

using caregate::v1::EmergencyReason_IsValid;
using caregate::v1::PurposeOfUse;

namespace {
// Characters, not bytes: a justification in any script gets the same room.
size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

absl::StatusOr<ValidatedSummaryRequest> ValidateSummaryRequest(
    const caregate::v1::SummaryRequest& request) {
  ValidatedSummaryRequest out;
  auto nhs_number = common::ParseNhsNumber(request.nhs_number());
  if (!nhs_number.ok()) return nhs_number.status();
  out.nhs_number = *std::move(nhs_number);

  switch (request.purpose()) {
    case caregate::v1::PURPOSE_OF_USE_DIRECT_CARE:
    case caregate::v1::PURPOSE_OF_USE_SAFEGUARDING:
      out.purpose = request.purpose();
      break;
    case caregate::v1::PURPOSE_OF_USE_UNSPECIFIED:
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidPurpose, "purpose: is required (DIRECT_CARE or SAFEGUARDING)");
    default:
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidPurpose,
          "purpose: must be DIRECT_CARE or SAFEGUARDING");
  }

  if (request.has_emergency_access()) {
    const auto& e = request.emergency_access();
    if (e.reason() == caregate::v1::EMERGENCY_REASON_UNSPECIFIED) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidEmergencyAccess,
          "emergency_access.reason: is required");
    }
    if (!EmergencyReason_IsValid(e.reason())) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidEmergencyAccess,
          "emergency_access.reason: is not a known emergency reason");
    }
    if (absl::StripAsciiWhitespace(e.justification()).empty()) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidEmergencyAccess,
          "emergency_access.justification: a written justification is required");
    }
    if (Utf8Length(e.justification()) > kMaxJustificationChars) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidEmergencyAccess,
          absl::StrCat("emergency_access.justification: must be at most ",
                       kMaxJustificationChars, " characters"));
    }
    out.emergency_access = e;
  }
  return out;
}

}  // namespace caregate::gateway
