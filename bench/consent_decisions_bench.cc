// Consent decisions per second: a bearer token verified (ES256), the person's
// consent read from the ledger (hash chain verified) and the policy applied,
// then the "decide twice" re-check. The ceiling in the same run is the token
// verification alone. Results: bench/RESULTS.md "## Consent decisions".
//
//   ninja -C build -j2 consent_decisions_bench
//   build/bench/consent_decisions_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "consent/auth/jwt.h"
#include "consent/auth/jwt_authenticator.h"
#include "consent/ledger/consent_ledger.h"
#include "consent/ledger/sql_consent_ledger.h"
#include "consent/policy/consent_module.h"

namespace caregate::consent {
namespace {

namespace v1 = caregate::v1;
constexpr char kNhs[] = "9434765919";

struct Setup {
  std::string dir;
  auth::Pkey key;
  caregate::config::v1::ConsentConfig config;
  std::unique_ptr<auth::JwtAuthenticator> authenticator;
  std::unique_ptr<ledger::ConsentLedger> ledger;
  std::unique_ptr<ConsentModule> module;
  std::string token;
  RelationshipEvidence evidence;

  explicit Setup(bool sqlite) {
    char tmpl[] = "/tmp/consent-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    key = *auth::GenerateKey(auth::JwsAlgorithm::kEs256);
    std::filesystem::create_directories(dir + "/keys");
    std::ofstream(dir + "/keys/idp.pem") << *auth::PublicKeyToPem(key.get());
    auto* ti = config.add_trusted_issuers();
    ti->set_issuer("idp");
    ti->set_key_id("k1");
    ti->set_public_key_file("keys/idp.pem");
    auto* m = config.add_role_mappings();
    m->set_rbac_role("SW01");
    m->set_role("social_worker");
    authenticator = *auth::JwtAuthenticator::Create(config, dir, common::Clock::Real());
    if (sqlite) {
      caregate::config::v1::StoreConfig store;
      store.mutable_sqlite()->set_path("consent.db");
      ledger = *ledger::SqlConsentLedger::Open(store, dir);
    } else {
      ledger = std::make_unique<ledger::MemoryConsentLedger>();
    }
    module = *ConsentModule::Create(config, ledger.get(), common::Clock::Real());
    // A realistic history: consent recorded, withdrawn, recorded again.
    for (auto d : {v1::CONSENT_DECISION_PERMIT, v1::CONSENT_DECISION_WITHDRAWN,
                   v1::CONSENT_DECISION_PERMIT}) {
      v1::ConsentFact f;
      f.set_nhs_number(kNhs);
      f.set_direction(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
      f.set_decision(d);
      f.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
      f.set_method(v1::RECORDING_METHOD_WRITTEN);
      (void)ledger->Append(
          f, [](const v1::ConsentFact&) { return absl::StatusOr<uint64_t>(0); },
          absl::Now() + absl::Seconds(10));
    }
    auth::TokenClaims c;
    c.issuer = "idp";
    c.audience = "caregate";
    c.subject = "sw-1";
    c.name = "Social Worker";
    c.organisation = "X99LA";
    c.rbac_role = "SW01";
    c.teams = {"T1"};
    c.issued_at = absl::Now();
    c.lifetime = absl::Minutes(30);
    token = "Bearer " + *auth::MintToken(key.get(), "k1", c);
    adapters::CouncilRelationship council;
    council.known = true;
    council.open_case = true;
    council.council_code = "X99LA";
    council.allocated_teams = {"T1"};
    evidence.council = council;
  }
  ~Setup() { std::filesystem::remove_all(dir); }

  // One full decision; returns whether it permitted.
  bool Decide(bool recheck) {
    auto principal = authenticator->Authenticate({token, "", ""});
    if (!principal.ok()) return false;
    DecisionRequest req{*principal,   View::kGpSummary, kNhs, v1::PURPOSE_OF_USE_DIRECT_CARE,
                        std::nullopt, "bench"};
    auto d = module->Decide(req, evidence, absl::Now() + absl::Seconds(5));
    if (!d.ok() || !d->permit) return false;
    v1::AuditEntry entry = BuildAuditEntry(*d);
    benchmark::DoNotOptimize(entry);
    if (!recheck) return true;
    auto again = module->Recheck(*d, absl::Now() + absl::Seconds(5));
    return again.ok() && again->permit;
  }
};

Setup& Shared(bool sqlite) {
  static Setup* memory = new Setup(false);
  static Setup* sql = new Setup(true);
  return sqlite ? *sql : *memory;
}

// The ceiling: verifying the bearer token alone.
void BM_TokenVerificationOnly(benchmark::State& state) {
  Setup& s = Shared(false);
  for (auto _ : state) {
    auto p = s.authenticator->Authenticate({s.token, "", ""});
    if (!p.ok()) state.SkipWithError("token refused");
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenVerificationOnly)->UseRealTime();

void BM_DecisionMemoryLedger(benchmark::State& state) {
  Setup& s = Shared(false);
  for (auto _ : state) {
    if (!s.Decide(false)) state.SkipWithError("decision failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecisionMemoryLedger)->UseRealTime();

void BM_DecisionSqliteLedger(benchmark::State& state) {
  Setup& s = Shared(true);
  for (auto _ : state) {
    if (!s.Decide(false)) state.SkipWithError("decision failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecisionSqliteLedger)->UseRealTime()->Threads(1)->Threads(2);

void BM_DecideTwiceSqliteLedger(benchmark::State& state) {
  Setup& s = Shared(true);
  for (auto _ : state) {
    if (!s.Decide(true)) state.SkipWithError("decision failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideTwiceSqliteLedger)->UseRealTime()->Threads(1)->Threads(2);

}  // namespace
}  // namespace caregate::consent

BENCHMARK_MAIN();
