#include "gateway/consent_service.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
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

std::string X509Field(X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

TransportCredentials CredentialsFromContext(const grpc::ServerContext& context) {
  TransportCredentials creds;
  const auto& md = context.client_metadata();
  if (auto it = md.find("authorization"); it != md.end()) {
    creds.authorization.assign(it->second.data(), it->second.size());
  }
  auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return creds;
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return creds;
  BIO* bio = BIO_new_mem_buf(pems[0].data(), static_cast<int>(pems[0].size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return creds;
  X509_NAME* subject = X509_get_subject_name(cert);
  creds.certificate_organisation = X509Field(subject, NID_organizationName);
  BIO* out = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(out, subject, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  if (len > 0) creds.certificate_subject.assign(data, static_cast<size_t>(len));
  BIO_free(out);
  X509_free(cert);
  return creds;
}

ConsentServiceImpl::ConsentServiceImpl(consent::ledger::ConsentLedger* ledger,
                                       const consent::Authenticator* authenticator,
                                       consent::AuditLog* audit, const common::Clock* clock,
                                       absl::Duration default_timeout)
    : ledger_(ledger),
      authenticator_(authenticator),
      audit_(audit),
      clock_(clock != nullptr ? clock : common::Clock::Real()),
      default_timeout_(default_timeout) {}

absl::Time ConsentServiceImpl::Deadline(const grpc::ServerContext& context) const {
  const auto d = context.deadline();
  const absl::Time fallback = absl::Now() + default_timeout_;
  if (d == std::chrono::system_clock::time_point::max()) return fallback;
  return std::min(absl::FromChrono(d), fallback);
}

absl::StatusOr<v1::ConsentFact> ConsentServiceImpl::Change(const grpc::ServerContext& context,
                                                           v1::AuditAction action,
                                                           absl::string_view raw_nhs_number,
                                                           v1::ConsentFact fact) {
  const absl::Time deadline = Deadline(context);
  const TransportCredentials creds = CredentialsFromContext(context);
  const consent::CallCredentials call = creds.View();
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
    return refuse(common::PermissionDeniedWithReason(
                      common::kReasonRoleNotPermitted,
                      absl::StrCat("role ", consent::RoleName(principal->role),
                                   " may not record or withdraw consent")),
                  &*principal);
  }
  if (!nhs.ok()) return refuse(nhs.status(), &*principal);

  const absl::Time now = clock_->Now();
  fact.set_nhs_number(*nhs);
  if (fact.valid_from().empty()) fact.set_valid_from(consent::ledger::LondonDate(now));
  fact.set_recorded_by_user(principal->user_id);
  fact.set_recorded_by_organisation(principal->organisation);
  *fact.mutable_recorded_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  if (auto s = consent::ledger::ValidateFact(fact); !s.ok()) return refuse(s, &*principal);

  if (action == v1::AUDIT_ACTION_WITHDRAW_CONSENT) {
    auto history = ledger_->History(*nhs, deadline);
    if (!history.ok()) return history.status();
    const v1::ConsentStatus status = consent::ledger::EvaluateStatus(*history, now);
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
        v1::AuditEntry e = ChangeEntry(absl::OkStatus(), &who, call, action, stored.nhs_number(),
                                       now);
        e.set_outcome(v1::AUDIT_OUTCOME_PERMIT);
        e.set_reason(std::string(action == v1::AUDIT_ACTION_WITHDRAW_CONSENT
                                     ? kReasonConsentWithdrawalRecorded
                                     : kReasonConsentRecorded));
        e.set_consent_version(stored.version());
        return audit_->Append(e, deadline);
      },
      deadline);
}

grpc::Status ConsentServiceImpl::RecordConsent(grpc::ServerContext* context,
                                               const v1::RecordConsentRequest* request,
                                               v1::ConsentFact* response) {
  v1::ConsentFact fact;
  fact.set_direction(request->direction());
  fact.set_decision(request->decision());
  *fact.mutable_decided_by() = request->decided_by();
  fact.set_method(request->method());
  fact.set_valid_from(request->valid_from());
  fact.set_valid_until(request->valid_until());
  fact.set_evidence_reference(request->evidence_reference());
  if (request->decision() == v1::CONSENT_DECISION_WITHDRAWN) {
    fact.set_decision(v1::CONSENT_DECISION_UNSPECIFIED);  // use WithdrawConsent
  }
  auto stored = Change(*context, v1::AUDIT_ACTION_RECORD_CONSENT, request->nhs_number(), fact);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status ConsentServiceImpl::WithdrawConsent(grpc::ServerContext* context,
                                                 const v1::WithdrawConsentRequest* request,
                                                 v1::ConsentFact* response) {
  v1::ConsentFact fact;
  fact.set_direction(request->direction());
  fact.set_decision(v1::CONSENT_DECISION_WITHDRAWN);
  *fact.mutable_decided_by() = request->decided_by();
  fact.set_method(request->method());
  fact.set_reason(request->reason());
  fact.set_evidence_reference(request->evidence_reference());
  auto stored = Change(*context, v1::AUDIT_ACTION_WITHDRAW_CONSENT, request->nhs_number(), fact);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status ConsentServiceImpl::GetConsentStatus(grpc::ServerContext* context,
                                                  const v1::GetConsentStatusRequest* request,
                                                  v1::ConsentStatus* response) {
  const TransportCredentials creds = CredentialsFromContext(*context);
  auto principal = authenticator_->Authenticate(creds.View());
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (!MayRead(principal->role)) {
    return ToGrpcStatus(common::PermissionDeniedWithReason(
        common::kReasonRoleNotPermitted, "role may not read the consent ledger"));
  }
  auto nhs = common::ParseNhsNumber(request->nhs_number(), "nhs_number");
  if (!nhs.ok()) return ToGrpcStatus(nhs.status());
  auto history = ledger_->History(*nhs, Deadline(*context));
  if (!history.ok()) return ToGrpcStatus(history.status());
  v1::ConsentStatus all = consent::ledger::EvaluateStatus(*history, clock_->Now());
  response->set_version(all.version());
  for (const auto& ds : all.directions()) {
    if (request->direction() == v1::SHARING_DIRECTION_UNSPECIFIED ||
        request->direction() == ds.direction()) {
      *response->add_directions() = ds;
    }
  }
  return grpc::Status::OK;
}

grpc::Status ConsentServiceImpl::ListConsentHistory(
    grpc::ServerContext* context, const v1::ListConsentHistoryRequest* request,
    v1::ListConsentHistoryResponse* response) {
  const TransportCredentials creds = CredentialsFromContext(*context);
  auto principal = authenticator_->Authenticate(creds.View());
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (!MayRead(principal->role)) {
    return ToGrpcStatus(common::PermissionDeniedWithReason(
        common::kReasonRoleNotPermitted, "role may not read the consent ledger"));
  }
  auto nhs = common::ParseNhsNumber(request->nhs_number(), "nhs_number");
  if (!nhs.ok()) return ToGrpcStatus(nhs.status());
  auto history = ledger_->History(*nhs, Deadline(*context));
  if (!history.ok()) return ToGrpcStatus(history.status());
  for (auto& f : *history) *response->add_facts() = std::move(f);
  return grpc::Status::OK;
}

}  // namespace caregate::gateway
