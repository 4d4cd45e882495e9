#ifndef CAREGATE_GATEWAY_RECORD_SERVICE_H_
#define CAREGATE_GATEWAY_RECORD_SERVICE_H_

#include <set>

#include "caregate/v1/records.grpc.pb.h"
#include "gateway/metrics.h"
#include "gateway/record_flow.h"
#include "gateway/thread_pool.h"

namespace caregate::gateway {

// caregate.v1.RecordService on the gRPC callback API. The handlers are thin:
// each copies the call's credentials and starts the request flow
// (RecordFlow); the flow's answer, given once the audit entry is committed,
// finishes the reactor with the view or with the error through ToGrpcStatus.
//
// Where the flow runs: a view named in `inline_views` runs on gRPC's own
// thread, for views whose stores are all embedded in the process (their work
// is CPU time, and a hop to another thread costs more than it frees). Any
// other view runs on the request pool, so that a slow network peer holds a
// pool thread and never one of gRPC's.
class RecordServiceImpl final : public caregate::v1::RecordService::CallbackService {
 public:
  // Nothing is owned; everything outlives the service.
  RecordServiceImpl(RecordFlow* flow, ThreadPool* request_pool, Metrics* metrics,
                    std::set<consent::View> inline_views = {})
      : flow_(flow),
        request_pool_(request_pool),
        metrics_(metrics),
        inline_views_(std::move(inline_views)) {}

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
  const std::set<consent::View> inline_views_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_RECORD_SERVICE_H_
