#ifndef CAREGATE_CONSENT_POLICY_CONSENT_MODULE_H_
#define CAREGATE_CONSENT_POLICY_CONSENT_MODULE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/social_care_source.h"
#include "caregate/config/v1/config.pb.h"
#include "caregate/v1/audit.pb.h"
#include "caregate/v1/common.pb.h"
#include "common/clock.h"
#include "consent/authenticator.h"
#include "consent/ledger/consent_ledger.h"
#include "consent/principal.h"

namespace caregate::consent {

// The views caregate releases.
enum class View { kGpSummary, kSocialCareSummary, kCombinedProfile };
absl::string_view ViewName(View view);  // "gp_summary", ...
caregate::v1::AuditAction ActionForView(View view);
caregate::v1::SharingDirection DirectionForView(View view);

// Permit reason codes (deny reasons are the common/status.h kReason... values).
inline constexpr absl::string_view kReasonConsentPermit = "CONSENT_PERMIT";
inline constexpr absl::string_view kReasonEmergencyAccess = "EMERGENCY_ACCESS";
// An emergency access that overrode a recorded dissent.
inline constexpr absl::string_view kReasonEmergencyAccessOverDissent =
    "EMERGENCY_ACCESS_OVER_DISSENT";

// Evidence for the legitimate-relationship rule, gathered by the caller from
// the sources (in parallel) so the policy itself never calls a source. A field
// is empty when that source was not asked or did not answer.
struct RelationshipEvidence {
  // The practice the GP source records the person as registered at
  // (GpSummary.demographics.registered_practice_code).
  std::optional<std::string> gp_registered_practice;
  // What the council records (GetRelationship).
  std::optional<adapters::CouncilRelationship> council;
};

// Which evidence Decide will look at for a request (nothing when PreCheck
// denies or the request is an emergency access, which bypasses the rule):
//   GP asking for the social care summary: gp_registration (preferred) and/or
//     council_relationship (the council's recorded practice, a fallback);
//   social worker asking for the GP summary: council_relationship;
//   INT member asking for the combined profile: both (the person's practice
//     from either source, checked against the neighbourhood's practices).
struct EvidenceNeeds {
  bool gp_registration = false;
  bool council_relationship = false;
};

// One access request to decide.
struct DecisionRequest {
  Principal principal;
  View view = View::kGpSummary;
  // Ten digits, already validated.
  std::string nhs_number;
  caregate::v1::PurposeOfUse purpose = caregate::v1::PURPOSE_OF_USE_UNSPECIFIED;
  std::optional<caregate::v1::EmergencyAccess> emergency;
  // For correlation in the audit entry.
  std::string request_id;
};

// The answer. A deny is a normal Decision (it must be audited), not an error.
struct Decision {
  DecisionRequest request;
  bool permit = false;
  // kReasonConsentPermit / kReasonEmergencyAccess /
  // kReasonEmergencyAccessOverDissent for a permit; for a deny one
  // of INVALID_PURPOSE, ROLE_NOT_PERMITTED, INVALID_EMERGENCY_ACCESS,
  // EMERGENCY_ACCESS_NOT_PERMITTED, EMERGENCY_TOKEN_ALREADY_USED,
  // EMERGENCY_ACCESS_RATE_LIMITED,
  // NO_RELATIONSHIP, PATIENT_DISSENT, NO_CONSENT, CONSENT_EXPIRED,
  // CONSENT_NOT_YET_VALID, CONSENT_WITHDRAWN (Recheck only).
  std::string reason;
  // A short note for the audit trail (no personal data), e.g. which rule.
  std::string detail;
  caregate::v1::DisclosureBasis basis = caregate::v1::DISCLOSURE_BASIS_UNSPECIFIED;
  // The person's ledger version when decided (0: nothing recorded).
  uint64_t consent_version = 0;
  // The version seen by Recheck (equal to consent_version when unchanged).
  uint64_t recheck_consent_version = 0;
  // The person's consent facts as read (and verified) by Decide; Recheck
  // evaluates them again when the ledger's version has not moved.
  std::shared_ptr<const std::vector<caregate::v1::ConsentFact>> consent_history;
  // What the relationship rule used (or found), e.g. "gp_registration",
  // "council_recorded_practice", "open_case", "open_case:team=T1",
  // "int_neighbourhood:INT-NORTH", "council_case_closed".
  std::vector<std::string> relationship_evidence;
  std::string policy_version;
  absl::Time decided_at;

