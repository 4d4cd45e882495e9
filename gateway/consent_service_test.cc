// ConsentService through a real in-process gRPC server: authentication, role
// checks, validation errors naming fields, the hash-linked ledger, and the
// audit of every change and refusal.
#include "gateway/consent_service.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "consent/auth/jwt_authenticator.h"
#include "consent/consent.h"
#include "consent/ledger/sql_consent_ledger.h"
#include "consent/testing/fake_audit_log.h"
#include "gateway/config/config.h"
#include "gateway/grpc_status.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace caregate::gateway {
namespace {

namespace v1 = caregate::v1;
using consent::auth::JwsAlgorithm;
using consent::auth::TokenClaims;
using ::testing::HasSubstr;

constexpr char kNhs[] = "9434765919";

class ConsentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_unique<common::FakeClock>(
        absl::FromCivil(absl::CivilSecond(2026, 11, 22, 12, 0, 0), absl::UTCTimeZone()));
    key_ = *consent::auth::GenerateKey(JwsAlgorithm::kEs256);
    std::filesystem::create_directories(dir_.path() + "/keys");
    std::ofstream(dir_.path() + "/keys/idp.pem") << *consent::auth::PublicKeyToPem(key_.get());
    caregate::config::v1::ConsentConfig config;
    auto* ti = config.add_trusted_issuers();
    ti->set_issuer("idp");
    ti->set_key_id("k1");
    ti->set_public_key_file("keys/idp.pem");
    for (auto [code, role] : {std::pair<const char*, const char*>{"R8000", "gp"},
                              {"CA01", "consent_administrator"},
                              {"R0001", "privacy_officer"}}) {
      auto* m = config.add_role_mappings();
      m->set_rbac_role(code);
      m->set_role(role);
    }
    auth_ = *consent::auth::JwtAuthenticator::Create(config, dir_.path(), clock_.get());
    service_ =
        std::make_unique<ConsentServiceImpl>(&ledger_, auth_.get(), &audit_, clock_.get(), &pool_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::ConsentService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::string Token(const std::string& rbac, const std::string& org = "A99001") {
    TokenClaims c;
    c.issuer = "idp";
    c.audience = "caregate";
    c.subject = "user-" + rbac;
    c.name = "Recorder";
    c.organisation = org;
    c.rbac_role = rbac;
    c.issued_at = clock_->Now();
    return *consent::auth::MintToken(key_.get(), "k1", c);
  }
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }
  static v1::RecordConsentRequest Permit() {
    v1::RecordConsentRequest r;
    r.set_nhs_number("943 476 5919");
    r.set_direction(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
    r.set_decision(v1::CONSENT_DECISION_PERMIT);
    r.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
    r.set_method(v1::RECORDING_METHOD_WRITTEN);
    r.set_evidence_reference("DOC-1");
    return r;
  }
  grpc::Status Record(const v1::RecordConsentRequest& r, const std::string& token,
                      v1::ConsentFact* out) {
    return stub_->RecordConsent(Ctx(token).get(), r, out);
  }
  void ExpectRefused(const grpc::Status& s, grpc::StatusCode code, absl::string_view reason,
                     absl::string_view field) {
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_EQ(ErrorInfoReason(s), reason);
    EXPECT_THAT(s.error_message(), HasSubstr(std::string(field)));
    ASSERT_FALSE(audit_.entries().empty());
    const auto e = audit_.entries().back();
    EXPECT_EQ(e.outcome(), v1::AUDIT_OUTCOME_DENY);
    EXPECT_EQ(e.reason(), reason);
    EXPECT_EQ(e.action(), v1::AUDIT_ACTION_RECORD_CONSENT);
    EXPECT_EQ(ledger_.LatestVersion(kNhs, absl::InfiniteFuture()).value(), 0u);
  }

  caregate::testing::TempDir dir_;
  std::unique_ptr<common::FakeClock> clock_;
  consent::auth::Pkey key_;
  std::unique_ptr<consent::auth::JwtAuthenticator> auth_;
  consent::ledger::MemoryConsentLedger ledger_;
  consent::testing::FakeAuditLog audit_;
  ThreadPool pool_{2};
  std::unique_ptr<ConsentServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ConsentService::Stub> stub_;
};

TEST_F(ConsentServiceTest, RecordStatusHistoryWithdrawAreLinkedAndAudited) {
  v1::ConsentFact first;
  ASSERT_TRUE(Record(Permit(), Token("R8000"), &first).ok());
  EXPECT_EQ(first.version(), 1u);
  EXPECT_EQ(first.nhs_number(), kNhs);
  EXPECT_EQ(first.recorded_by_user(), "user-R8000");
  EXPECT_EQ(first.recorded_by_organisation(), "A99001");
  EXPECT_EQ(first.valid_from(), "2026-11-22");
  EXPECT_EQ(first.hash().size(), 32u);
  EXPECT_EQ(first.audit_index(), 0u);

  v1::GetConsentStatusRequest sreq;
  sreq.set_nhs_number(kNhs);
  sreq.set_direction(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  v1::ConsentStatus status;
  ASSERT_TRUE(stub_->GetConsentStatus(Ctx(Token("CA01")).get(), sreq, &status).ok());
  ASSERT_EQ(status.directions_size(), 1);
  EXPECT_EQ(status.directions(0).state(), v1::CONSENT_STATE_PERMITTED);

  v1::WithdrawConsentRequest w;
  w.set_nhs_number(kNhs);
  w.set_direction(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  w.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
  w.set_method(v1::RECORDING_METHOD_VERBAL);
  w.set_reason("changed my mind\nsee note\x1b[0m");
  v1::ConsentFact second;
  ASSERT_TRUE(stub_->WithdrawConsent(Ctx(Token("CA01")).get(), w, &second).ok());
  EXPECT_EQ(second.version(), 2u);
  EXPECT_EQ(second.previous_hash(), first.hash());
  EXPECT_EQ(second.decision(), v1::CONSENT_DECISION_WITHDRAWN);
  EXPECT_EQ(second.reason(), w.reason());  // stored as given

  status.Clear();
  ASSERT_TRUE(stub_->GetConsentStatus(Ctx(Token("R0001")).get(), sreq, &status).ok());
  EXPECT_EQ(status.version(), 2u);
  EXPECT_EQ(status.directions(0).state(), v1::CONSENT_STATE_NONE);

  v1::ListConsentHistoryRequest hreq;
  hreq.set_nhs_number(kNhs);
  v1::ListConsentHistoryResponse history;
  ASSERT_TRUE(stub_->ListConsentHistory(Ctx(Token("R0001")).get(), hreq, &history).ok());
  ASSERT_EQ(history.facts_size(), 2);
  EXPECT_EQ(history.facts(1).audit_index(), 1u);

  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action(), v1::AUDIT_ACTION_RECORD_CONSENT);
  EXPECT_EQ(entries[0].reason(), kReasonConsentRecorded);
  EXPECT_EQ(entries[0].consent_version(), 1u);
  EXPECT_EQ(entries[1].action(), v1::AUDIT_ACTION_WITHDRAW_CONSENT);
  EXPECT_EQ(entries[1].reason(), kReasonConsentWithdrawalRecorded);
  EXPECT_EQ(entries[1].actor().role(), "consent_administrator");

  // Nothing left to withdraw.
  grpc::Status again = stub_->WithdrawConsent(Ctx(Token("CA01")).get(), w, &second);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ConsentServiceTest, PropertyAndFinancialAttorneyIsRefused) {
  v1::RecordConsentRequest r = Permit();
  r.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_LPA_PROPERTY_AND_FINANCIAL);
  r.mutable_decided_by()->set_name("A Attorney");
  r.mutable_decided_by()->set_registration_reference("7000-0000-0001");
  v1::ConsentFact out;
  ExpectRefused(Record(r, Token("CA01"), &out), grpc::StatusCode::INVALID_ARGUMENT,
                common::kReasonInvalidConsent, "decided_by.kind");
}

TEST_F(ConsentServiceTest, BestInterestsDecisionWithoutDecisionMakerIsRefused) {
  v1::RecordConsentRequest r = Permit();
  r.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_BEST_INTERESTS);
  r.mutable_decided_by()->set_decision_date("2026-11-20");
  r.mutable_decided_by()->set_reason("lacks capacity for this decision");
  v1::ConsentFact out;
  ExpectRefused(Record(r, Token("CA01"), &out), grpc::StatusCode::INVALID_ARGUMENT,
                common::kReasonInvalidConsent, "decided_by.name");
}

