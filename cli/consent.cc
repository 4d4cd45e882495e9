// caregatectl consent record|withdraw|status|history: the consent ledger.
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "caregate/v1/consent.grpc.pb.h"
#include "cli/commands.h"

namespace caregate::cli {
namespace {

namespace v1 = caregate::v1;

const Command& Self() { return CommandNamed("consent"); }

// "gp-to-social-care" → PREFIX_GP_TO_SOCIAL_CARE, parsed by `parse`.
template <typename E>
bool ParseEnum(const std::string& prefix, const std::string& value,
               bool (*parse)(const std::string&, E*), E* out) {
  if (value.empty()) return false;
  std::string name =
      absl::StrCat(prefix, absl::AsciiStrToUpper(absl::StrReplaceAll(value, {{"-", "_"}})));
  return parse(name, out) && static_cast<int>(*out) != 0;
}

absl::Status ParseDecidedBy(const Args& args, v1::DecisionMaker* dm) {
  v1::DecisionMakerKind kind;
  if (!ParseEnum<v1::DecisionMakerKind>("DECISION_MAKER_KIND_", args.Get("decided-by", "person"),
                                        v1::DecisionMakerKind_Parse, &kind)) {
    return absl::InvalidArgumentError(
        "--decided-by: person, lpa-health-and-welfare, lpa-property-and-financial, "
        "court-appointed-deputy or best-interests");
  }
  dm->set_kind(kind);
  dm->set_name(args.Get("decision-maker-name"));
  dm->set_role(args.Get("decision-maker-role"));
  dm->set_registration_reference(args.Get("registration-reference"));
  dm->set_decision_date(args.Get("decision-date"));
  dm->set_reason(args.Get("decision-reason"));
  return absl::OkStatus();
}

}  // namespace

int RunConsent(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command& self = Self();
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (args->positional().size() != 1) {
    return UsageError(self, "say record, withdraw, status or history");
  }
  const std::string action = args->positional()[0];
  if (auto s = args->OnlyKnown({"nhs-number", "direction", "decision", "decided-by",
                                "decision-maker-name", "decision-maker-role",
                                "registration-reference", "decision-date", "decision-reason",
                                "method", "from", "until", "evidence", "reason"});
      !s.ok()) {
    return UsageError(self, s.message());
  }
  auto nhs = args->Require("nhs-number");
  if (!nhs.ok()) return UsageError(self, nhs.status().message());

  v1::SharingDirection direction = v1::SHARING_DIRECTION_UNSPECIFIED;
  if (args->Has("direction") &&
      !ParseEnum<v1::SharingDirection>("SHARING_DIRECTION_", args->Get("direction"),
                                       v1::SharingDirection_Parse, &direction)) {
    return UsageError(self, "--direction: gp-to-social-care, social-care-to-gp or integrated-team");
  }
  v1::RecordingMethod method = v1::RECORDING_METHOD_UNSPECIFIED;
  if ((action == "record" || action == "withdraw") &&
      !ParseEnum<v1::RecordingMethod>("RECORDING_METHOD_", args->Get("method"),
                                      v1::RecordingMethod_Parse, &method)) {
    return UsageError(self, "--method: verbal, written or electronic");
  }

  auto stub = v1::ConsentService::NewStub(connection.Channel());
  auto context = connection.Context();
  if (!context.ok()) return UsageError(self, context.status().message());
  grpc::Status status;
  if (action == "record") {
    v1::RecordConsentRequest req;
    req.set_nhs_number(*nhs);
    req.set_direction(direction);
    v1::ConsentDecision decision;
    if (!ParseEnum<v1::ConsentDecision>("CONSENT_DECISION_", args->Get("decision"),
                                        v1::ConsentDecision_Parse, &decision)) {
      return UsageError(self, "--decision: permit or dissent");
    }
    req.set_decision(decision);
    if (auto s = ParseDecidedBy(*args, req.mutable_decided_by()); !s.ok()) {
      return UsageError(self, s.message());
    }
    req.set_method(method);
    req.set_valid_from(args->Get("from"));
    req.set_valid_until(args->Get("until"));
    req.set_evidence_reference(args->Get("evidence"));
    v1::ConsentFact fact;
    status = stub->RecordConsent(context->get(), req, &fact);
    if (status.ok()) PrintMessage(connection, fact);
  } else if (action == "withdraw") {
    v1::WithdrawConsentRequest req;
    req.set_nhs_number(*nhs);
    req.set_direction(direction);
    if (auto s = ParseDecidedBy(*args, req.mutable_decided_by()); !s.ok()) {
      return UsageError(self, s.message());
    }
    req.set_method(method);
    req.set_reason(args->Get("reason"));
    req.set_evidence_reference(args->Get("evidence"));
    v1::ConsentFact fact;
    status = stub->WithdrawConsent(context->get(), req, &fact);
    if (status.ok()) PrintMessage(connection, fact);
  } else if (action == "status") {
    v1::GetConsentStatusRequest req;
    req.set_nhs_number(*nhs);
    req.set_direction(direction);
    v1::ConsentStatus out;
    status = stub->GetConsentStatus(context->get(), req, &out);
    if (status.ok()) PrintMessage(connection, out);
  } else if (action == "history") {
    v1::ListConsentHistoryRequest req;
    req.set_nhs_number(*nhs);
    v1::ListConsentHistoryResponse out;
    status = stub->ListConsentHistory(context->get(), req, &out);
    if (status.ok()) PrintMessage(connection, out);
  } else {
    return UsageError(self, "say record, withdraw, status or history");
  }
  if (!status.ok()) return PrintRpcError(status);
  return 0;
}

}  // namespace caregate::cli
