#include "gateway/grpc_status.h"

#include <string>

#include "common/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace caregate::gateway {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  const std::string reason = common::ErrorReason(status);
  if (reason.empty()) return grpc::Status(code, message);

  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(std::string(common::kErrorDomain));
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  rich.add_details()->PackFrom(info);
  return grpc::Status(code, message, rich.SerializeAsString());
}

std::string ErrorInfoReason(const grpc::Status& status) {
  google::rpc::Status rich;
  if (status.error_details().empty() ||
      !rich.ParseFromString(status.error_details())) {
    return "";
  }
  for (const auto& detail : rich.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

}  // namespace caregate::gateway
