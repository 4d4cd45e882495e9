#include "gateway/audit_service.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/nhs_number.h"
#include "common/status.h"
#include "gateway/call_credentials.h"
#include "gateway/grpc_status.h"

namespace caregate::gateway {
namespace {

using consent::Principal;

constexpr absl::string_view kPageTokenPrefix = "audit:";

absl::Time DeadlineOf(const grpc::CallbackServerContext* context) {
  absl::Time now = absl::Now();
  absl::Time cap = now + absl::Seconds(30);
  auto raw = context->deadline();
  if (raw >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return cap;
  }
  absl::Time deadline = absl::FromChrono(raw);
  return deadline < cap ? deadline : cap;
}

std::string PageToken(uint64_t next) {
  return next == 0 ? "" : absl::StrCat(kPageTokenPrefix, next);
}

absl::StatusOr<uint64_t> FromPageToken(absl::string_view token) {
  if (token.empty()) return 0;
  uint64_t start = 0;
  if (!absl::ConsumePrefix(&token, kPageTokenPrefix) || !absl::SimpleAtoi(token, &start)) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidArgument, "page_token: must be a next_page_token from this method");
  }
  return start;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

caregate::v1::AuditActor ActorOf(const Principal& principal) {
  caregate::v1::AuditActor actor;
  actor.set_user_id(principal.user_id);
  actor.set_user_name(principal.user_name);
  actor.set_role(std::string(consent::RoleName(principal.role)));
  actor.set_rbac_role(principal.rbac_role);
  actor.set_organisation(principal.organisation);
  actor.set_client_system(principal.client_system);
  return actor;
}

template <typename Fn>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, Fn&& fn) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(fn()));
  return reactor;
}

}  // namespace

AuditServiceImpl::AuditServiceImpl(consent::audit::SqlAuditLog* log,
                                   const consent::Authenticator* authenticator)
    : log_(log), authenticator_(authenticator) {}

absl::StatusOr<Principal> AuditServiceImpl::PrivacyOfficer(
    grpc::CallbackServerContext* context) const {
  ReceivedCredentials credentials = CredentialsOf(*context);
  auto principal = authenticator_->Authenticate(credentials.view());
  if (!principal.ok()) return principal.status();
  if (principal->role != consent::Role::kPrivacyOfficer) {
    return common::PermissionDeniedWithReason(
        common::kReasonRoleNotPermitted, "role: the audit service needs the privacy_officer role");
  }
  return principal;
}

grpc::ServerUnaryReactor* AuditServiceImpl::ListAuditEvents(
    grpc::CallbackServerContext* context, const caregate::v1::ListAuditEventsRequest* request,
    caregate::v1::ListAuditEventsResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    consent::audit::AuditQuery query;
    if (!request->nhs_number().empty()) {
      auto nhs = common::ParseNhsNumber(request->nhs_number());
      if (!nhs.ok()) return nhs.status();
      query.nhs_number = *nhs;
    }
    if (request->page_size() > 1000) {
      return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                               "page_size: must be at most 1000");
    }
    query.user_id = request->user_id();
    query.organisation = request->organisation();
    if (request->has_from_time()) query.from_time = FromTimestamp(request->from_time());
    if (request->has_to_time()) query.to_time = FromTimestamp(request->to_time());
    if (request->has_from_time() && request->has_to_time() && query.to_time < query.from_time) {
      return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                               "to_time: must not be before from_time");
    }
    query.outcome = request->outcome();
    query.page_size = request->page_size();
    auto start = FromPageToken(request->page_token());
    if (!start.ok()) return start.status();
    query.start_index = *start;
    uint64_t next = 0;
    auto entries = log_->List(query, DeadlineOf(context), &next);
    if (!entries.ok()) return entries.status();
    for (auto& e : *entries) *response->add_entries() = std::move(e);
    response->set_next_page_token(PageToken(next));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetAccessReport(
    grpc::CallbackServerContext* context, const caregate::v1::GetAccessReportRequest* request,
    caregate::v1::AccessReport* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    auto nhs = common::ParseNhsNumber(request->nhs_number());
    if (!nhs.ok()) return nhs.status();
    auto report = log_->AccessReport(*nhs, DeadlineOf(context));
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetSignedTreeHead(
    grpc::CallbackServerContext* context, const caregate::v1::GetSignedTreeHeadRequest* request,
    caregate::v1::SignedTreeHead* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    auto head = log_->SignedTreeHead();
    if (!head.ok()) return head.status();
    *response = std::move(*head);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetInclusionProof(
    grpc::CallbackServerContext* context, const caregate::v1::GetInclusionProofRequest* request,
    caregate::v1::InclusionProof* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    auto proof = log_->InclusionProof(request->leaf_index(), request->tree_size());
    if (!proof.ok()) {
      return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                               proof.status().message());
    }
    *response = std::move(*proof);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetConsistencyProof(
    grpc::CallbackServerContext* context, const caregate::v1::GetConsistencyProofRequest* request,
    caregate::v1::ConsistencyProof* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    auto proof = log_->ConsistencyProof(request->first_tree_size(), request->second_tree_size());
    if (!proof.ok()) {
      return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                               proof.status().message());
    }
    *response = std::move(*proof);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::ListEmergencyAccesses(
    grpc::CallbackServerContext* context, const caregate::v1::ListEmergencyAccessesRequest* request,
    caregate::v1::ListEmergencyAccessesResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    if (request->page_size() > 1000) {
      return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                               "page_size: must be at most 1000");
    }
    auto start = FromPageToken(request->page_token());
    if (!start.ok()) return start.status();
    uint64_t next = 0;
    auto records = log_->EmergencyAccesses(request->state(), request->page_size(), *start,
                                           DeadlineOf(context), &next);
    if (!records.ok()) return records.status();
    for (auto& r : *records) *response->add_records() = std::move(r);
    response->set_next_page_token(PageToken(next));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::ReviewEmergencyAccess(
    grpc::CallbackServerContext* context, const caregate::v1::ReviewEmergencyAccessRequest* request,
    caregate::v1::EmergencyAccessRecord* response) {
  return Answer(context, [&]() -> absl::Status {
    auto principal = PrivacyOfficer(context);
    if (!principal.ok()) return principal.status();
    auto record =
        log_->ReviewEmergencyAccess(request->audit_index(), request->outcome(), request->note(),
                                    ActorOf(*principal), DeadlineOf(context));
    if (!record.ok()) return record.status();
    *response = std::move(*record);
    return absl::OkStatus();
  });
}

}  // namespace caregate::gateway
