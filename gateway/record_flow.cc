#include "gateway/record_flow.h"

#include <functional>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/await.h"
#include "common/log.h"
#include "common/status.h"
#include "gateway/identity_check.h"
#include "gateway/request_validation.h"
#include "google/protobuf/util/time_util.h"

namespace caregate::gateway {
namespace {

using caregate::v1::AuditEntry;
using caregate::v1::SourceKind;
using caregate::v1::SourceStatus;
using consent::View;

// Denies and errors are audited even when the caller's deadline has passed:
// the log must say what happened.
constexpr absl::Duration kAuditFloor = absl::Seconds(5);

// Time kept back from the sources for assembly, the re-check and the audit.
absl::Duration ReserveAfterSources(absl::Duration budget) {
  return std::min(budget / 10, absl::Milliseconds(250));
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

SourceStatus StatusOfSource(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk: return caregate::v1::SOURCE_STATUS_ANSWERED;
    case absl::StatusCode::kNotFound: return caregate::v1::SOURCE_STATUS_NOT_FOUND;
    case absl::StatusCode::kPermissionDenied: return caregate::v1::SOURCE_STATUS_REFUSED;
    case absl::StatusCode::kDeadlineExceeded: return caregate::v1::SOURCE_STATUS_TIMED_OUT;
    default: return caregate::v1::SOURCE_STATUS_UNAVAILABLE;
  }
}

absl::string_view SourceLabel(SourceKind kind) {
  return kind == caregate::v1::SOURCE_KIND_GP ? "gp" : "social_care";
}

absl::string_view SourceName(SourceKind kind) {
  return kind == caregate::v1::SOURCE_KIND_GP ? "GP record" : "social care record";
}

// One source's answer to one request.
template <typename T>
struct Outcome {
  SourceKind kind = caregate::v1::SOURCE_KIND_UNSPECIFIED;
  bool asked = false;
  absl::Status status;
  std::optional<T> value;

  SourceStatus source_status() const {
    return asked ? StatusOfSource(status) : caregate::v1::SOURCE_STATUS_NOT_ASKED;
  }
  caregate::v1::SourceReport Report() const {
    caregate::v1::SourceReport r;
    r.set_source(kind);
    r.set_status(source_status());
    switch (r.status()) {
      case caregate::v1::SOURCE_STATUS_TIMED_OUT:
        r.set_note("the source did not answer before the deadline");
        break;
      case caregate::v1::SOURCE_STATUS_UNAVAILABLE:
        r.set_note("the source could not be reached or sent an unusable answer");
        break;
      case caregate::v1::SOURCE_STATUS_REFUSED:
        r.set_note("the source refused to share this record");
        break;
      case caregate::v1::SOURCE_STATUS_NOT_FOUND:
        r.set_note("the source holds no record it can share for this person");
        break;
      default:
        break;
    }
    return r;
  }
  // The error to answer with when this was the only source of the view.
  absl::Status AsError() const {
    const std::string name(SourceName(kind));
    switch (source_status()) {
      case caregate::v1::SOURCE_STATUS_NOT_FOUND:
        return common::WithReason(absl::NotFoundError(absl::StrCat(name, ": not found")),
                                  common::kReasonPatientNotFound);
      case caregate::v1::SOURCE_STATUS_REFUSED:
        return common::WithReason(
            absl::PermissionDeniedError(absl::StrCat(name, ": the source refused to share it")),
            common::kReasonSourceRefused);
      case caregate::v1::SOURCE_STATUS_TIMED_OUT:
        return absl::DeadlineExceededError(
            absl::StrCat(name, ": the source did not answer before the deadline"));
      default:
        return common::WithReason(
            absl::UnavailableError(absl::StrCat(name, ": the source is unavailable")),
            common::kReasonSourceUnavailable);
    }
  }
};

// Where a source call runs. Calls that run beside another go to the source
// pool, so that each costs only its own time; the last call started runs on
// the request's own thread while the others proceed (a hop to the pool would
// add two context switches and nothing else). Either way it ends by the
// deadline: sources never wait past SourceRequest::deadline, and Wait gives
// up on a pooled call at the deadline.
enum class Where { kPool, kHere };

// A source call, running or done.
template <typename T>
class Asking {
 public:
  Asking(ThreadPool& pool, Metrics* metrics, SourceKind kind, Where where,
         std::function<absl::StatusOr<T>()> call)
      : kind_(kind) {
    auto timed = [metrics, kind, call = std::move(call)] {
      const absl::Time start = absl::Now();
      absl::StatusOr<T> result = call();
      if (metrics != nullptr) {
        metrics->RecordSource(SourceLabel(kind),
                              caregate::v1::SourceStatus_Name(StatusOfSource(result.status())),
                              absl::Now() - start);
      }
      return result;
    };
    if (where == Where::kHere) {
      done_.emplace(timed());
    } else {
      pending_.emplace(Pending<absl::StatusOr<T>>::Run(pool, std::move(timed)));
    }
  }

