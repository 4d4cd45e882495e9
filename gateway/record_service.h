#ifndef CAREGATE_GATEWAY_RECORD_SERVICE_H_
#define CAREGATE_GATEWAY_RECORD_SERVICE_H_

#include <memory>
#include <set>

#include "adapters/gp_record_source.h"
#include "caregate/v1/records.grpc.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"
#include "gateway/metrics.h"
#include "gateway/record_flow.h"
#include "gateway/thread_pool.h"

namespace caregate::gateway {

// The request and response of one call on one protobuf arena, so that the
// summaries built there (a GP summary has hundreds of strings and
// sub-messages) are set into the response without a copy and freed in one
// go. The arena is shared: a GP source call that outlives its request keeps
// it alive until it returns.
class CallArena : public grpc::RpcAllocatorState {
 public:
  virtual const std::shared_ptr<google::protobuf::Arena>& arena() const = 0;
};

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response>, public CallArena {
   public:
    Holder()
        : arena_(std::make_shared<google::protobuf::Arena>(adapters::GpSummaryArenaOptions())) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(arena_.get()));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(arena_.get()));
    }
    void Release() override { delete this; }
    const std::shared_ptr<google::protobuf::Arena>& arena() const override { return arena_; }

   private:
    std::shared_ptr<google::protobuf::Arena> arena_;
  };
};

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
//
// Every view allocates its messages on a call arena (ArenaMessageAllocator),
// and the flow builds the summaries there.
class RecordServiceImpl final : public caregate::v1::RecordService::CallbackService {
 public:
  // Nothing is owned; everything outlives the service.
  RecordServiceImpl(RecordFlow* flow, ThreadPool* request_pool, Metrics* metrics,
                    std::set<consent::View> inline_views = {})
      : flow_(flow),
        request_pool_(request_pool),
        metrics_(metrics),
        inline_views_(std::move(inline_views)) {
    SetMessageAllocatorFor_GetGpSummary(&gp_summary_messages_);
    SetMessageAllocatorFor_GetSocialCareSummary(&social_care_summary_messages_);
    SetMessageAllocatorFor_GetCombinedProfile(&combined_profile_messages_);
  }

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
  ArenaMessageAllocator<caregate::v1::SummaryRequest, caregate::v1::GetGpSummaryResponse>
      gp_summary_messages_;
  ArenaMessageAllocator<caregate::v1::SummaryRequest,
                        caregate::v1::GetSocialCareSummaryResponse>
      social_care_summary_messages_;
  ArenaMessageAllocator<caregate::v1::SummaryRequest, caregate::v1::GetCombinedProfileResponse>
      combined_profile_messages_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_RECORD_SERVICE_H_
