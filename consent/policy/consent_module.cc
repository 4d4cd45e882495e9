#include "consent/policy/consent_module.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "consent/audit_log.h"
#include "consent/auth/jwt_authenticator.h"
#include "google/protobuf/util/time_util.h"

namespace caregate::consent {
namespace {

namespace v1 = caregate::v1;
namespace cfg = caregate::config::v1;

constexpr absl::string_view kPolicyRules = "caregate-policy-1";

absl::Duration ToDuration(const google::protobuf::Duration& d, absl::Duration fallback) {
  if (d.seconds() == 0 && d.nanos() == 0) return fallback;
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// The key of a token that broke the glass: its user and its jti.
std::string UsedTokenKey(absl::string_view user_id, absl::string_view token_id) {
  return absl::StrCat(user_id, "\n", token_id);
}

size_t Utf8Chars(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

bool Contains(const std::vector<std::string>& v, absl::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

absl::string_view ViewName(View view) {
  switch (view) {
    case View::kGpSummary:
      return "gp_summary";
    case View::kSocialCareSummary:
      return "social_care_summary";
    case View::kCombinedProfile:
      return "combined_profile";
  }
  return "";
}

v1::AuditAction ActionForView(View view) {
  switch (view) {
    case View::kGpSummary:
      return v1::AUDIT_ACTION_GET_GP_SUMMARY;
    case View::kSocialCareSummary:
      return v1::AUDIT_ACTION_GET_SOCIAL_CARE_SUMMARY;
    case View::kCombinedProfile:
      return v1::AUDIT_ACTION_GET_COMBINED_PROFILE;
  }
  return v1::AUDIT_ACTION_UNSPECIFIED;
}

v1::SharingDirection DirectionForView(View view) {
  switch (view) {
    case View::kGpSummary:
      return v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE;
    case View::kSocialCareSummary:
      return v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP;
    case View::kCombinedProfile:
      return v1::SHARING_DIRECTION_INTEGRATED_TEAM;
  }
  return v1::SHARING_DIRECTION_UNSPECIFIED;
}

absl::Status Decision::ToStatus() const {
  if (permit) return absl::OkStatus();
  if (reason == common::kReasonInvalidPurpose) {
    return common::InvalidArgumentWithReason(reason,
                                             "purpose: must be DIRECT_CARE or SAFEGUARDING");
  }
  if (reason == common::kReasonInvalidEmergencyAccess) {
    return common::InvalidArgumentWithReason(reason, absl::StrCat("emergency_access: ", detail));
  }
  if (reason == common::kReasonEmergencyRateLimited) {
    return common::WithReason(
        absl::ResourceExhaustedError("emergency_access: too many emergency accesses by this user "
                                     "in the window; ask a privacy officer"),
        reason);
  }
  return common::PermissionDeniedWithReason(reason, absl::StrCat("access denied: ", detail));
}

v1::AuditActor ActorFor(const Principal& p) {
  v1::AuditActor actor;
  actor.set_user_id(p.user_id);
  actor.set_user_name(p.user_name);
  actor.set_role(std::string(RoleName(p.role)));
  actor.set_rbac_role(p.rbac_role);
  actor.set_organisation(p.organisation);
  actor.set_client_system(p.client_system);
  actor.set_token_id(p.token_id);
  return actor;
}

v1::AuditEntry BuildAuditEntry(const Decision& d) {
  v1::AuditEntry e;
  *e.mutable_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(d.decided_at));
  *e.mutable_actor() = ActorFor(d.request.principal);
  e.set_action(ActionForView(d.request.view));
  e.set_nhs_number(d.request.nhs_number);
  e.set_purpose(d.request.purpose);
  if (d.request.emergency.has_value()) *e.mutable_emergency_access() = *d.request.emergency;
  e.set_outcome(d.permit ? v1::AUDIT_OUTCOME_PERMIT : v1::AUDIT_OUTCOME_DENY);
  e.set_reason(d.reason);
  e.set_consent_version(d.recheck_consent_version != 0 ? d.recheck_consent_version
                                                       : d.consent_version);
  e.set_policy_version(d.policy_version);
  for (const auto& ev : d.relationship_evidence) e.add_relationship_evidence(ev);
  e.set_request_id(d.request.request_id);
  return e;
}

v1::AuditEntry BuildAuthFailureAuditEntry(const absl::Status& status, const CallCredentials& call,
                                          v1::AuditAction action, absl::string_view nhs_number,
                                          absl::Time now, absl::string_view request_id) {
  v1::AuditEntry e;
  *e.mutable_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  e.mutable_actor()->set_organisation(std::string(call.certificate_organisation));
  e.mutable_actor()->set_client_system(std::string(call.certificate_subject));
  e.set_action(action);
  e.set_nhs_number(std::string(nhs_number));
  e.set_outcome(v1::AUDIT_OUTCOME_DENY);
  std::string reason = common::ErrorReason(status);
  e.set_reason(reason.empty() ? std::string(common::kReasonInvalidToken) : reason);
  e.set_request_id(std::string(request_id));
  return e;
}

absl::StatusOr<std::unique_ptr<ConsentModule>> ConsentModule::Create(
    const cfg::ConsentConfig& config, ledger::ConsentLedger* ledger, const common::Clock* clock) {
  if (ledger == nullptr) return absl::InvalidArgumentError("consent module: no ledger");
  std::unique_ptr<ConsentModule> m(new ConsentModule());
  m->ledger_ = ledger;
  m->clock_ = clock != nullptr ? clock : common::Clock::Real();
  for (const auto& r : config.emergency_rbac_roles()) m->emergency_rbac_roles_.insert(r);
  if (m->emergency_rbac_roles_.empty()) m->emergency_rbac_roles_ = {"R8000", "R8001", "R8003"};
  for (const auto& n : config.neighbourhoods()) {
    auto& set = m->neighbourhoods_[n.organisation()];
    for (const auto& p : n.practice_codes()) set.insert(p);
  }
  m->require_team_allocation_ = config.require_team_allocation();
  m->emergency_min_assurance_ = config.emergency_min_assurance_level() == 0
                                    ? 3
                                    : static_cast<int>(config.emergency_min_assurance_level());
  m->emergency_limit_ = config.emergency_limit() == 0 ? 5 : config.emergency_limit();
  m->emergency_window_ = ToDuration(config.emergency_window(), absl::Hours(24));
  m->used_token_memory_ = auth::MaxTokenLifetime(config) + 2 * auth::ClockSkew(config);

  // The policy version: the rules' version and a digest of the configuration
  // that changes outcomes (so the audit shows which policy decided).
  cfg::ConsentConfig shaping;
  *shaping.mutable_role_mappings() = config.role_mappings();
  *shaping.mutable_neighbourhoods() = config.neighbourhoods();
  *shaping.mutable_sensitive_code_sets() = config.sensitive_code_sets();
  shaping.set_emergency_limit(m->emergency_limit_);
  *shaping.mutable_emergency_window() = config.emergency_window();
  shaping.set_require_team_allocation(config.require_team_allocation());
  for (const auto& r : m->emergency_rbac_roles_) shaping.add_emergency_rbac_roles(r);
  shaping.set_emergency_min_assurance_level(m->emergency_min_assurance_);
  std::string bytes;
  shaping.SerializeToString(&bytes);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  m->policy_version_ = absl::StrCat(
      kPolicyRules, "/", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), 4)));
  return m;
}

Decision ConsentModule::NewDecision(const DecisionRequest& request) const {
  Decision d;
  d.request = request;
  d.policy_version = policy_version_;
  d.decided_at = clock_->Now();
  return d;
}

std::optional<Decision> ConsentModule::PreCheck(const DecisionRequest& request) const {
  Decision d = NewDecision(request);
  auto deny = [&](absl::string_view reason, absl::string_view detail) {
    d.permit = false;
    d.reason = std::string(reason);
    d.detail = std::string(detail);
    return std::optional<Decision>(std::move(d));
  };
  if (request.purpose != v1::PURPOSE_OF_USE_DIRECT_CARE &&
      request.purpose != v1::PURPOSE_OF_USE_SAFEGUARDING) {
    return deny(common::kReasonInvalidPurpose, "purpose is not direct care or safeguarding");
  }
  const Role role = request.principal.role;
  const bool role_ok = (request.view == View::kSocialCareSummary && role == Role::kGp) ||
                       (request.view == View::kGpSummary && role == Role::kSocialWorker) ||
                       (request.view == View::kCombinedProfile && role == Role::kIntMember);
  if (!role_ok) {
    return deny(common::kReasonRoleNotPermitted,
                absl::StrCat("role ", RoleName(role), " may not see the ", ViewName(request.view)));
  }
  if (request.emergency.has_value()) {
    const auto& e = *request.emergency;
    if (e.reason() == v1::EMERGENCY_REASON_UNSPECIFIED) {
      return deny(common::kReasonInvalidEmergencyAccess, "a coded reason is required");
    }
    if (!v1::EmergencyReason_IsValid(e.reason())) {
      return deny(common::kReasonInvalidEmergencyAccess, "unknown reason code");
    }
    if (absl::StripAsciiWhitespace(e.justification()).empty()) {
      return deny(common::kReasonInvalidEmergencyAccess, "a written justification is required");
    }
    if (Utf8Chars(e.justification()) > 2000) {
      return deny(common::kReasonInvalidEmergencyAccess,
                  "the justification must be at most 2000 characters");
    }
    if (emergency_rbac_roles_.count(request.principal.rbac_role) == 0) {
      return deny(common::kReasonEmergencyNotPermitted,
                  "emergency access is only for clinical roles");
    }
    int level = 0;
    if (!absl::SimpleAtoi(request.principal.assurance_level, &level) ||
        level < emergency_min_assurance_) {
      return deny(common::kReasonEmergencyNotPermitted,
                  "emergency access needs a higher identity assurance level");
    }
    if (request.principal.token_id.empty()) {
      return deny(common::kReasonEmergencyNotPermitted,
                  "emergency access needs a token with a jti, which it uses up");
    }
  }
  return std::nullopt;
}

EvidenceNeeds ConsentModule::NeededEvidence(const DecisionRequest& request) const {
  EvidenceNeeds needs;
  if (request.emergency.has_value() || PreCheck(request).has_value()) return needs;
  switch (request.view) {
    case View::kSocialCareSummary:
      needs.gp_registration = true;
      needs.council_relationship = true;
      break;
    case View::kGpSummary:
      needs.council_relationship = true;
      break;
    case View::kCombinedProfile:
      needs.gp_registration = true;
      needs.council_relationship = true;
      break;
  }
  return needs;
}

bool ConsentModule::RelationshipHolds(const DecisionRequest& request,
                                      const RelationshipEvidence& ev,
                                      std::vector<std::string>* used) const {
  const Principal& p = request.principal;
  switch (request.view) {
    case View::kSocialCareSummary: {  // a GP
      if (ev.gp_registered_practice.has_value() && !ev.gp_registered_practice->empty()) {
        if (*ev.gp_registered_practice == p.organisation) {
          used->push_back("gp_registration");
          return true;
        }
        // The GP source's own registration is authoritative when it answered.
        used->push_back("gp_registration_elsewhere");
        return false;
      }
      if (ev.council.has_value() && ev.council->known && !ev.council->gp_practice_code.empty() &&
          ev.council->gp_practice_code == p.organisation) {
        used->push_back("council_recorded_practice");
        return true;
      }
      used->push_back("no_registration_evidence");
      return false;
    }
    case View::kGpSummary: {  // a social worker
      if (!ev.council.has_value() || !ev.council->known) {
        used->push_back("not_known_to_council");
        return false;
      }
      const auto& c = *ev.council;
      if (c.council_code != p.organisation) {
        used->push_back("other_council");
        return false;
      }
      if (!c.open_case) {
        used->push_back("council_case_closed");
        return false;
      }
      if (!require_team_allocation_) {
        used->push_back("open_case");
        return true;
      }
      if (Contains(c.allocated_worker_ids, p.user_id)) {
        used->push_back("open_case:allocated_worker");
        return true;
      }
      for (const auto& team : p.teams) {
        if (Contains(c.allocated_teams, team)) {
          used->push_back(absl::StrCat("open_case:team=", team));
          return true;
        }
      }
      used->push_back("open_case:team_not_allocated");
      return false;
    }
    case View::kCombinedProfile: {  // an INT member
      auto n = neighbourhoods_.find(p.organisation);
      if (n == neighbourhoods_.end()) {
        used->push_back("no_neighbourhood_for_organisation");
        return false;
      }
      std::string practice;
      if (ev.gp_registered_practice.has_value() && !ev.gp_registered_practice->empty()) {
        practice = *ev.gp_registered_practice;
      } else if (ev.council.has_value() && ev.council->known) {
        practice = ev.council->gp_practice_code;
      }
      if (!practice.empty() && n->second.count(practice) > 0) {
        used->push_back(absl::StrCat("int_neighbourhood:", p.organisation));
        return true;
      }
      used->push_back("practice_outside_neighbourhood");
      return false;
    }
  }
  return false;
}

void ConsentModule::ApplyConsent(const std::vector<v1::ConsentFact>& history, Decision* d) const {
  const v1::ConsentStatus status = ledger::EvaluateStatus(history, clock_->Now());
  d->consent_version = status.version();
  const v1::SharingDirection wanted = DirectionForView(d->request.view);
  v1::ConsentState state = v1::CONSENT_STATE_NONE;
  bool dissent = false;
  for (const auto& ds : status.directions()) {
    if (ds.direction() == wanted) state = ds.state();
    const bool counts = ds.direction() == wanted || d->request.view == View::kCombinedProfile;
    if (counts && ds.state() == v1::CONSENT_STATE_DISSENTED) dissent = true;
  }
  d->permit = false;
  if (dissent) {
    d->reason = std::string(common::kReasonPatientDissent);
    d->detail = "the person dissented";
  } else if (state == v1::CONSENT_STATE_PERMITTED) {
    d->permit = true;
    d->reason = std::string(kReasonConsentPermit);
    d->basis = v1::DISCLOSURE_BASIS_CONSENT;
  } else if (state == v1::CONSENT_STATE_EXPIRED) {
    d->reason = std::string(common::kReasonConsentExpired);
    d->detail = "the consent has expired";
  } else if (state == v1::CONSENT_STATE_NOT_YET_VALID) {
    d->reason = std::string(common::kReasonConsentNotYetValid);
    d->detail = "the consent starts later";
  } else {
    d->reason = std::string(common::kReasonNoConsent);
    d->detail = "no consent on record";
  }
}

absl::string_view ConsentModule::TakeEmergencyAllowance(const Principal& principal,
                                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  // Tokens past their expiry can no longer be presented: forget them.
  for (auto it = used_emergency_tokens_.begin(); it != used_emergency_tokens_.end();) {
    if (it->second <= now) {
      used_emergency_tokens_.erase(it++);
    } else {
      ++it;
    }
  }
  const std::string token = UsedTokenKey(principal.user_id, principal.token_id);
  if (used_emergency_tokens_.count(token) != 0) return common::kReasonEmergencyTokenUsed;
  auto& uses = emergency_uses_[principal.user_id];
  while (!uses.empty() && uses.front() <= now - emergency_window_) uses.pop_front();
  if (uses.size() >= emergency_limit_) return common::kReasonEmergencyRateLimited;
  uses.push_back(now);
  used_emergency_tokens_.emplace(token, principal.token_expires_at);
  return {};
}

void ConsentModule::RememberEmergencyAccesses(const std::vector<v1::AuditEntry>& entries) {
  const absl::Time since = clock_->Now() - emergency_memory();
  absl::MutexLock lock(&mu_);
  for (const v1::AuditEntry& e : entries) {
    if (!IsEmergencyAccess(e)) continue;
    const absl::Time at =
        absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(e.time()));
    if (at < since) continue;
    auto& uses = emergency_uses_[e.actor().user_id()];
    uses.insert(std::upper_bound(uses.begin(), uses.end(), at), at);  // oldest first
    if (e.actor().token_id().empty()) continue;
    auto [it, inserted] = used_emergency_tokens_.try_emplace(
        UsedTokenKey(e.actor().user_id(), e.actor().token_id()), at + used_token_memory_);
    if (!inserted) it->second = std::max(it->second, at + used_token_memory_);
  }
}

