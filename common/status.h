#ifndef CAREGATE_COMMON_STATUS_H_
#define CAREGATE_COMMON_STATUS_H_

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace caregate::common {

// caregate's errors are absl::Status values inside the process. A status may
// carry a machine-readable reason (a google.rpc.ErrorInfo reason); the one
// conversion to grpc::Status at the RPC edge (gateway/grpc_status.h) turns it
// into ErrorInfo in the rich error details. Messages never contain an NHS
// number, a name or record content.

inline constexpr absl::string_view kErrorDomain = "caregate.nhs.uk";

// Reasons. One name per rule a client can act on.
inline constexpr absl::string_view kReasonInvalidNhsNumber = "INVALID_NHS_NUMBER";
inline constexpr absl::string_view kReasonInvalidPurpose = "INVALID_PURPOSE";
inline constexpr absl::string_view kReasonInvalidEmergencyAccess =
    "INVALID_EMERGENCY_ACCESS";
inline constexpr absl::string_view kReasonInvalidArgument = "INVALID_ARGUMENT";
inline constexpr absl::string_view kReasonInvalidToken = "INVALID_TOKEN";
inline constexpr absl::string_view kReasonRoleNotPermitted = "ROLE_NOT_PERMITTED";
inline constexpr absl::string_view kReasonNoRelationship = "NO_RELATIONSHIP";
inline constexpr absl::string_view kReasonNoConsent = "NO_CONSENT";
inline constexpr absl::string_view kReasonPatientDissent = "PATIENT_DISSENT";
inline constexpr absl::string_view kReasonConsentWithdrawn = "CONSENT_WITHDRAWN";
inline constexpr absl::string_view kReasonEmergencyRateLimited =
    "EMERGENCY_ACCESS_RATE_LIMITED";
inline constexpr absl::string_view kReasonSelfReview = "SELF_REVIEW_NOT_PERMITTED";
inline constexpr absl::string_view kReasonPatientNotFound = "PATIENT_NOT_FOUND";
inline constexpr absl::string_view kReasonSourceRefused = "SOURCE_REFUSED";
inline constexpr absl::string_view kReasonSourceUnavailable = "SOURCE_UNAVAILABLE";
inline constexpr absl::string_view kReasonAuditUnavailable = "AUDIT_UNAVAILABLE";
inline constexpr absl::string_view kReasonInvalidBundle = "INVALID_BUNDLE";
inline constexpr absl::string_view kReasonInvalidConfig = "INVALID_CONFIG";
// Consent module (consent/).
inline constexpr absl::string_view kReasonOrganisationMismatch =
    "ORGANISATION_MISMATCH";
inline constexpr absl::string_view kReasonEmergencyNotPermitted =
    "EMERGENCY_ACCESS_NOT_PERMITTED";
inline constexpr absl::string_view kReasonEmergencyTokenUsed = "EMERGENCY_TOKEN_ALREADY_USED";
inline constexpr absl::string_view kReasonConsentExpired = "CONSENT_EXPIRED";
inline constexpr absl::string_view kReasonConsentNotYetValid = "CONSENT_NOT_YET_VALID";
inline constexpr absl::string_view kReasonInvalidConsent = "INVALID_CONSENT";
inline constexpr absl::string_view kReasonConsentLedgerCorrupt = "CONSENT_LEDGER_CORRUPT";

// Returns `status` carrying `reason`.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// The reason `status` carries, or "" if none.
std::string ErrorReason(const absl::Status& status);

// Shorthands for the common shapes.
absl::Status InvalidArgumentWithReason(absl::string_view reason,
                                       absl::string_view message);
absl::Status PermissionDeniedWithReason(absl::string_view reason,
                                        absl::string_view message);

}  // namespace caregate::common

#endif  // CAREGATE_COMMON_STATUS_H_
