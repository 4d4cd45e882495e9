#ifndef CAREGATE_CONSENT_CONSENT_H_
#define CAREGATE_CONSENT_CONSENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"
#include "consent/auth/jwt_authenticator.h"
#include "consent/ledger/consent_ledger.h"
#include "consent/policy/consent_module.h"
#include "consent/sensitive/sensitive_filter.h"

namespace caregate::consent {

// Everything the gateway needs from the consent module, built from the
// `consent` configuration. Members are independent objects; `policy` uses
// `ledger`, so keep the set alive as long as any member is used.
struct ConsentParts {
  std::unique_ptr<auth::JwtAuthenticator> authenticator;
  std::unique_ptr<ledger::ConsentLedger> ledger;
  std::unique_ptr<ConsentModule> policy;
  std::unique_ptr<sensitive::SensitiveFilter> sensitive;
};

// Creates the demo issuer's key pair when the configuration names
// demo_issuer_private_key_file (the embedded demo) and it is absent, loads the
// trusted issuers' keys, opens the consent ledger (consent.store, relative
// paths under data_dir; the schema is created if absent) and builds the policy
// and the sensitive filter. Errors name the configuration field. `clock` is not
// owned and must outlive the parts.
//
// Typical wiring (issue 7):
//   auto parts = OpenConsent(config.consent(), config.data_dir(), clock);
//   ConsentServiceImpl consent_service(parts->ledger.get(), parts->authenticator.get(),
//                                      audit_log, clock, &pool);
//   // per request: Authenticate → policy->PreCheck → gather NeededEvidence →
//   // policy->Decide → audit BuildAuditEntry → fetch → sensitive->FilterGpSummary
//   // → policy->Recheck → audit the disclosure → answer.
absl::StatusOr<ConsentParts> OpenConsent(const caregate::config::v1::ConsentConfig& config,
                                         absl::string_view data_dir, const common::Clock* clock);

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_CONSENT_H_
