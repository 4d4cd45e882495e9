// caregatectl get: pull a view of one person's records, as a clinician or
// social worker would, with the disclosure receipt.
//
//   caregatectl --token T get gp-summary --nhs-number N
//   caregatectl --token T get social-care-summary --nhs-number N
//   caregatectl --token T get combined-profile --nhs-number N
//       [--purpose direct-care|safeguarding]
//       [--emergency emergency-treatment|professional-judgement|public-safety|
//                    third-party-safety --justification TEXT]

#include <iostream>

#include "caregate/v1/records.grpc.pb.h"
#include "cli/commands.h"

namespace caregate::cli {
namespace {

const Command& Self() { return CommandNamed("get"); }

}  // namespace

int RunGet(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command& self = Self();
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (auto s = args->OnlyKnown({"nhs-number", "purpose", "emergency", "justification"});
      !s.ok()) {
    return UsageError(self, s.message());
  }
  if (args->positional().size() != 1) {
    return UsageError(self, "name one view: gp-summary, social-care-summary or combined-profile");
  }
  const std::string view = args->positional()[0];
  auto nhs_number = args->Require("nhs-number");
  if (!nhs_number.ok()) return UsageError(self, nhs_number.status().message());

  caregate::v1::SummaryRequest request;
  request.set_nhs_number(*nhs_number);
  const std::string purpose = args->Get("purpose", "direct-care");
  if (purpose == "direct-care") {
    request.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  } else if (purpose == "safeguarding") {
    request.set_purpose(caregate::v1::PURPOSE_OF_USE_SAFEGUARDING);
  } else {
    return UsageError(self, "--purpose: must be direct-care or safeguarding");
  }
  if (args->Has("emergency")) {
    static const std::pair<const char*, caregate::v1::EmergencyReason> kReasons[] = {
        {"emergency-treatment", caregate::v1::EMERGENCY_REASON_EMERGENCY_TREATMENT},
        {"professional-judgement", caregate::v1::EMERGENCY_REASON_PROFESSIONAL_JUDGEMENT},
        {"public-safety", caregate::v1::EMERGENCY_REASON_PUBLIC_SAFETY},
        {"third-party-safety", caregate::v1::EMERGENCY_REASON_THIRD_PARTY_SAFETY},
    };
    bool known = false;
    for (const auto& [name, reason] : kReasons) {
      if (args->Get("emergency") == name) {
        request.mutable_emergency_access()->set_reason(reason);
        known = true;
      }
    }
    if (!known) {
      return UsageError(self,
                        "--emergency: must be emergency-treatment, professional-judgement, "
                        "public-safety or third-party-safety");
    }
    request.mutable_emergency_access()->set_justification(args->Get("justification"));
  }

  auto stub = caregate::v1::RecordService::NewStub(connection.Channel());
  using Stub = caregate::v1::RecordService::Stub;
  if (view == "gp-summary") {
    return CallAndPrint(connection, self, *stub, &Stub::GetGpSummary, request);
  }
  if (view == "social-care-summary") {
    return CallAndPrint(connection, self, *stub, &Stub::GetSocialCareSummary, request);
  }
  if (view == "combined-profile") {
    return CallAndPrint(connection, self, *stub, &Stub::GetCombinedProfile, request);
  }
  return UsageError(self, "name one view: gp-summary, social-care-summary or combined-profile");
}

}  // namespace caregate::cli
