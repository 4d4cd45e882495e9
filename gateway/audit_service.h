#ifndef CAREGATE_GATEWAY_AUDIT_SERVICE_H_
#define CAREGATE_GATEWAY_AUDIT_SERVICE_H_

#include "caregate/v1/audit.grpc.pb.h"
#include "consent/audit/sql_audit_log.h"
#include "consent/authenticator.h"

namespace caregate::gateway {

// caregate.v1.AuditService on the gRPC callback API: thin handlers over the
// audit log (consent/audit/sql_audit_log.h).
//
// Access rule: every method, GetAccessReport included, needs a verified
// principal with the privacy_officer role (PERMISSION_DENIED,
// ROLE_NOT_PERMITTED otherwise). A person asking "who has looked at my
// record?" comes through a portal or a subject access request: the portal's
// system account holds the privacy_officer role and must itself have verified
// the person's identity (e.g. NHS login) before asking for that NHS number;
// the report carries its own proofs, so the person can check it without
// trusting the portal.
//
// Handlers block on the store for reads; appends (reviews) wait for the
// group commit. Errors leave through ToGrpcStatus with their reasons.
class AuditServiceImpl final : public caregate::v1::AuditService::CallbackService {
 public:
  // Neither is owned; both must outlive the service.
  AuditServiceImpl(consent::audit::SqlAuditLog* log, const consent::Authenticator* authenticator);

  grpc::ServerUnaryReactor* ListAuditEvents(
      grpc::CallbackServerContext* context, const caregate::v1::ListAuditEventsRequest* request,
      caregate::v1::ListAuditEventsResponse* response) override;
  grpc::ServerUnaryReactor* GetAccessReport(grpc::CallbackServerContext* context,
                                            const caregate::v1::GetAccessReportRequest* request,
                                            caregate::v1::AccessReport* response) override;
  grpc::ServerUnaryReactor* GetSignedTreeHead(grpc::CallbackServerContext* context,
                                              const caregate::v1::GetSignedTreeHeadRequest* request,
                                              caregate::v1::SignedTreeHead* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const caregate::v1::GetInclusionProofRequest* request,
                                              caregate::v1::InclusionProof* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context, const caregate::v1::GetConsistencyProofRequest* request,
      caregate::v1::ConsistencyProof* response) override;
  grpc::ServerUnaryReactor* ListEmergencyAccesses(
      grpc::CallbackServerContext* context,
      const caregate::v1::ListEmergencyAccessesRequest* request,
      caregate::v1::ListEmergencyAccessesResponse* response) override;
  grpc::ServerUnaryReactor* ReviewEmergencyAccess(
      grpc::CallbackServerContext* context,
      const caregate::v1::ReviewEmergencyAccessRequest* request,
      caregate::v1::EmergencyAccessRecord* response) override;

 private:
  // The privacy officer behind the call, or the error to answer with.
  absl::StatusOr<consent::Principal> PrivacyOfficer(grpc::CallbackServerContext* context) const;

  consent::audit::SqlAuditLog* log_;
  const consent::Authenticator* authenticator_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_AUDIT_SERVICE_H_
