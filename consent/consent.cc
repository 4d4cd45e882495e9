#include "consent/consent.h"

#include "consent/ledger/sql_consent_ledger.h"

namespace caregate::consent {

absl::StatusOr<ConsentParts> OpenConsent(const caregate::config::v1::ConsentConfig& config,
                                         absl::string_view data_dir, const common::Clock* clock) {
  if (auto s = auth::EnsureDemoIssuerKeys(config, data_dir); !s.ok()) return s;
  ConsentParts parts;
  auto authenticator = auth::JwtAuthenticator::Create(config, data_dir, clock);
  if (!authenticator.ok()) return authenticator.status();
  parts.authenticator = *std::move(authenticator);
  auto ledger = ledger::SqlConsentLedger::Open(config.store(), data_dir);
  if (!ledger.ok()) return ledger.status();
  parts.ledger = *std::move(ledger);
  auto policy = ConsentModule::Create(config, parts.ledger.get(), clock);
  if (!policy.ok()) return policy.status();
  parts.policy = *std::move(policy);
  auto sensitive = sensitive::SensitiveFilter::Create(config);
  if (!sensitive.ok()) return sensitive.status();
  parts.sensitive = *std::move(sensitive);
  return parts;
}

}  // namespace caregate::consent