TEST_F(ConsentServiceTest, EndBeforeStartAndBadNhsNumberAreRefused) {
  v1::RecordConsentRequest r = Permit();
  r.set_valid_from("2026-12-01");
  r.set_valid_until("2026-11-30");
  v1::ConsentFact out;
  ExpectRefused(Record(r, Token("R8000"), &out), grpc::StatusCode::INVALID_ARGUMENT,
                common::kReasonInvalidConsent, "valid_until");
  r = Permit();
  r.set_nhs_number("9434765918");
  ExpectRefused(Record(r, Token("R8000"), &out), grpc::StatusCode::INVALID_ARGUMENT,
                common::kReasonInvalidNhsNumber, "nhs_number");
  EXPECT_EQ(audit_.entries().back().nhs_number(), "");  // never the bad input
}

TEST_F(ConsentServiceTest, WrongRoleAndMissingTokenAreRefusedAndAudited) {
  v1::ConsentFact out;
  ExpectRefused(Record(Permit(), Token("R0001"), &out), grpc::StatusCode::PERMISSION_DENIED,
                common::kReasonRoleNotPermitted, "may not record");
  EXPECT_EQ(audit_.entries().back().actor().role(), "privacy_officer");
  ExpectRefused(Record(Permit(), "", &out), grpc::StatusCode::UNAUTHENTICATED,
                common::kReasonInvalidToken, "token");
}

