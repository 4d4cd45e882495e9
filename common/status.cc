#include "common/status.h"

#include "absl/strings/cord.h"

namespace caregate::common {
namespace {
constexpr absl::string_view kReasonPayloadUrl = "caregate.nhs.uk/ErrorInfo.reason";
}  // namespace

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (!status.ok()) status.SetPayload(kReasonPayloadUrl, absl::Cord(reason));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayloadUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status InvalidArgumentWithReason(absl::string_view reason,
                                       absl::string_view message) {
  return WithReason(absl::InvalidArgumentError(message), reason);
}

absl::Status PermissionDeniedWithReason(absl::string_view reason,
                                        absl::string_view message) {
  return WithReason(absl::PermissionDeniedError(message), reason);
}

}  // namespace caregate::common