  // OK for a permit; otherwise the status to answer the client with:
  // INVALID_ARGUMENT (INVALID_PURPOSE, INVALID_EMERGENCY_ACCESS),
  // RESOURCE_EXHAUSTED (EMERGENCY_ACCESS_RATE_LIMITED), PERMISSION_DENIED
  // (every other reason), each carrying the reason as ErrorInfo. Messages hold
  // no personal data.
  absl::Status ToStatus() const;
};

// The audit entry for a decision (time, actor, action, person, purpose,
// emergency access, outcome, reason, consent and policy versions, evidence,
// request id). The gateway adds sections_released, withheld, sources and
// identity_check before appending; the ConsentService and the gateway thus
// write the same shape. An emergency access permit is recognisable by
// emergency_access being set with outcome PERMIT: it awaits a privacy
// officer's review.
caregate::v1::AuditEntry BuildAuditEntry(const Decision& decision);
caregate::v1::AuditActor ActorFor(const Principal& principal);

// The audit entry for a call that failed authentication (no Principal):
// outcome DENY, reason from the status (INVALID_TOKEN, ORGANISATION_MISMATCH,
// ROLE_NOT_PERMITTED), actor known only by the client certificate
// (organisation and subject). `nhs_number` may be empty when the request was
// not yet validated.
caregate::v1::AuditEntry BuildAuthFailureAuditEntry(const absl::Status& status,
                                                    const CallCredentials& call,
                                                    caregate::v1::AuditAction action,
                                                    absl::string_view nhs_number, absl::Time now,
                                                    absl::string_view request_id);

// The consent module's policy decision point. Rules, combined deny-overrides,
// in this order (DESIGN.md "The audited consent module"):
//   0. purpose: direct care or safeguarding only;
//   1. role: GP → social care summary, social worker → GP summary, INT member
//      → combined profile; nobody else gets a view (no I/O: see PreCheck);
//   2. emergency access, when asked for: a coded reason and a written
//      justification (≤ 2000 characters) are required; only clinical users
//      (national RBAC code in consent.emergency_rbac_roles, default R8000
//      clinical practitioner, R8001 nurse, R8003 health professional) whose
//      identity assurance level is at least
//      consent.emergency_min_assurance_level (default 3), with a token that
//      carries a jti; each token breaks the glass once (while it is accepted),
//      and at most consent.emergency_limit permitted uses per user per
//      consent.emergency_window (both counted in memory, and restored from
//      the audit log at start: RememberEmergencyAccesses). It bypasses rules 3
//      and 4, never 0 and 1;
//   3. legitimate relationship from evidence (see EvidenceNeeds);
//   4. consent: dissent beats consent. The single views need a PERMIT in their
//      direction (GP summary: GP_TO_SOCIAL_CARE; social care summary:
//      SOCIAL_CARE_TO_GP) and no DISSENT in it; the combined profile needs a
//      PERMIT for INTEGRATED_TEAM and no DISSENT in any direction.
//
// Thread-safe.
class ConsentModule {
 public:
  // `ledger` and `clock` are not owned and must outlive the module.
  static absl::StatusOr<std::unique_ptr<ConsentModule>> Create(
      const caregate::config::v1::ConsentConfig& config, ledger::ConsentLedger* ledger,
      const common::Clock* clock);

  // Rules 0, 1 and the shape of rule 2, with no I/O and without using up an
  // emergency allowance: a deny Decision, or nullopt when the request may go
  // on to gather evidence. Call it before asking any source.
  std::optional<Decision> PreCheck(const DecisionRequest& request) const;

