#include "gateway/record_service.h"

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/grpc_status.h"
#include "gateway/request_validation.h"

namespace caregate::gateway {
namespace {

grpc::ServerUnaryReactor* ValidateThenUnimplemented(
    grpc::CallbackServerContext* context,
    const caregate::v1::SummaryRequest& request, absl::string_view method) {
  auto* reactor = context->DefaultReactor();
  auto validated = ValidateSummaryRequest(request);
  if (!validated.ok()) {
    reactor->Finish(ToGrpcStatus(validated.status()));
  } else {
    reactor->Finish(ToGrpcStatus(absl::UnimplementedError(
        absl::StrCat(method, " is not implemented yet"))));
  }
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* RecordServiceImpl::GetGpSummary(
    grpc::CallbackServerContext* context,
    const caregate::v1::SummaryRequest* request,
    caregate::v1::GetGpSummaryResponse* response) {
  return ValidateThenUnimplemented(context, *request, "GetGpSummary");
}

grpc::ServerUnaryReactor* RecordServiceImpl::GetSocialCareSummary(
    grpc::CallbackServerContext* context,
    const caregate::v1::SummaryRequest* request,
    caregate::v1::GetSocialCareSummaryResponse* response) {
  return ValidateThenUnimplemented(context, *request, "GetSocialCareSummary");
}

grpc::ServerUnaryReactor* RecordServiceImpl::GetCombinedProfile(
    grpc::CallbackServerContext* context,
    const caregate::v1::SummaryRequest* request,
    caregate::v1::GetCombinedProfileResponse* response) {
  return ValidateThenUnimplemented(context, *request, "GetCombinedProfile");
}

}  // namespace caregate::gateway
