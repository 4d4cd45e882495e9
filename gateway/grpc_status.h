#ifndef CAREGATE_GATEWAY_GRPC_STATUS_H_
#define CAREGATE_GATEWAY_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace caregate::gateway {

// The one place an absl::Status becomes a grpc::Status. The code and message
// carry over; a reason (common/status.h) becomes a google.rpc.ErrorInfo with
// domain "caregate.nhs.uk" inside a google.rpc.Status in the binary error
// details, where any gRPC client's rich-error API finds it.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients (caregatectl, tests): the ErrorInfo reason in a
// grpc::Status's details, or "" if none.
std::string ErrorInfoReason(const grpc::Status& status);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_GRPC_STATUS_H_