  // The evidence Decide needs for this request.
  EvidenceNeeds NeededEvidence(const DecisionRequest& request) const;

  // Decides. Errors only when the ledger cannot be read (UNAVAILABLE,
  // DEADLINE_EXCEEDED, INTERNAL/CONSENT_LEDGER_CORRUPT): the caller then
  // audits an error outcome and releases nothing.
  absl::StatusOr<Decision> Decide(const DecisionRequest& request,
                                  const RelationshipEvidence& evidence, absl::Time deadline);

  // Decide twice: just before release, reads the person's ledger version
  // again. A consent-based permit is re-evaluated now, on the facts Decide
  // read when the version is unchanged and on the facts read again when it
  // moved; if it no longer permits, the result is a deny with reason
  // CONSENT_WITHDRAWN (both versions in consent_version /
  // recheck_consent_version). A permit that lapsed by date since the decision
  // is denied with the evaluated reason (e.g. CONSENT_EXPIRED). Emergency permits and denies come back unchanged.
  absl::StatusOr<Decision> Recheck(const Decision& decision, absl::Time deadline);

  // Emergency accesses count across restarts. The audit log holds each one,
  // with its user and token (SqlAuditLog::EmergencyAccessesSince); at start
  // the gateway gives this module the ones from the last emergency_memory(),
  // so that a token that broke the glass stays used as long as it could be
  // presented, and each access takes its user's allowance until the window
  // has passed.
  //
  // The longer of emergency_window and the longest a used token can still be
  // presented (consent.max_token_lifetime and twice consent.clock_skew: its
  // iat may be a skew ahead, and it is accepted a skew past its exp).
  absl::Duration emergency_memory() const {
    return std::max(emergency_window_, used_token_memory_);
  }
  // Counts each permitted emergency access among `entries` (audit entries
  // with emergency_access set and outcome PERMIT; the rest, and those older
  // than emergency_memory(), are ignored) as if it had been made here: its
  // token (actor.token_id) used, and one of its user's allowance taken.
  void RememberEmergencyAccesses(const std::vector<caregate::v1::AuditEntry>& entries);

  // e.g. "caregate-policy-1/3fa2c9d1": the rule set version plus a digest of
  // the configuration that shapes decisions.
  const std::string& policy_version() const { return policy_version_; }

 private:
  ConsentModule() = default;
  Decision NewDecision(const DecisionRequest& request) const;
  bool RelationshipHolds(const DecisionRequest& request, const RelationshipEvidence& evidence,
                         std::vector<std::string>* used) const;
  // Applies rule 4 to `history`; sets reason/permit on `d`.
  void ApplyConsent(const std::vector<caregate::v1::ConsentFact>& history, Decision* d) const;
  // Uses up the token (user id and jti) and one of its user's emergency
  // accesses in the window: "" when both were free, else the reason
  // (EMERGENCY_TOKEN_ALREADY_USED, EMERGENCY_ACCESS_RATE_LIMITED).
  absl::string_view TakeEmergencyAllowance(const Principal& principal, absl::Time now);

  ledger::ConsentLedger* ledger_ = nullptr;
  const common::Clock* clock_ = nullptr;
  std::string policy_version_;
  std::set<std::string> emergency_rbac_roles_;
  std::map<std::string, std::set<std::string>> neighbourhoods_;  // org → practices
  bool require_team_allocation_ = false;
  uint32_t emergency_limit_ = 5;
  int emergency_min_assurance_ = 3;
  absl::Duration emergency_window_ = absl::Hours(24);
  absl::Duration used_token_memory_ = absl::Hours(1) + absl::Minutes(1);

  absl::Mutex mu_;
  std::map<std::string, std::deque<absl::Time>> emergency_uses_ ABSL_GUARDED_BY(mu_);
  // The tokens (user id, "\n", jti) that have broken the glass, until they
  // expire.
  absl::flat_hash_map<std::string, absl::Time> used_emergency_tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_POLICY_CONSENT_MODULE_H_
