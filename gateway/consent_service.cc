#include "gateway/consent_service.h"

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/nhs_number.h"
#include "common/status.h"
#include "consent/policy/consent_module.h"
#include "gateway/grpc_status.h"
#include "google/protobuf/util/time_util.h"

namespace caregate::gateway {
namespace {

namespace v1 = caregate::v1;
using consent::Role;

v1::AuditEntry ChangeEntry(const absl::Status& status, const consent::Principal* principal,
                           const consent::CallCredentials& call, v1::AuditAction action,
                           absl::string_view nhs_number, absl::Time now) {
  v1::AuditEntry e = consent::BuildAuthFailureAuditEntry(status, call, action, nhs_number, now, "");
  if (principal != nullptr) *e.mutable_actor() = consent::ActorFor(*principal);
  return e;
}

bool MayChange(Role r) {
  return r == Role::kGp || r == Role::kSocialWorker || r == Role::kConsentAdministrator;
}

bool MayRead(Role r) { return MayChange(r) || r == Role::kPrivacyOfficer; }

}  // namespace

ConsentServiceImpl::ConsentServiceImpl(consent::ledger::ConsentLedger* ledger,
                                       const consent::Authenticator* authenticator,
                                       consent::AuditLog* audit, const common::Clock* clock,
                                       ThreadPool* pool, absl::Duration default_timeout)
    : ledger_(ledger),
      authenticator_(authenticator),
      audit_(audit),
      clock_(clock != nullptr ? clock : common::Clock::Real()),
      pool_(pool),
      default_timeout_(default_timeout) {}

absl::Time ConsentServiceImpl::Deadline(const grpc::CallbackServerContext& context) const {
  const auto d = context.deadline();
  const absl::Time fallback = absl::Now() + default_timeout_;
  if (d == std::chrono::system_clock::time_point::max()) return fallback;
  return std::min(absl::FromChrono(d), fallback);
}

grpc::ServerUnaryReactor* ConsentServiceImpl::Serve(grpc::CallbackServerContext* context,
                                                    std::function<absl::Status()> body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto run = [reactor, body = std::move(body)] { reactor->Finish(ToGrpcStatus(body())); };
  if (pool_ != nullptr) {
    pool_->Schedule(std::move(run));
  } else {
    run();
  }
  return reactor;
}

absl::StatusOr<v1::ConsentFact> ConsentServiceImpl::Change(const ReceivedCredentials& creds,
                                                           absl::Time deadline,
                                                           v1::AuditAction action,
                                                           absl::string_view raw_nhs_number,
                                                           v1::ConsentFact fact) {
  const consent::CallCredentials call = creds.view();
  auto nhs = common::ParseNhsNumber(raw_nhs_number, "nhs_number");
  const std::string audit_nhs = nhs.ok() ? *nhs : "";

  // Refusals are audited too; if that audit fails, say so instead.
  auto refuse = [&](const absl::Status& s, const consent::Principal* p) -> absl::Status {
    auto written =
        audit_->Append(ChangeEntry(s, p, call, action, audit_nhs, clock_->Now()), deadline);
    if (!written.ok()) return written.status();
    return s;
  };

  auto principal = authenticator_->Authenticate(call);
  if (!principal.ok()) return refuse(principal.status(), nullptr);
  if (!MayChange(principal->role)) {
    return refuse(
        common::PermissionDeniedWithReason(common::kReasonRoleNotPermitted,
                                           absl::StrCat("role ", consent::RoleName(principal->role),
                                                        " may not record or withdraw consent")),
        &*principal);
  }
  if (!nhs.ok()) return refuse(nhs.status(), &*principal);

  const absl::Time now = clock_->Now();
  fact.set_nhs_number(*nhs);
  if (fact.valid_from().empty()) fact.set_valid_from(common::EnglandDate(now));
  fact.set_recorded_by_user(principal->user_id);
  fact.set_recorded_by_organisation(principal->organisation);
  *fact.mutable_recorded_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  if (auto s = consent::ledger::ValidateFact(fact); !s.ok()) return refuse(s, &*principal);

  if (action == v1::AUDIT_ACTION_WITHDRAW_CONSENT) {
    auto history = ledger_->History(*nhs, deadline);
    if (!history.ok()) return history.status();
    const v1::ConsentStatus status = consent::ledger::EvaluateStatus(**history, now);
    bool in_force = false;
    for (const auto& ds : status.directions()) {
      if (ds.direction() == fact.direction() && ds.state() != v1::CONSENT_STATE_NONE) {
        in_force = true;
      }
    }
    if (!in_force) {
      return refuse(absl::FailedPreconditionError(
                        "direction: nothing recorded in this direction to withdraw"),
                    &*principal);
    }
  }

  const consent::Principal& who = *principal;
  return ledger_->Append(
      fact,
      [&](const v1::ConsentFact& stored) -> absl::StatusOr<uint64_t> {
        v1::AuditEntry e =
            ChangeEntry(absl::OkStatus(), &who, call, action, stored.nhs_number(), now);
        e.set_outcome(v1::AUDIT_OUTCOME_PERMIT);
        e.set_reason(std::string(action == v1::AUDIT_ACTION_WITHDRAW_CONSENT
                                     ? kReasonConsentWithdrawalRecorded
                                     : kReasonConsentRecorded));
        e.set_consent_version(stored.version());
        return audit_->Append(e, deadline);
      },
      deadline);
}

absl::StatusOr<v1::ConsentFact> ConsentServiceImpl::Record(const ReceivedCredentials& creds,
                                                           const v1::RecordConsentRequest& request,
                                                           absl::Time deadline) {
  v1::ConsentFact fact;
  fact.set_direction(request.direction());
  // A withdrawal goes through WithdrawConsent: here it is refused as a bad
  // decision.
  fact.set_decision(request.decision() == v1::CONSENT_DECISION_WITHDRAWN
                        ? v1::CONSENT_DECISION_UNSPECIFIED
                        : request.decision());
  *fact.mutable_decided_by() = request.decided_by();
  fact.set_method(request.method());
  fact.set_valid_from(request.valid_from());
  fact.set_valid_until(request.valid_until());
  fact.set_evidence_reference(request.evidence_reference());
  return Change(creds, deadline, v1::AUDIT_ACTION_RECORD_CONSENT, request.nhs_number(), fact);
}

absl::StatusOr<v1::ConsentFact> ConsentServiceImpl::Withdraw(
    const ReceivedCredentials& creds, const v1::WithdrawConsentRequest& request,
    absl::Time deadline) {
  v1::ConsentFact fact;
  fact.set_direction(request.direction());
  fact.set_decision(v1::CONSENT_DECISION_WITHDRAWN);
  *fact.mutable_decided_by() = request.decided_by();
  fact.set_method(request.method());
  fact.set_reason(request.reason());
  fact.set_evidence_reference(request.evidence_reference());
  return Change(creds, deadline, v1::AUDIT_ACTION_WITHDRAW_CONSENT, request.nhs_number(), fact);
}

absl::StatusOr<consent::ledger::FactHistory> ConsentServiceImpl::ReadHistory(
    const ReceivedCredentials& creds, const std::string& raw_nhs_number, absl::Time deadline) {
  auto principal = authenticator_->Authenticate(creds.view());
  if (!principal.ok()) return principal.status();
  if (!MayRead(principal->role)) {
    return common::PermissionDeniedWithReason(common::kReasonRoleNotPermitted,
                                              "role may not read the consent ledger");
  }
  auto nhs = common::ParseNhsNumber(raw_nhs_number, "nhs_number");
  if (!nhs.ok()) return nhs.status();
  return ledger_->History(*nhs, deadline);
}

absl::StatusOr<v1::ConsentStatus> ConsentServiceImpl::Status(
    const ReceivedCredentials& creds, const v1::GetConsentStatusRequest& request,
    absl::Time deadline) {
  auto history = ReadHistory(creds, request.nhs_number(), deadline);
  if (!history.ok()) return history.status();
  v1::ConsentStatus all = consent::ledger::EvaluateStatus(**history, clock_->Now());
  v1::ConsentStatus out;
  out.set_version(all.version());
  for (const auto& ds : all.directions()) {
    if (request.direction() == v1::SHARING_DIRECTION_UNSPECIFIED ||
        request.direction() == ds.direction()) {
      *out.add_directions() = ds;
    }
  }
  return out;
}

absl::StatusOr<v1::ListConsentHistoryResponse> ConsentServiceImpl::History(
    const ReceivedCredentials& creds, const v1::ListConsentHistoryRequest& request,
    absl::Time deadline) {
  auto history = ReadHistory(creds, request.nhs_number(), deadline);
  if (!history.ok()) return history.status();
  v1::ListConsentHistoryResponse out;
  for (const auto& f : **history) *out.add_facts() = f;
  return out;
}

namespace {
// Copies a StatusOr's value into the response, returning its status.
template <typename T>
absl::Status Into(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}
}  // namespace

grpc::ServerUnaryReactor* ConsentServiceImpl::RecordConsent(grpc::CallbackServerContext* context,
                                                            const v1::RecordConsentRequest* request,
                                                            v1::ConsentFact* response) {
  return Serve(context, [=, this] {
    return Into(Record(CredentialsOf(*context), *request, Deadline(*context)), response);
  });
}

grpc::ServerUnaryReactor* ConsentServiceImpl::WithdrawConsent(
    grpc::CallbackServerContext* context, const v1::WithdrawConsentRequest* request,
    v1::ConsentFact* response) {
  return Serve(context, [=, this] {
    return Into(Withdraw(CredentialsOf(*context), *request, Deadline(*context)), response);
  });
}

grpc::ServerUnaryReactor* ConsentServiceImpl::GetConsentStatus(
    grpc::CallbackServerContext* context, const v1::GetConsentStatusRequest* request,
    v1::ConsentStatus* response) {
  return Serve(context, [=, this] {
    return Into(Status(CredentialsOf(*context), *request, Deadline(*context)), response);
  });
}

grpc::ServerUnaryReactor* ConsentServiceImpl::ListConsentHistory(
    grpc::CallbackServerContext* context, const v1::ListConsentHistoryRequest* request,
    v1::ListConsentHistoryResponse* response) {
  return Serve(context, [=, this] {
    return Into(History(CredentialsOf(*context), *request, Deadline(*context)), response);
  });
}

}  // namespace caregate::gateway