TEST_F(ConsentServiceTest, NothingIsStoredWhenTheAuditCannotBeWritten) {
  audit_.set_failing(true);
  v1::ConsentFact out;
  grpc::Status s = Record(Permit(), Token("CA01"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoReason(s), common::kReasonAuditUnavailable);
  EXPECT_EQ(ledger_.LatestVersion(kNhs, absl::InfiniteFuture()).value(), 0u);
  audit_.set_failing(false);
  ASSERT_TRUE(Record(Permit(), Token("CA01"), &out).ok());
  EXPECT_EQ(out.version(), 1u);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Over mutual TLS: the client certificate's organisation must be the token's.
TEST_F(ConsentServiceTest, OrganisationMismatchBetweenCertificateAndTokenIsRejected) {
  auto pki = caregate::testing::MakeTestPki(dir_.path(), "B88002");
  ASSERT_TRUE(pki.ok()) << pki.status();
  grpc::SslServerCredentialsOptions sopts(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  sopts.pem_root_certs = ReadAll(pki->ca_cert);
  sopts.pem_key_cert_pairs.push_back({ReadAll(pki->server_key), ReadAll(pki->server_cert)});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(sopts), &port);
  builder.RegisterService(service_.get());
  auto server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  grpc::SslCredentialsOptions copts;
  copts.pem_root_certs = ReadAll(pki->ca_cert);
  copts.pem_private_key = ReadAll(pki->client_key);
  copts.pem_cert_chain = ReadAll(pki->client_cert);
  auto stub = v1::ConsentService::NewStub(
      grpc::CreateChannel(absl::StrCat("localhost:", port), grpc::SslCredentials(copts)));

  v1::ConsentFact out;
  grpc::Status s = stub->RecordConsent(Ctx(Token("CA01", "A99001")).get(), Permit(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(ErrorInfoReason(s), common::kReasonOrganisationMismatch);
  ASSERT_FALSE(audit_.entries().empty());
  v1::AuditEntry e = audit_.entries().back();
  EXPECT_EQ(e.outcome(), v1::AUDIT_OUTCOME_DENY);
  EXPECT_EQ(e.reason(), common::kReasonOrganisationMismatch);
  EXPECT_EQ(e.actor().organisation(), "B88002");
  EXPECT_EQ(ledger_.LatestVersion(kNhs, absl::InfiniteFuture()).value(), 0u);

  // The same organisation in token and certificate is accepted; the audit
  // names the client system by its certificate.
  s = stub->RecordConsent(Ctx(Token("CA01", "B88002")).get(), Permit(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(audit_.entries().back().actor().client_system(), HasSubstr("O=B88002"));
  server->Shutdown();
}

// The service over the SQL ledger on both engines: a change and its audit
// commit together; a failed audit leaves no row.
class ConsentServiceSqlTest : public ::testing::TestWithParam<bool /*postgres*/> {};

TEST_P(ConsentServiceSqlTest, RecordsAndWithdrawsOnTheSqlLedger) {
  caregate::testing::TempDir dir;
  caregate::config::v1::StoreConfig store;
  if (GetParam()) {
    auto pg = caregate::testing::PostgresServer::Shared();
    ASSERT_TRUE(pg.ok()) << pg.status();
    auto conninfo = (*pg)->CreateDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    store.mutable_postgres()->set_conninfo(*conninfo);
  } else {
    store.mutable_sqlite()->set_path("consent.db");
  }
  auto ledger = consent::ledger::SqlConsentLedger::Open(store, dir.path());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto key = *consent::auth::GenerateKey(JwsAlgorithm::kEdDsa);
  std::filesystem::create_directories(dir.path() + "/keys");
  std::ofstream(dir.path() + "/keys/idp.pem") << *consent::auth::PublicKeyToPem(key.get());
  caregate::config::v1::ConsentConfig config;
  auto* ti = config.add_trusted_issuers();
  ti->set_issuer("idp");
  ti->set_key_id("k1");
  ti->set_public_key_file("keys/idp.pem");
  auto* m = config.add_role_mappings();
  m->set_rbac_role("SW01");
  m->set_role("social_worker");
  auto auth = *consent::auth::JwtAuthenticator::Create(config, dir.path(), common::Clock::Real());
  consent::testing::FakeAuditLog audit;
  ConsentServiceImpl service(ledger->get(), auth.get(), &audit, common::Clock::Real());
  TokenClaims c;
  c.issuer = "idp";
  c.audience = "caregate";
  c.subject = "sw-1";
  c.name = "SW";
  c.organisation = "X99LA";
  c.rbac_role = "SW01";
  c.issued_at = absl::Now();
  ReceivedCredentials creds;
  creds.authorization = "Bearer " + *consent::auth::MintToken(key.get(), "k1", c);

  v1::RecordConsentRequest r;
  r.set_nhs_number(kNhs);
  r.set_direction(v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  r.set_decision(v1::CONSENT_DECISION_DISSENT);
  r.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_COURT_APPOINTED_DEPUTY);
  r.mutable_decided_by()->set_name("A Deputy");
  r.mutable_decided_by()->set_registration_reference("COP-123");
  r.set_method(v1::RECORDING_METHOD_WRITTEN);
  const absl::Time soon = absl::Now() + absl::Seconds(30);
  auto first = service.Record(creds, r, soon);
  ASSERT_TRUE(first.ok()) << first.status();
  audit.set_failing(true);
  v1::WithdrawConsentRequest w;
  w.set_nhs_number(kNhs);
  w.set_direction(v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  w.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
  w.set_method(v1::RECORDING_METHOD_VERBAL);
  EXPECT_EQ(service.Withdraw(creds, w, soon).status().code(), absl::StatusCode::kUnavailable);
  audit.set_failing(false);
  auto second = service.Withdraw(creds, w, soon);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->version(), 2u);
  EXPECT_EQ(second->previous_hash(), first->hash());
  v1::ListConsentHistoryRequest h;
  h.set_nhs_number(kNhs);
  auto history = service.History(creds, h, soon);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->facts_size(), 2);
  EXPECT_EQ(history->facts(0).decided_by().registration_reference(), "COP-123");
  EXPECT_EQ(audit.entries().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ConsentServiceSqlTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

// The embedded demo starts from an empty data_dir: the demo issuer's keys are
// made, the ledger opened, and a demo token verifies.
TEST(OpenConsentTest, EmbeddedDemoConfigurationStartsFromNothing) {
  caregate::testing::TempDir dir;
  auto config = ParseConfig(EmbeddedDemoConfigYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  auto parts = consent::OpenConsent(config->consent(), dir.path(), common::Clock::Real());
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/keys/demo-issuer.key.pem"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/keys/demo-issuer.pub.pem"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/consent.db"));
  consent::auth::TokenClaims c;
  c.subject = "dr-1";
  c.name = "Dr One";
  c.organisation = "A99001";
  c.rbac_role = "R8000";
  c.issued_at = absl::Now();
  auto token = consent::auth::MintDemoToken(config->consent(), dir.path(), c);
  ASSERT_TRUE(token.ok()) << token.status();
  auto principal = parts->authenticator->VerifyToken(*token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role, consent::Role::kGp);
  // While it is open, the ledger's SQLite file is this gateway's alone.
  auto second = consent::OpenConsent(config->consent(), dir.path(), common::Clock::Real());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  // Opening again after closing keeps the same keys (the token still
  // verifies).
  parts = absl::CancelledError("closed");
  auto again = consent::OpenConsent(config->consent(), dir.path(), common::Clock::Real());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->authenticator->VerifyToken(*token).ok());
}

// caregatectl against a real server on a loopback port, with the embedded
// demo configuration's issuer: token minting, then the consent subcommands.
TEST(CaregatectlTest, TokenAndConsentSubcommandsWorkAgainstTheDemoIssuer) {
  caregate::testing::TempDir dir;
  auto run = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), CAREGATECTL_BINARY);
    return caregate::testing::RunCommand(argv);
  };
  auto minted = run({"token", "--role", "consent_administrator", "--user", "ca-1", "--org", "X99LA",
                     "--teams", "T1,T2", "--data-dir", dir.path()});
  ASSERT_EQ(minted.exit_code, 0) << minted.output;
  std::string token = std::string(absl::StripAsciiWhitespace(minted.output));

  auto config = ParseConfig(EmbeddedDemoConfigYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  auto auth =
      consent::auth::JwtAuthenticator::Create(config->consent(), dir.path(), common::Clock::Real());
  ASSERT_TRUE(auth.ok()) << auth.status();
  auto principal = (*auth)->VerifyToken(token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role, consent::Role::kConsentAdministrator);
  EXPECT_EQ(principal->rbac_role, "CA01");
  EXPECT_EQ(principal->organisation, "X99LA");
  EXPECT_THAT(principal->teams, ::testing::ElementsAre("T1", "T2"));

  consent::ledger::MemoryConsentLedger ledger;
  consent::testing::FakeAuditLog audit;
  ConsentServiceImpl service(&ledger, auth->get(), &audit, common::Clock::Real());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  const std::string address = absl::StrCat("127.0.0.1:", port);

  auto recorded = run({"--address",
                       address,
                       "--token",
                       token,
                       "consent",
                       "record",
                       "--nhs-number",
                       kNhs,
                       "--direction",
                       "gp-to-social-care",
                       "--decision",
                       "permit",
                       "--decided-by",
                       "best-interests",
                       "--decision-maker-name",
                       "Dr Decider",
                       "--decision-date",
                       "2026-11-20",
                       "--decision-reason",
                       "lacks capacity\nfor this; \x1b[31m",
                       "--method",
                       "written"});
  EXPECT_EQ(recorded.exit_code, 0) << recorded.output;
  EXPECT_THAT(recorded.output, HasSubstr("version: 1"));
  auto refused = run({"--address",
                      address,
                      "--token",
                      token,
                      "consent",
                      "record",
                      "--nhs-number",
                      kNhs,
                      "--direction",
                      "gp-to-social-care",
                      "--decision",
                      "permit",
                      "--decided-by",
                      "lpa-property-and-financial",
                      "--decision-maker-name",
                      "A",
                      "--registration-reference",
                      "R",
                      "--method",
                      "written"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("INVALID_CONSENT"));
  EXPECT_THAT(refused.output, HasSubstr("decided_by.kind"));
  auto status = run({"--address", address, "--token", token, "--json", "consent", "status",
                     "--nhs-number", kNhs, "--direction", "gp-to-social-care"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("CONSENT_STATE_PERMITTED"));
  auto history =
      run({"--address", address, "--token", token, "consent", "history", "--nhs-number", kNhs});
  EXPECT_EQ(history.exit_code, 0) << history.output;
  EXPECT_THAT(history.output, HasSubstr("Dr Decider"));
  server->Shutdown();
  ASSERT_EQ(audit.entries().size(), 2u);
  EXPECT_EQ(audit.entries()[1].reason(), common::kReasonInvalidConsent);
}

}  // namespace
}  // namespace caregate::gateway
