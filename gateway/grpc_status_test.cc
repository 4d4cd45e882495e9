#include "gateway/grpc_status.h"

#include "common/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

TEST(GrpcStatusTest, ReasonBecomesErrorInfo) {
  grpc::Status s = ToGrpcStatus(common::PermissionDeniedWithReason(
      common::kReasonPatientDissent, "the person has dissented"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "the person has dissented");
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "PATIENT_DISSENT");
  EXPECT_EQ(info.domain(), "caregate.nhs.uk");
  EXPECT_EQ(ErrorInfoReason(s), "PATIENT_DISSENT");
}

TEST(GrpcStatusTest, CodesMapOneToOne) {
  EXPECT_EQ(ToGrpcStatus(absl::DeadlineExceededError("x")).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ErrorInfoReason(ToGrpcStatus(absl::InternalError("x"))), "");
}

}  // namespace
}  // namespace caregate::gateway
