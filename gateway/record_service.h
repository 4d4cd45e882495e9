#ifndef CAREGATE_GATEWAY_RECORD_SERVICE_H_
#define CAREGATE_GATEWAY_RECORD_SERVICE_H_

#include "caregate/v1/records.grpc.pb.h"

namespace caregate::gateway {

// caregate.v1.RecordService on the gRPC callback API. Handlers are thin: they
// validate the request and hand it to the request flow; the answer (or the
// error, through ToGrpcStatus) finishes the reactor.
//
// Until the request flow exists every method validates its request and then
// answers UNIMPLEMENTED: never made-up data.
class RecordServiceImpl final : public caregate::v1::RecordService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetGpSummary(
      grpc::CallbackServerContext* context,
      const caregate::v1::SummaryRequest* request,
      caregate::v1::GetGpSummaryResponse* response) override;
  grpc::ServerUnaryReactor* GetSocialCareSummary(
      grpc::CallbackServerContext* context,
      const caregate::v1::SummaryRequest* request,
      caregate::v1::GetSocialCareSummaryResponse* response) override;
  grpc::ServerUnaryReactor* GetCombinedProfile(
      grpc::CallbackServerContext* context,
      const caregate::v1::SummaryRequest* request,
      caregate::v1::GetCombinedProfileResponse* response) override;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_RECORD_SERVICE_H_
