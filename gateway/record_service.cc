#include "gateway/record_service.h"

#include <chrono>

#include "absl/time/clock.h"
#include "gateway/call_credentials.h"
#include "gateway/grpc_status.h"

namespace caregate::gateway {
namespace {

absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

}  // namespace

grpc::ServerUnaryReactor* RecordServiceImpl::Handle(
    grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
    consent::View view, const char* method, std::function<void(ViewResult&)> fill) {
  auto* reactor = context->DefaultReactor();
  // The call's arena, when its messages were allocated on one.
  std::shared_ptr<google::protobuf::Arena> arena;
  if (auto* call_arena = dynamic_cast<CallArena*>(context->GetRpcAllocatorState())) {
    arena = call_arena->arena();
  }
  auto run = [this, context, request, view, method, reactor, fill = std::move(fill),
              credentials = CredentialsOf(*context), arena = std::move(arena)] {
    const absl::Time start = absl::Now();
    flow_->Start(view, credentials, *request, CallDeadline(*context), arena,
                 [this, start, method, reactor, fill](absl::StatusOr<ViewResult> result) {
                   if (result.ok()) fill(*result);
                   if (metrics_ != nullptr) {
                     metrics_->RecordRequest(method,
                                             absl::StatusCodeToString(result.status().code()),
                                             absl::Now() - start);
                   }
                   reactor->Finish(ToGrpcStatus(result.status()));
                 });
  };
  if (inline_views_.contains(view)) {
    run();
  } else {
    request_pool_->Schedule(std::move(run));
  }
  return reactor;
}

grpc::ServerUnaryReactor* RecordServiceImpl::GetGpSummary(
    grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
    caregate::v1::GetGpSummaryResponse* response) {
  return Handle(context, request, consent::View::kGpSummary, "GetGpSummary",
                [response](ViewResult& r) {
                  // On the call's arena: set, not copied.
                  response->set_allocated_gp_summary(r.gp_summary);
                  *response->mutable_disclosure() = std::move(r.disclosure);
                });
}

grpc::ServerUnaryReactor* RecordServiceImpl::GetSocialCareSummary(
    grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
    caregate::v1::GetSocialCareSummaryResponse* response) {
  return Handle(context, request, consent::View::kSocialCareSummary, "GetSocialCareSummary",
                [response](ViewResult& r) {
                  // On the call's arena: set, not copied.
                  response->set_allocated_social_care_summary(r.social_care_summary);
                  *response->mutable_disclosure() = std::move(r.disclosure);
                });
}

grpc::ServerUnaryReactor* RecordServiceImpl::GetCombinedProfile(
    grpc::CallbackServerContext* context, const caregate::v1::SummaryRequest* request,
    caregate::v1::GetCombinedProfileResponse* response) {
  return Handle(context, request, consent::View::kCombinedProfile, "GetCombinedProfile",
                [response](ViewResult& r) {
                  auto* profile = response->mutable_combined_profile();
                  if (r.gp_summary != nullptr) profile->set_allocated_gp_summary(r.gp_summary);
                  if (r.social_care_summary != nullptr) {
                    profile->set_allocated_social_care_summary(r.social_care_summary);
                  }
                  *profile->mutable_identity_check() = std::move(r.identity_check);
                  *response->mutable_disclosure() = std::move(r.disclosure);
                });
}

}  // namespace caregate::gateway