  Outcome<T> Wait(absl::Time deadline) {
    Outcome<T> out;
    out.kind = kind_;
    out.asked = true;
    auto result = done_.has_value() ? std::move(done_) : pending_->Wait(deadline);
    if (!result.has_value()) {
      out.status = absl::DeadlineExceededError("source timed out");
    } else if (!result->ok()) {
      out.status = result->status();
    } else {
      out.value = *std::move(*result);
    }
    return out;
  }

 private:
  SourceKind kind_;
  std::optional<absl::StatusOr<T>> done_;                // ran here
  std::optional<Pending<absl::StatusOr<T>>> pending_;  // runs on the pool
};

// "gp.medications", "social_care.care_plan", ...: the non-empty sections.
void AddSectionsReleased(const google::protobuf::Message& summary, absl::string_view prefix,
                         AuditEntry* entry) {
  const auto* descriptor = summary.GetDescriptor();
  const auto* reflection = summary.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->name() == "section_statuses") continue;
    const bool present = field->is_repeated() ? reflection->FieldSize(summary, field) > 0
                                              : reflection->HasField(summary, field);
    if (present) entry->add_sections_released(absl::StrCat(prefix, ".", field->name()));
  }
}

}  // namespace

// What the flow decided for one request: its one audit entry, and what to
// answer once that entry is committed.
struct RecordFlow::Settled {
  AuditEntry entry;
  absl::Time audit_deadline;
  absl::Status refusal;                // answered when not OK
  std::optional<ViewResult> released;  // answered when `refusal` is OK
};

void RecordFlow::Start(View view, const ReceivedCredentials& credentials,
                       const caregate::v1::SummaryRequest& request, absl::Time call_deadline,
                       std::shared_ptr<google::protobuf::Arena> arena, Answer answer) {
  const std::string request_id = NewRequestId();
  Settled settled =
      Decide(view, credentials, request, call_deadline, request_id, std::move(arena));
  settled.entry.set_request_id(request_id);
  const absl::Time appended = absl::Now();
  deps_.audit->AppendAsync(
      std::move(settled.entry), settled.audit_deadline,
      [this, appended, request_id, refusal = std::move(settled.refusal),
       released = std::move(settled.released),
       answer = std::move(answer)](absl::StatusOr<uint64_t> index) mutable {
        if (deps_.metrics != nullptr) {
          deps_.metrics->RecordAuditAppend(index.ok(), absl::Now() - appended);
        }
        if (!index.ok()) {
          common::LogError("audit_append_failed", {{"request_id", request_id},
                                                   {"error", index.status().message()}});
          std::move(answer)(common::WithReason(
              absl::UnavailableError("the audit log is unavailable: nothing was released"),
              common::kReasonAuditUnavailable));
        } else if (!refusal.ok()) {
          std::move(answer)(std::move(refusal));
        } else {
          released->disclosure.set_audit_index(*index);
          std::move(answer)(*std::move(released));
        }
      });
}

absl::StatusOr<ViewResult> RecordFlow::Run(View view, const ReceivedCredentials& credentials,
                                           const caregate::v1::SummaryRequest& request,
                                           absl::Time call_deadline) {
  return common::Await<absl::StatusOr<ViewResult>>([&](auto done) {
    Start(view, credentials, request, call_deadline, nullptr, std::move(done));
  });
}

