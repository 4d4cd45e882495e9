#ifndef CAREGATE_GATEWAY_CONSENT_SERVICE_H_
#define CAREGATE_GATEWAY_CONSENT_SERVICE_H_

#include <string>

#include "absl/time/time.h"
#include "caregate/v1/consent.grpc.pb.h"
#include "common/clock.h"
#include "consent/audit_log.h"
#include "consent/authenticator.h"
#include "consent/ledger/consent_ledger.h"
#include "gateway/call_credentials.h"
#include "gateway/thread_pool.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace caregate::gateway {

// The consent ledger over gRPC (caregate.v1.ConsentService).
//
// Every call is authenticated (bearer token, and the certificate's
// organisation must match the token's). RecordConsent and WithdrawConsent
// need the gp, social_worker or consent_administrator role; GetConsentStatus
// and ListConsentHistory also allow the privacy_officer. The recorder is the
// caller (from the token), never the request.
//
// Every change — and every refused change, with its reason — is written to the
// audit log. A change is appended to the ledger only if its audit entry was
// written (the audit append happens inside the ledger transaction): if the
// audit log is unavailable the call fails UNAVAILABLE, AUDIT_UNAVAILABLE, and
// nothing is stored. Reads are not audited (they disclose no record content).
//
// Handlers run on `pool` when one is given (keeping gRPC's callback threads
// free of store I/O), inline otherwise.
//
// Errors: UNAUTHENTICATED (INVALID_TOKEN), PERMISSION_DENIED
// (ROLE_NOT_PERMITTED, ORGANISATION_MISMATCH), INVALID_ARGUMENT naming the
// field (INVALID_NHS_NUMBER, INVALID_CONSENT), FAILED_PRECONDITION when there is
// nothing in force to withdraw, UNAVAILABLE / DEADLINE_EXCEEDED from the
// stores. Messages never contain personal data.
class ConsentServiceImpl final : public caregate::v1::ConsentService::CallbackService {
 public:
  // None owned; all must outlive the service (`pool` may be null).
  // `default_timeout` bounds a call whose client set no deadline.
  ConsentServiceImpl(consent::ledger::ConsentLedger* ledger,
                     const consent::Authenticator* authenticator, consent::AuditLog* audit,
                     const common::Clock* clock, ThreadPool* pool = nullptr,
                     absl::Duration default_timeout = absl::Seconds(10));

  grpc::ServerUnaryReactor* RecordConsent(grpc::CallbackServerContext* context,
                                          const caregate::v1::RecordConsentRequest* request,
                                          caregate::v1::ConsentFact* response) override;
  grpc::ServerUnaryReactor* WithdrawConsent(grpc::CallbackServerContext* context,
                                            const caregate::v1::WithdrawConsentRequest* request,
                                            caregate::v1::ConsentFact* response) override;
  grpc::ServerUnaryReactor* GetConsentStatus(grpc::CallbackServerContext* context,
                                             const caregate::v1::GetConsentStatusRequest* request,
                                             caregate::v1::ConsentStatus* response) override;
  grpc::ServerUnaryReactor* ListConsentHistory(
      grpc::CallbackServerContext* context, const caregate::v1::ListConsentHistoryRequest* request,
      caregate::v1::ListConsentHistoryResponse* response) override;

  // The handlers' synchronous bodies (also usable without gRPC).
  absl::StatusOr<caregate::v1::ConsentFact> Record(
      const ReceivedCredentials& creds, const caregate::v1::RecordConsentRequest& request,
      absl::Time deadline);
  absl::StatusOr<caregate::v1::ConsentFact> Withdraw(
      const ReceivedCredentials& creds, const caregate::v1::WithdrawConsentRequest& request,
      absl::Time deadline);
  absl::StatusOr<caregate::v1::ConsentStatus> Status(
      const ReceivedCredentials& creds, const caregate::v1::GetConsentStatusRequest& request,
      absl::Time deadline);
  absl::StatusOr<caregate::v1::ListConsentHistoryResponse> History(
      const ReceivedCredentials& creds, const caregate::v1::ListConsentHistoryRequest& request,
      absl::Time deadline);

 private:
  absl::Time Deadline(const grpc::CallbackServerContext& context) const;
  // Runs `body` on the pool (or inline) and finishes the reactor with it.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  std::function<absl::Status()> body);
  // Reads the person's history after authentication and the read-role check.
  absl::StatusOr<consent::ledger::FactHistory> ReadHistory(
      const ReceivedCredentials& creds, const std::string& raw_nhs_number, absl::Time deadline);
  // Records `fact` (already built from the request) after the role check and
  // validation, auditing the outcome.
  absl::StatusOr<caregate::v1::ConsentFact> Change(const ReceivedCredentials& creds,
                                                   absl::Time deadline,
                                                   caregate::v1::AuditAction action,
                                                   absl::string_view raw_nhs_number,
                                                   caregate::v1::ConsentFact fact);

  consent::ledger::ConsentLedger* ledger_;
  const consent::Authenticator* authenticator_;
  consent::AuditLog* audit_;
  const common::Clock* clock_;
  ThreadPool* pool_;
  absl::Duration default_timeout_;
};

// Audit reasons for consent changes.
inline constexpr absl::string_view kReasonConsentRecorded = "CONSENT_RECORDED";
inline constexpr absl::string_view kReasonConsentWithdrawalRecorded = "CONSENT_WITHDRAWAL_RECORDED";

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_CONSENT_SERVICE_H_