absl::StatusOr<Decision> ConsentModule::Decide(const DecisionRequest& request,
                                               const RelationshipEvidence& evidence,
                                               absl::Time deadline) {
  if (auto deny = PreCheck(request); deny.has_value()) return *std::move(deny);
  Decision d = NewDecision(request);

  auto read = ledger_->History(request.nhs_number, deadline);
  if (!read.ok()) return read.status();
  d.consent_history = *std::move(read);
  const std::vector<v1::ConsentFact>* history = d.consent_history.get();

  if (request.emergency.has_value()) {
    // Bypasses relationship and consent; the consent version is still kept
    // for the record. Once per token, and rate-limited per user.
    d.consent_version = history->empty() ? 0 : history->back().version();
    if (absl::string_view refused = TakeEmergencyAllowance(request.principal, d.decided_at);
        !refused.empty()) {
      d.reason = std::string(refused);
      d.detail = refused == common::kReasonEmergencyTokenUsed
                     ? "this token has already been used for an emergency access"
                     : "emergency access limit reached";
      return d;
    }
    // Say so when the override went against a recorded dissent: the privacy
    // officer reviews those first.
    Decision consent_view = d;
    ApplyConsent(*history, &consent_view);
    const bool over_dissent = consent_view.reason == common::kReasonPatientDissent;
    d.permit = true;
    d.reason =
        std::string(over_dissent ? kReasonEmergencyAccessOverDissent : kReasonEmergencyAccess);
    d.detail = "emergency access, awaiting a privacy officer's review";
    d.basis = v1::DISCLOSURE_BASIS_EMERGENCY_ACCESS;
    return d;
  }

  if (!RelationshipHolds(request, evidence, &d.relationship_evidence)) {
    d.consent_version = history->empty() ? 0 : history->back().version();
    d.reason = std::string(common::kReasonNoRelationship);
    d.detail = "no legitimate relationship on the evidence";
    return d;
  }
  ApplyConsent(*history, &d);
  return d;
}

