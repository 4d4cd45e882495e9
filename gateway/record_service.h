#ifndef CAREGATE_GATEWAY_RECORD_SERVICE_H_
#define CAREGATE_GATEWAY_RECORD_SERVICE_H_

#include "caregate/v1/records.grpc.pb.h"
#include "gateway/metrics.h"
#include "gateway/record_flow.h"
#include "gateway/thread_pool.h"

namespace caregate::gateway {

// caregate.v1.RecordService on the gRPC callback API. The handlers are thin:
// each copies the call's credentials, runs the request flow (RecordFlow) on
// the request pool so gRPC's threads stay free, and finishes the reactor with
// the view or with the error through ToGrpcStatus.
class RecordServiceImpl final : public caregate::v1::RecordService::CallbackService {
 public:
  // Nothing is owned; everything outlives the service.
  RecordServiceImpl(RecordFlow* flow, ThreadPool* request_pool, Metrics* metrics)
      : flow_(flow), request_pool_(request_pool), metrics_(metrics) {}

  grpc::ServerUnaryReactor* GetGpSummary(
      grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
      caregate::v1::GetGpSummaryResponse* response) override;
  grpc::ServerUnaryReactor* GetSocialCareSummary(
      grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
      caregate::v1::GetSocialCareSummaryResponse* response) override;
  grpc::ServerUnaryReactor* GetCombinedProfile(
      grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
      caregate::v1::GetCombinedProfileResponse* response) override;

 private:
  // Runs `view` and hands the result to `fill` on success.
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const caregate::v1::SummaryRequest* request,
                                   consent::View view, const char* method,
                                   std::function<void(ViewResult&)> fill);

  RecordFlow* flow_;
  ThreadPool* request_pool_;
  Metrics* metrics_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_RECORD_SERVICE_H_
