#ifndef CAREGATE_GATEWAY_RECORD_FLOW_H_
#define CAREGATE_GATEWAY_RECORD_FLOW_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/gp_record_source.h"
#include "adapters/social_care_source.h"
#include "caregate/v1/records.pb.h"
#include "common/clock.h"
#include "consent/audit_log.h"
#include "consent/authenticator.h"
#include "consent/policy/consent_module.h"
#include "consent/sensitive/sensitive_filter.h"
#include "gateway/call_credentials.h"
#include "gateway/metrics.h"
#include "gateway/thread_pool.h"
#include "google/protobuf/arena.h"

namespace caregate::gateway {

// What the request flow works with. Nothing is owned; everything outlives the
// flow. `gp` and `social_care` may be null only when no view needs them.
struct FlowDependencies {
  const consent::Authenticator* authenticator = nullptr;
  consent::ConsentModule* consent = nullptr;
  const consent::sensitive::SensitiveFilter* sensitive = nullptr;
  consent::AuditLog* audit = nullptr;
  adapters::GpRecordSource* gp = nullptr;
  adapters::SocialCareSource* social_care = nullptr;
  Metrics* metrics = nullptr;
  const common::Clock* clock = nullptr;
  // Runs source calls, so that they proceed in parallel.
  ThreadPool* source_pool = nullptr;
  // Upper bound on a call's deadline (server.max_deadline).
  absl::Duration max_deadline = absl::Seconds(10);
};

// What one view request released: the summaries the view includes, the
// identity check (combined profile), and the disclosure receipt.
struct ViewResult {
  // The summaries live on `arena` (the call's arena when the service gave
  // one, so setting them into the response copies nothing); null when the
  // view releases none.
  std::shared_ptr<google::protobuf::Arena> arena;
  caregate::v1::GpSummary* gp_summary = nullptr;
  caregate::v1::SocialCareSummary* social_care_summary = nullptr;
  caregate::v1::IdentityCheck identity_check;
  caregate::v1::Disclosure disclosure;
};

// The request flow behind RecordService (docs/design.md, "A request, step by
// step"): authenticate → validate → pre-check the role (no I/O) → gather
// relationship evidence → decide → ask the sources in parallel under the
// call's deadline → assemble and drop sensitive items → cross-check identity
// → decide again → append the audit entry durably → answer.
//
// Every call appends exactly one audit entry, whatever its outcome, and is
// answered only once that entry is committed; if the append fails nothing is
// released (UNAVAILABLE, AUDIT_UNAVAILABLE). Errors carry ErrorInfo reasons
// and never personal data.
//
// Thread-safe.
class RecordFlow {
 public:
  // Receives a request's answer. Called exactly once.
  using Answer = absl::AnyInvocable<void(absl::StatusOr<ViewResult>) &&>;

  explicit RecordFlow(const FlowDependencies& deps) : deps_(deps) {}

  // Runs the flow up to the audit append on the calling thread (waiting for
  // the sources it asks), queues the entry and returns. `answer` runs once
  // the entry is committed, on the audit log's thread (or on the calling
  // thread when the log refuses the entry at once); it must not block.
  // The summaries are built on `arena` (a new one when null), which a GP
  // source call that outlives the request keeps alive until it returns.
  void Start(consent::View view, const ReceivedCredentials& credentials,
             const caregate::v1::SummaryRequest& request, absl::Time call_deadline,
             std::shared_ptr<google::protobuf::Arena> arena, Answer answer);

  // Start, waiting for the answer.
  absl::StatusOr<ViewResult> Run(consent::View view, const ReceivedCredentials& credentials,
                                 const caregate::v1::SummaryRequest& request,
                                 absl::Time call_deadline);

 private:
  struct Settled;
  // Every step before the audit append: the request's one audit entry and
  // what to answer once it is committed.
  Settled Decide(consent::View view, const ReceivedCredentials& credentials,
                 const caregate::v1::SummaryRequest& request, absl::Time call_deadline,
                 const std::string& request_id, std::shared_ptr<google::protobuf::Arena> arena);

  FlowDependencies deps_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_RECORD_FLOW_H_