absl::StatusOr<Decision> ConsentModule::Recheck(const Decision& decision, absl::Time deadline) {
  Decision d = decision;
  d.recheck_consent_version = decision.consent_version;
  if (!decision.permit || decision.basis != v1::DISCLOSURE_BASIS_CONSENT) return d;
  // The ledger's version first: when it has not moved, the facts Decide read
  // are the facts now, evaluated again at this moment (a consent can lapse by
  // date in between); otherwise they are read again.
  auto latest = ledger_->LatestVersion(decision.request.nhs_number, deadline);
  if (!latest.ok()) return latest.status();
  std::shared_ptr<const std::vector<v1::ConsentFact>> history = decision.consent_history;
  if (history == nullptr || *latest != decision.consent_version) {
    auto read = ledger_->History(decision.request.nhs_number, deadline);
    if (!read.ok()) return read.status();
    history = *std::move(read);
  }
  Decision again = decision;
  ApplyConsent(*history, &again);
  d.recheck_consent_version = again.consent_version;
  d.decided_at = clock_->Now();
  if (again.permit) return d;
  d.permit = false;
  d.basis = v1::DISCLOSURE_BASIS_UNSPECIFIED;
  if (again.consent_version != decision.consent_version) {
    d.reason = std::string(common::kReasonConsentWithdrawn);
    d.detail = absl::StrCat("consent changed between decision (version ", decision.consent_version,
                            ") and release (version ", again.consent_version, ")");
  } else {
    d.reason = again.reason;
    d.detail = absl::StrCat(again.detail, " before release");
  }
  return d;
}

}  // namespace caregate::consent