RecordFlow::Settled RecordFlow::Decide(View view, const ReceivedCredentials& credentials,
                                       const caregate::v1::SummaryRequest& request,
                                       absl::Time call_deadline, const std::string& request_id,
                                       std::shared_ptr<google::protobuf::Arena> arena) {
  const absl::Time now = absl::Now();
  const absl::Time deadline = std::min(call_deadline, now + deps_.max_deadline);
  const absl::Time source_deadline = deadline - ReserveAfterSources(deadline - now);

  // Audits a refusal or an error and answers `status`. Denies and errors are
  // audited even when the caller's deadline has passed.
  auto refuse = [&](AuditEntry entry, absl::Status status) {
    Settled settled;
    settled.entry = std::move(entry);
    settled.audit_deadline = std::max(deadline, absl::Now() + kAuditFloor);
    settled.refusal = std::move(status);
    return settled;
  };
  // The consent ledger could not be read: audit an error, release nothing.
  auto ledger_failed = [&](AuditEntry e, const absl::Status& status) {
    const std::string reason = common::ErrorReason(status);
    e.set_outcome(caregate::v1::AUDIT_OUTCOME_ERROR);
    e.set_reason(reason.empty() ? "CONSENT_LEDGER_UNAVAILABLE" : reason);
    return refuse(std::move(e), absl::UnavailableError("the consent ledger is unavailable"));
  };
  auto record_decision = [&](const consent::Decision& d) {
    if (deps_.metrics != nullptr) {
      deps_.metrics->RecordDecision(d.permit ? "permit" : "deny", d.reason);
    }
  };

  AuditEntry entry;
  *entry.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(deps_.clock->Now()));
  entry.set_action(consent::ActionForView(view));
  entry.mutable_actor()->set_client_system(credentials.certificate_subject);

  // 1. Who is asking.
  auto principal = deps_.authenticator->Authenticate(credentials.view());
  if (!principal.ok()) {
    entry.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
    std::string reason = common::ErrorReason(principal.status());
    entry.set_reason(reason.empty() ? std::string(common::kReasonInvalidToken) : reason);
    return refuse(entry, principal.status());
  }
  *entry.mutable_actor() = consent::ActorFor(*principal);
  if (entry.actor().client_system().empty()) {
    entry.mutable_actor()->set_client_system(credentials.certificate_subject);
  }

  // 2. Is the request well formed.
  auto validated = ValidateSummaryRequest(request);
  if (!validated.ok()) {
    entry.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
    entry.set_reason(common::ErrorReason(validated.status()));
    entry.set_purpose(request.purpose());
    return refuse(entry, validated.status());
  }

  consent::DecisionRequest decision_request;
  decision_request.principal = *std::move(principal);
  decision_request.view = view;
  decision_request.nhs_number = validated->nhs_number;
  decision_request.purpose = validated->purpose;
  decision_request.emergency = validated->emergency_access;
  decision_request.request_id = request_id;

  // 3. The role rule, before any source is asked.
  if (auto deny = deps_.consent->PreCheck(decision_request)) {
    record_decision(*deny);
    return refuse(consent::BuildAuditEntry(*deny), deny->ToStatus());
  }

  adapters::SourceRequest source_request;
  source_request.nhs_number = validated->nhs_number;
  const consent::Principal& who = decision_request.principal;
  source_request.requester = {who.user_id, who.user_name, who.organisation, who.rbac_role};
  source_request.deadline = source_deadline;
  source_request.request_id = request_id;

  const bool wants_gp = view != View::kSocialCareSummary;
  const bool wants_social_care = view != View::kGpSummary;
  // The summaries are built on the call's arena (one is made when the caller
  // gave none).
  if (arena == nullptr) {
    arena = std::make_shared<google::protobuf::Arena>(adapters::GpSummaryArenaOptions());
  }
  // The GP call holds the arena, so a call still running after the flow has
  // stopped waiting for it writes into memory that lives until it returns.
  auto ask_gp = [&](Where where) {
    return std::make_unique<Asking<caregate::v1::GpSummary*>>(
        *deps_.source_pool, deps_.metrics, caregate::v1::SOURCE_KIND_GP, where,
        [gp = deps_.gp, source_request, arena]() -> absl::StatusOr<caregate::v1::GpSummary*> {
          auto* summary = google::protobuf::Arena::CreateMessage<caregate::v1::GpSummary>(
              arena.get());
          absl::Status s = gp->GetGpSummaryInto(source_request, summary);
          if (!s.ok()) return s;
          return summary;
        });
  };
  // The council reading the relationship came from, kept while the view may
  // still read the summary from the same snapshot. Dropped before any wait on
  // the GP source, so a slow GP never holds a council store connection.
  std::unique_ptr<adapters::CouncilReading> council_reading;
  auto ask_social_care = [&] {
    return std::make_unique<Asking<caregate::v1::SocialCareSummary*>>(
        *deps_.source_pool, deps_.metrics, caregate::v1::SOURCE_KIND_SOCIAL_CARE, Where::kHere,
        [sc = deps_.social_care, source_request, arena,
         reading = std::shared_ptr<adapters::CouncilReading>(std::move(council_reading))]() mutable
        -> absl::StatusOr<caregate::v1::SocialCareSummary*> {
          if (reading == nullptr) {
            auto started = sc->StartReading(source_request);
            if (!started.ok()) return started.status();
            reading = *std::move(started);
          }
          auto* summary =
              google::protobuf::Arena::CreateMessage<caregate::v1::SocialCareSummary>(arena.get());
          absl::Status s = reading->SummaryInto(summary);
          if (!s.ok()) return s;
          return summary;
        });
  };

  // 4. Relationship evidence, in parallel. The GP record is asked for here
  // only when the view releases it anyway (the combined profile); a GP asking
  // for the social care summary is matched on the council's recorded practice.
  const consent::EvidenceNeeds needs = deps_.consent->NeededEvidence(decision_request);
  std::unique_ptr<Asking<adapters::CouncilRelationship>> asking_relationship;
  std::unique_ptr<Asking<caregate::v1::GpSummary*>> asking_gp;
  if (needs.gp_registration && wants_gp) asking_gp = ask_gp(Where::kPool);
  if (needs.council_relationship || (needs.gp_registration && !wants_gp)) {
    asking_relationship = std::make_unique<Asking<adapters::CouncilRelationship>>(
        *deps_.source_pool, deps_.metrics, caregate::v1::SOURCE_KIND_SOCIAL_CARE, Where::kHere,
        [&]() -> absl::StatusOr<adapters::CouncilRelationship> {
          auto reading = deps_.social_care->StartReading(source_request);
          if (!reading.ok()) return reading.status();
          auto relationship = (*reading)->Relationship();
          if (relationship.ok() && wants_social_care) council_reading = *std::move(reading);
          return relationship;
        });
  }

  consent::RelationshipEvidence evidence;
  Outcome<caregate::v1::GpSummary*> gp;
  gp.kind = caregate::v1::SOURCE_KIND_GP;
  if (asking_relationship != nullptr) {
    auto relationship = asking_relationship->Wait(source_deadline);
    if (relationship.value.has_value()) evidence.council = *relationship.value;
  }

  // 5. Decide. The council's evidence is tried first, so that a slow GP
  // source costs only its own time; the GP registration is waited for only
  // when the relationship cannot be shown without it.
  auto decision = deps_.consent->Decide(decision_request, evidence, deadline);
  if (decision.ok() && !decision->permit &&
      decision->reason == common::kReasonNoRelationship && asking_gp != nullptr) {
    council_reading.reset();
    gp = asking_gp->Wait(source_deadline);
    if (gp.value.has_value() && !(*gp.value)->demographics().registered_practice_code().empty()) {
      evidence.gp_registered_practice = (*gp.value)->demographics().registered_practice_code();
      decision = deps_.consent->Decide(decision_request, evidence, deadline);
    }
  }
  if (!decision.ok()) {
    entry.set_nhs_number(validated->nhs_number);
    entry.set_purpose(validated->purpose);
    return ledger_failed(entry, decision.status());
  }
  record_decision(*decision);
  if (!decision->permit) {
    return refuse(consent::BuildAuditEntry(*decision), decision->ToStatus());
  }

  // 6. The view's sources, in parallel.
  if (wants_gp && asking_gp == nullptr) {
    asking_gp = ask_gp(wants_social_care ? Where::kPool : Where::kHere);
  }
  std::unique_ptr<Asking<caregate::v1::SocialCareSummary*>> asking_social_care;
  if (wants_social_care) asking_social_care = ask_social_care();
  if (asking_gp != nullptr && !gp.asked) gp = asking_gp->Wait(source_deadline);
  Outcome<caregate::v1::SocialCareSummary*> social_care;
  social_care.kind = caregate::v1::SOURCE_KIND_SOCIAL_CARE;
  if (asking_social_care != nullptr) social_care = asking_social_care->Wait(source_deadline);

  auto with_sources = [&](AuditEntry e) {
    e.clear_sources();
    *e.add_sources() = gp.Report();
    *e.add_sources() = social_care.Report();
    return e;
  };

  // A view whose every source failed answers with that failure.
  const bool gp_ok = gp.value.has_value(), social_care_ok = social_care.value.has_value();
  if ((!wants_gp || !gp_ok) && (!wants_social_care || !social_care_ok)) {
    // A combined profile says "not found" only when neither source holds the
    // person; otherwise the failure that is not "not found" explains it.
    const bool gp_not_found = gp.source_status() == caregate::v1::SOURCE_STATUS_NOT_FOUND;
    absl::Status error = !wants_gp                       ? social_care.AsError()
                         : wants_social_care && gp_not_found ? social_care.AsError()
                                                             : gp.AsError();
    AuditEntry e = with_sources(consent::BuildAuditEntry(*decision));
    e.set_outcome(caregate::v1::AUDIT_OUTCOME_ERROR);
    e.set_reason(common::ErrorReason(error).empty() ? "SOURCE_TIMED_OUT"
                                                    : common::ErrorReason(error));
    return refuse(e, error);
  }

  // 7. Assemble: drop sensitive items, cross-check identity.
  ViewResult result;
  result.arena = arena;
  bool withheld = false;
  if (wants_gp && gp_ok) {
    result.gp_summary = *gp.value;
    withheld |= deps_.sensitive->FilterGpSummary(result.gp_summary);
    for (const auto& section : result.gp_summary->section_statuses()) {
      for (int state : section.states()) {
        withheld |= state == caregate::v1::SECTION_STATE_ITEMS_WITHHELD;
      }
    }
  }
  if (wants_social_care && social_care_ok) {
    result.social_care_summary = *social_care.value;
    withheld |= deps_.sensitive->FilterSocialCareSummary(result.social_care_summary);
    withheld |= result.social_care_summary->care_plan().status() ==
                caregate::v1::CARE_PLAN_STATUS_NOT_SHARED;
  }
  if (view == View::kCombinedProfile) {
    result.identity_check = CheckIdentity(
        result.gp_summary ? &result.gp_summary->demographics() : nullptr,
        result.social_care_summary ? &result.social_care_summary->demographics() : nullptr);
  }

  // 8. Decide again, just before release.
  auto recheck = deps_.consent->Recheck(*decision, deadline);
  if (!recheck.ok()) {
    return ledger_failed(with_sources(consent::BuildAuditEntry(*decision)), recheck.status());
  }
  record_decision(*recheck);
  if (!recheck->permit) {
    return refuse(with_sources(consent::BuildAuditEntry(*recheck)), recheck->ToStatus());
  }

  // 9. The entry that releases the view; Start appends it durably before
  // anything is answered.
  AuditEntry released = with_sources(consent::BuildAuditEntry(*recheck));
  released.set_withheld(withheld);
  if (result.gp_summary) AddSectionsReleased(*result.gp_summary, "gp", &released);
  if (result.social_care_summary) {
    AddSectionsReleased(*result.social_care_summary, "social_care", &released);
  }
  if (view == View::kCombinedProfile) *released.mutable_identity_check() = result.identity_check;
  auto& disclosure = result.disclosure;
  disclosure.set_basis(recheck->basis);
  disclosure.set_consent_version(recheck->recheck_consent_version);
  disclosure.set_withheld(withheld);
  *disclosure.mutable_sources() = released.sources();
  disclosure.set_policy_version(recheck->policy_version);
  *disclosure.mutable_decided_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(recheck->decided_at));
  Settled settled;
  settled.entry = std::move(released);
  settled.audit_deadline = deadline;
  settled.released = std::move(result);
  return settled;
}

}  // namespace caregate::gateway
