// The consent module's named tests (issue 6): authentication, roles,
// relationship, consent, emergency access, decide twice, sensitive data. Each
// test runs the gateway's sequence (authenticate → pre-check → decide →
// audit) against a fake audit log and asserts the decision is in it with its
// reason.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "consent/auth/jwt.h"
#include "consent/auth/jwt_authenticator.h"
#include "consent/ledger/consent_ledger.h"
#include "consent/policy/consent_module.h"
#include "consent/sensitive/sensitive_filter.h"
#include "consent/testing/fake_audit_log.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::consent {
namespace {

namespace v1 = caregate::v1;
namespace cfg = caregate::config::v1;
using auth::JwsAlgorithm;
using auth::TokenClaims;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kNhs[] = "9434765919";
constexpr char kPractice[] = "A99001";
constexpr char kCouncil[] = "X99LA";

void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << data;
}

class ConsentTest : public ::testing::Test {
 protected:
  // Key generation (RSA especially) is slow: once per suite.
  static void SetUpTestSuite() {
    es_key_ = *auth::GenerateKey(JwsAlgorithm::kEs256);
    rs_key_ = *auth::GenerateKey(JwsAlgorithm::kRs256);
    ed_key_ = *auth::GenerateKey(JwsAlgorithm::kEdDsa);
  }
  static void TearDownTestSuite() {
    es_key_.reset();
    rs_key_.reset();
    ed_key_.reset();
  }
  void SetUp() override {
    clock_ = std::make_unique<common::FakeClock>(
        absl::FromCivil(absl::CivilSecond(2026, 11, 22, 12, 0, 0), absl::UTCTimeZone()));
    WriteFile(dir_.path() + "/keys/es.pem", *auth::PublicKeyToPem(es_key_.get()));
    WriteFile(dir_.path() + "/keys/rs.pem", *auth::PublicKeyToPem(rs_key_.get()));
    WriteFile(dir_.path() + "/keys/ed.pem", *auth::PublicKeyToPem(ed_key_.get()));
    const char* yaml_like[][3] = {{"idp", "es-1", "keys/es.pem"},
                                  {"idp", "rs-1", "keys/rs.pem"},
                                  {"council-idp", "ed-1", "keys/ed.pem"}};
    for (auto& t : yaml_like) {
      auto* ti = config_.add_trusted_issuers();
      ti->set_issuer(t[0]);
      ti->set_key_id(t[1]);
      ti->set_public_key_file(t[2]);
    }
    config_.set_audience("caregate");
    config_.mutable_clock_skew()->set_seconds(30);
    config_.mutable_max_token_lifetime()->set_seconds(3600);
    for (auto [code, role] : {std::pair<const char*, const char*>{"R8000", "gp"},
                              {"SW01", "social_worker"},
                              {"INT01", "int_member"},
                              {"R8001", "int_member"},
                              {"R0001", "privacy_officer"},
                              {"CA01", "consent_administrator"}}) {
      auto* m = config_.add_role_mappings();
      m->set_rbac_role(code);
      m->set_role(role);
    }
    auto* n = config_.add_neighbourhoods();
    n->set_organisation("INT-NORTH");
    n->add_practice_codes(kPractice);
    config_.set_emergency_limit(2);
    config_.mutable_emergency_window()->set_seconds(24 * 3600);
    Rebuild();
  }

  void Rebuild() {
    auto a = auth::JwtAuthenticator::Create(config_, dir_.path(), clock_.get());
    ASSERT_TRUE(a.ok()) << a.status();
    auth_ = std::move(*a);
    auto m = ConsentModule::Create(config_, &ledger_, clock_.get());
    ASSERT_TRUE(m.ok()) << m.status();
    module_ = std::move(*m);
  }

  TokenClaims Claims(const std::string& rbac, const std::string& org,
                     const std::string& user = "user-1") {
    TokenClaims c;
    c.issuer = "idp";
    c.audience = "caregate";
    c.subject = user;
    c.name = "Dr Test";
    c.organisation = org;
    c.rbac_role = rbac;
    c.teams = {"T1"};
    c.issued_at = clock_->Now();
    c.lifetime = absl::Minutes(10);
    return c;
  }
  std::string Token(const TokenClaims& c, EVP_PKEY* key = nullptr,
                    const std::string& kid = "es-1") {
    return *auth::MintToken(key != nullptr ? key : es_key_.get(), kid, c);
  }
  std::string GpToken() { return Token(Claims("R8000", kPractice)); }
  std::string SocialWorkerToken() { return Token(Claims("SW01", kCouncil)); }

  static RelationshipEvidence GpRegistered(const std::string& practice = kPractice) {
    RelationshipEvidence e;
    e.gp_registered_practice = practice;
    return e;
  }
  static RelationshipEvidence CouncilCase(bool open, const std::string& council = kCouncil) {
    RelationshipEvidence e;
    adapters::CouncilRelationship c;
    c.known = true;
    c.open_case = open;
    c.council_code = council;
    c.allocated_teams = {"T1"};
    c.gp_practice_code = kPractice;
    e.council = c;
    return e;
  }

  void Record(v1::SharingDirection dir, v1::ConsentDecision decision, const std::string& from = "",
              const std::string& until = "") {
    v1::ConsentFact f;
    f.set_nhs_number(kNhs);
    f.set_direction(dir);
    f.set_decision(decision);
    f.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
    f.set_method(v1::RECORDING_METHOD_WRITTEN);
    f.set_valid_from(from);
    f.set_valid_until(until);
    ASSERT_TRUE(ledger::ValidateFact(f).ok()) << ledger::ValidateFact(f);
    auto r = ledger_.Append(
        f, [](const v1::ConsentFact&) { return uint64_t{0}; }, absl::InfiniteFuture());
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // The gateway's sequence for one request; the decision (or the refusal) is
  // always audited.
  absl::Status Access(const std::string& token, View view, const RelationshipEvidence& evidence,
                      std::optional<v1::EmergencyAccess> emergency = std::nullopt,
                      const std::string& cert_org = "") {
    const std::string header = absl::StrCat("Bearer ", token);
    const std::string subject = cert_org.empty() ? "" : "CN=system," + cert_org;
    CallCredentials call{header, cert_org, subject};
    auto principal = auth_->Authenticate(call);
    if (!principal.ok()) {
      EXPECT_TRUE(
          audit_
              .Append(BuildAuthFailureAuditEntry(principal.status(), call, ActionForView(view),
                                                 kNhs, clock_->Now(), "req"),
                      absl::InfiniteFuture())
              .ok());
      return principal.status();
    }
    DecisionRequest req{*principal, view, kNhs, v1::PURPOSE_OF_USE_DIRECT_CARE, emergency, "req"};
    if (auto deny = module_->PreCheck(req); deny.has_value()) {
      last_ = *deny;
      EXPECT_TRUE(audit_.Append(BuildAuditEntry(*deny), absl::InfiniteFuture()).ok());
      return deny->ToStatus();
    }
    auto d = module_->Decide(req, evidence, absl::InfiniteFuture());
    if (!d.ok()) return d.status();
    last_ = *d;
    EXPECT_TRUE(audit_.Append(BuildAuditEntry(*d), absl::InfiniteFuture()).ok());
    return d->ToStatus();
  }

  // The last audit entry, checked to carry `outcome` and `reason`.
  v1::AuditEntry ExpectAudited(v1::AuditOutcome outcome, absl::string_view reason) {
    auto entries = audit_.entries();
    EXPECT_FALSE(entries.empty());
    if (entries.empty()) return {};
    const v1::AuditEntry& e = entries.back();
    EXPECT_EQ(e.outcome(), outcome);
    EXPECT_EQ(e.reason(), reason);
    EXPECT_EQ(e.nhs_number(), kNhs);
    return e;
  }

  static void ExpectReason(const absl::Status& s, absl::StatusCode code, absl::string_view reason) {
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(common::ErrorReason(s), reason) << s;
  }

  caregate::testing::TempDir dir_;
  std::unique_ptr<common::FakeClock> clock_;
  static inline auth::Pkey es_key_, rs_key_, ed_key_;
  cfg::ConsentConfig config_;
  std::unique_ptr<auth::JwtAuthenticator> auth_;
  ledger::MemoryConsentLedger ledger_;
  std::unique_ptr<ConsentModule> module_;
  testing::FakeAuditLog audit_;
  Decision last_;
};

// ---------------------------------------------------------------- tokens

TEST_F(ConsentTest, AlgNoneTokenIsRejected) {
  std::string header = auth::Base64UrlEncode(R"({"alg":"none","typ":"JWT","kid":"es-1"})");
  std::string payload = auth::Base64UrlEncode(auth::ClaimsToJson(Claims("R8000", kPractice)));
  absl::Status s = Access(header + "." + payload + ".", View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("alg none"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
}

TEST_F(ConsentTest, TokenSignedByUnknownKeyIsRejected) {
  auto stranger = *auth::GenerateKey(JwsAlgorithm::kEs256);
  // Same kid as a trusted key, different key: the signature fails.
  absl::Status s = Access(Token(Claims("R8000", kPractice), stranger.get(), "es-1"),
                          View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("bad signature"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
  // A kid nobody trusts.
  s = Access(Token(Claims("R8000", kPractice), stranger.get(), "stranger-1"),
             View::kSocialCareSummary, GpRegistered());
  EXPECT_THAT(s.message(), HasSubstr("unknown kid"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
  EXPECT_EQ(audit_.entries().size(), 2u);
}

TEST_F(ConsentTest, ExpiredTokenIsRejected) {
  std::string token = GpToken();
  clock_->Advance(absl::Minutes(11));
  absl::Status s = Access(token, View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("expired"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
}

// A verified token is remembered until it expires; every call still checks
// the time rules and the certificate binding.
TEST_F(ConsentTest, RememberedTokenIsStillCheckedOnEveryCall) {
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  const std::string token = GpToken();
  EXPECT_TRUE(
      Access(token, View::kSocialCareSummary, GpRegistered(), std::nullopt, kPractice).ok());
  // The same bytes through another organisation's certificate.
  absl::Status s =
      Access(token, View::kSocialCareSummary, GpRegistered(), std::nullopt, "B88002");
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonOrganisationMismatch);
  // A changed signature is not the remembered token.
  std::string changed = token;
  char& c = changed[changed.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  s = Access(changed, View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("bad signature"));
  // Accepted again within its lifetime, refused once it has expired.
  EXPECT_TRUE(Access(token, View::kSocialCareSummary, GpRegistered()).ok());
  clock_->Advance(absl::Minutes(11));
  s = Access(token, View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("expired"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
}

TEST_F(ConsentTest, TokenFromAnotherAudienceIsRejected) {
  TokenClaims c = Claims("R8000", kPractice);
  c.audience = "another-service";
  absl::Status s = Access(Token(c), View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("wrong audience"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidToken);
}

TEST_F(ConsentTest, OrganisationMismatchBetweenCertificateAndTokenIsRejected) {
  absl::Status s = Access(GpToken(), View::kSocialCareSummary, GpRegistered(), std::nullopt,
                          /*cert_org=*/"B88002");
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonOrganisationMismatch);
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonOrganisationMismatch);
  EXPECT_EQ(e.actor().organisation(), "B88002");
  // The same token through the practice's own certificate is fine.
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(
      Access(GpToken(), View::kSocialCareSummary, GpRegistered(), std::nullopt, kPractice).ok());
  e = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
  EXPECT_EQ(e.actor().client_system(), std::string("CN=system,") + kPractice);
}

TEST_F(ConsentTest, EveryAlgorithmVerifiesAndOtherTokenFaultsAreRejected) {
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, GpRegistered()).ok());
  EXPECT_TRUE(Access(Token(Claims("R8000", kPractice), rs_key_.get(), "rs-1"),
                     View::kSocialCareSummary, GpRegistered())
                  .ok());
  TokenClaims council = Claims("R8000", kPractice);
  council.issuer = "council-idp";
  EXPECT_TRUE(
      Access(Token(council, ed_key_.get(), "ed-1"), View::kSocialCareSummary, GpRegistered()).ok());
  struct Case {
    std::function<void(TokenClaims*)> tweak;
    const char* rule;
  } cases[] = {
      {[&](TokenClaims* c) { c->not_before = clock_->Now() + absl::Minutes(5); }, "not yet valid"},
      {[&](TokenClaims* c) { c->lifetime = absl::Hours(2); }, "lifetime exceeds"},
      {[&](TokenClaims* c) { c->issued_at = clock_->Now() + absl::Minutes(5); }, "future"},
      {[&](TokenClaims* c) { c->organisation = ""; }, "claim org is empty"},
      {[&](TokenClaims* c) { c->issuer = "council-idp"; }, "iss does not match"},
      {[&](TokenClaims* c) { c->subject = "UNK"; }, "sub must identify a user"},
      {[&](TokenClaims* c) { c->token_id = std::string(257, 'j'); }, "jti is longer than 256"},
  };
  for (const auto& c : cases) {
    TokenClaims claims = Claims("R8000", kPractice);
    c.tweak(&claims);
    absl::Status s = Access(Token(claims), View::kSocialCareSummary, GpRegistered());
    ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
    EXPECT_THAT(s.message(), HasSubstr(c.rule));
  }
  // A token whose header claims RS256 for the ES256 key (algorithm confusion).
  std::string t = GpToken();
  std::string header = auth::Base64UrlEncode(R"({"alg":"RS256","typ":"JWT","kid":"es-1"})");
  absl::Status s = Access(header + t.substr(t.find('.')), View::kSocialCareSummary, GpRegistered());
  EXPECT_THAT(s.message(), HasSubstr("alg does not match"));
  // Tampered payload.
  TokenClaims other = Claims("R8000", "B88002");
  std::string forged = t.substr(0, t.find('.') + 1) +
                       auth::Base64UrlEncode(auth::ClaimsToJson(other)) + t.substr(t.rfind('.'));
  s = Access(forged, View::kSocialCareSummary, GpRegistered());
  EXPECT_THAT(s.message(), HasSubstr("bad signature"));
  // A jti that is not a string.
  std::string claims = auth::ClaimsToJson(Claims("R8000", kPractice));
  claims.insert(claims.size() - 1, ",\"jti\":42");
  s = Access(*auth::MintJws(es_key_.get(), "es-1", claims), View::kSocialCareSummary,
             GpRegistered());
  ExpectReason(s, absl::StatusCode::kUnauthenticated, common::kReasonInvalidToken);
  EXPECT_THAT(s.message(), HasSubstr("claim jti must be a string"));
  // An unmapped national role.
  s = Access(Token(Claims("R9999", kPractice)), View::kSocialCareSummary, GpRegistered());
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonRoleNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonRoleNotPermitted);
}

TEST(Base64UrlTest, IsStrict) {
  EXPECT_EQ(*auth::Base64UrlDecode("aGVsbG8"), "hello");
  EXPECT_EQ(auth::Base64UrlEncode("hello"), "aGVsbG8");
  EXPECT_FALSE(auth::Base64UrlDecode("aGVsbG8=").ok());
  EXPECT_FALSE(auth::Base64UrlDecode("aGVs bG8").ok());
  EXPECT_FALSE(auth::Base64UrlDecode("a+/b").ok());
  EXPECT_FALSE(auth::Base64UrlDecode("aGVsbG9").ok());  // non-zero trailing bits
  EXPECT_FALSE(auth::Base64UrlDecode("a").ok());
}

// ---------------------------------------------------------------- roles

TEST_F(ConsentTest, RoleAskingForViewItMayNotHaveIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  // A GP asking for the GP summary (that is the social worker's view).
  absl::Status s = Access(GpToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonRoleNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonRoleNotPermitted);
  // A consent administrator gets no data by being one.
  s = Access(Token(Claims("CA01", kCouncil)), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonRoleNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonRoleNotPermitted);
  // Emergency access never bypasses the role rule.
  v1::EmergencyAccess e;
  e.set_reason(v1::EMERGENCY_REASON_EMERGENCY_TREATMENT);
  e.set_justification("unconscious in A&E");
  s = Access(GpToken(), View::kCombinedProfile, {}, e);
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonRoleNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonRoleNotPermitted);
}

TEST_F(ConsentTest, RoleCheckNeedsNoSourceEvidence) {
  auto principal = auth_->VerifyToken(GpToken());
  ASSERT_TRUE(principal.ok());
  DecisionRequest req{
      *principal, View::kGpSummary, kNhs, v1::PURPOSE_OF_USE_DIRECT_CARE, std::nullopt, "r"};
  auto deny = module_->PreCheck(req);
  ASSERT_TRUE(deny.has_value());
  EXPECT_EQ(deny->reason, common::kReasonRoleNotPermitted);
  EvidenceNeeds needs = module_->NeededEvidence(req);
  EXPECT_FALSE(needs.gp_registration || needs.council_relationship);
  req.view = View::kSocialCareSummary;
  EXPECT_FALSE(module_->PreCheck(req).has_value());
  EXPECT_TRUE(module_->NeededEvidence(req).gp_registration);
}

// ---------------------------------------------------------------- relationship

TEST_F(ConsentTest, NoRelationshipIsDenied) {
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  // The GP source says the person is registered at another practice.
  absl::Status s = Access(GpToken(), View::kSocialCareSummary, GpRegistered("B88002"));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoRelationship);
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoRelationship);
  EXPECT_THAT(e.relationship_evidence(), ElementsAre("gp_registration_elsewhere"));
  // An INT member whose neighbourhood does not cover the practice.
  Record(v1::SHARING_DIRECTION_INTEGRATED_TEAM, v1::CONSENT_DECISION_PERMIT);
  s = Access(Token(Claims("INT01", "INT-NORTH")), View::kCombinedProfile, GpRegistered("B88002"));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoRelationship);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoRelationship);
  // ...and one whose neighbourhood does.
  EXPECT_TRUE(
      Access(Token(Claims("INT01", "INT-NORTH")), View::kCombinedProfile, GpRegistered()).ok());
  e = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
  EXPECT_THAT(e.relationship_evidence(), ElementsAre("int_neighbourhood:INT-NORTH"));
}

TEST_F(ConsentTest, GpRelationshipFallsBackToTheCouncilsRecordedPractice) {
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, CouncilCase(true)).ok());
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
  EXPECT_THAT(e.relationship_evidence(), ElementsAre("council_recorded_practice"));
  EXPECT_EQ(e.consent_version(), 1u);
  EXPECT_EQ(e.policy_version(), module_->policy_version());
}

TEST_F(ConsentTest, ClosedCaseIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(/*open=*/false));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoRelationship);
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoRelationship);
  EXPECT_THAT(e.relationship_evidence(), ElementsAre("council_case_closed"));
  // Another council's open case is no relationship either.
  s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true, "Y11LA"));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoRelationship);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoRelationship);
  // An open case with the worker's council is.
  EXPECT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
}

TEST_F(ConsentTest, TeamAllocationIsRequiredWhenConfigured) {
  config_.set_require_team_allocation(true);
  Rebuild();
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  EXPECT_THAT(ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit).relationship_evidence(),
              ElementsAre("open_case:team=T1"));
  TokenClaims other = Claims("SW01", kCouncil);
  other.teams = {"T9"};
  ExpectReason(Access(Token(other), View::kGpSummary, CouncilCase(true)),
               absl::StatusCode::kPermissionDenied, common::kReasonNoRelationship);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoRelationship);
}

// ---------------------------------------------------------------- consent

TEST_F(ConsentTest, NoConsentIsDenied) {
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoConsent);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoConsent);
  // Consent in the other direction is not consent for this one.
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonNoConsent);
  EXPECT_EQ(ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonNoConsent).consent_version(), 1u);
}

TEST_F(ConsentTest, DissentAfterConsentIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_DISSENT);
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonPatientDissent);
  EXPECT_EQ(ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonPatientDissent).consent_version(),
            2u);
  // A dissent in any direction stops the combined profile, even with an INT
  // permit recorded later.
  Record(v1::SHARING_DIRECTION_INTEGRATED_TEAM, v1::CONSENT_DECISION_PERMIT);
  s = Access(Token(Claims("INT01", "INT-NORTH")), View::kCombinedProfile, GpRegistered());
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonPatientDissent);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonPatientDissent);
}

TEST_F(ConsentTest, ConsentWithdrawnBetweenStartAndReleaseIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  ASSERT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  Decision started = last_;
  ASSERT_TRUE(started.permit);
  // While the sources answer, the person withdraws.
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_WITHDRAWN);
  auto again = module_->Recheck(started, absl::InfiniteFuture());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(audit_.Append(BuildAuditEntry(*again), absl::InfiniteFuture()).ok());
  EXPECT_FALSE(again->permit);
  EXPECT_EQ(again->consent_version, 1u);
  EXPECT_EQ(again->recheck_consent_version, 2u);
  ExpectReason(again->ToStatus(), absl::StatusCode::kPermissionDenied,
               common::kReasonConsentWithdrawn);
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonConsentWithdrawn);
  EXPECT_EQ(e.consent_version(), 2u);
  // An unchanged consent passes the re-check.
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT);
  ASSERT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  auto same = module_->Recheck(last_, absl::InfiniteFuture());
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->permit);
}

TEST_F(ConsentTest, ConsentExpiredIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT, "2026-01-01",
         "2026-11-21");
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonConsentExpired);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonConsentExpired);
}

TEST_F(ConsentTest, ConsentThatLapsesBeforeReleaseIsDeniedAtTheRecheck) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT, "", "2026-11-22");
  ASSERT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  // The ledger does not change, but the consent's last day passes.
  clock_->Advance(absl::Hours(24));
  auto again = module_->Recheck(last_, absl::InfiniteFuture());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->permit);
  EXPECT_EQ(again->recheck_consent_version, again->consent_version);
  ExpectReason(again->ToStatus(), absl::StatusCode::kPermissionDenied,
               common::kReasonConsentExpired);
}

TEST_F(ConsentTest, ConsentEndsAtMidnightInEnglandNotUtc) {
  // 22 Jun 2026 23:30 UTC is already 23 Jun in BST.
  clock_->Set(absl::FromCivil(absl::CivilSecond(2026, 6, 22, 23, 30, 0), absl::UTCTimeZone()));
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT, "", "2026-06-22");
  ExpectReason(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)),
               absl::StatusCode::kPermissionDenied, common::kReasonConsentExpired);
}

TEST_F(ConsentTest, ConsentWithFutureStartIsDenied) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_PERMIT, "2026-11-23");
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonConsentNotYetValid);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonConsentNotYetValid);
  clock_->Advance(absl::Hours(24));
  EXPECT_TRUE(Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true)).ok());
  ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonConsentPermit);
}

TEST_F(ConsentTest, TamperedLedgerIsDetected) {
  Record(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE, v1::CONSENT_DECISION_DISSENT);
  ledger_.MutableFactForTest(kNhs, 0)->set_decision(v1::CONSENT_DECISION_PERMIT);
  absl::Status s = Access(SocialWorkerToken(), View::kGpSummary, CouncilCase(true));
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(common::ErrorReason(s), common::kReasonConsentLedgerCorrupt);
}

// ---------------------------------------------------------------- emergency

v1::EmergencyAccess Emergency(v1::EmergencyReason reason, const std::string& text) {
  v1::EmergencyAccess e;
  e.set_reason(reason);
  e.set_justification(text);
  return e;
}

TEST_F(ConsentTest, EmergencyAccessWithoutReasonIsDenied) {
  absl::Status s = Access(GpToken(), View::kSocialCareSummary, {},
                          Emergency(v1::EMERGENCY_REASON_UNSPECIFIED, "collapsed at home"));
  ExpectReason(s, absl::StatusCode::kInvalidArgument, common::kReasonInvalidEmergencyAccess);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidEmergencyAccess);
  // A reason without a written justification is refused too.
  s = Access(GpToken(), View::kSocialCareSummary, {},
             Emergency(v1::EMERGENCY_REASON_EMERGENCY_TREATMENT, "  \n "));
  ExpectReason(s, absl::StatusCode::kInvalidArgument, common::kReasonInvalidEmergencyAccess);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidEmergencyAccess);
}

TEST_F(ConsentTest, EmergencyAccessWithUnknownReasonIsDenied) {
  absl::Status s = Access(GpToken(), View::kSocialCareSummary, {},
                          Emergency(static_cast<v1::EmergencyReason>(42), "collapsed at home"));
  ExpectReason(s, absl::StatusCode::kInvalidArgument, common::kReasonInvalidEmergencyAccess);
  EXPECT_THAT(s.message(), HasSubstr("unknown reason"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidEmergencyAccess);
}

TEST_F(ConsentTest, EmergencyAccessByNonClinicalRoleIsDenied) {
  absl::Status s =
      Access(SocialWorkerToken(), View::kGpSummary, {},
             Emergency(v1::EMERGENCY_REASON_THIRD_PARTY_SAFETY, "child at risk in the home"));
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonEmergencyNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonEmergencyNotPermitted);
}

TEST_F(ConsentTest, EmergencyAccessByClinicalRoleIsPermittedAndRecordedForReview) {
  // No relationship and no consent: the emergency bypasses both.
  v1::EmergencyAccess e =
      Emergency(v1::EMERGENCY_REASON_EMERGENCY_TREATMENT, "unconscious, carer unreachable");
  ASSERT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
  EXPECT_EQ(last_.basis, v1::DISCLOSURE_BASIS_EMERGENCY_ACCESS);
  v1::AuditEntry entry = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonEmergencyAccess);
  EXPECT_EQ(entry.emergency_access().reason(), v1::EMERGENCY_REASON_EMERGENCY_TREATMENT);
  EXPECT_EQ(entry.emergency_access().justification(), e.justification());
  EXPECT_EQ(entry.actor().user_id(), "user-1");
  // An INT nurse (clinical RBAC code) may use it too; an INT member with a
  // non-clinical code may not.
  Record(v1::SHARING_DIRECTION_INTEGRATED_TEAM, v1::CONSENT_DECISION_DISSENT);
  EXPECT_TRUE(
      Access(Token(Claims("R8001", "INT-NORTH", "nurse-1")), View::kCombinedProfile, {}, e).ok());
  // The person had dissented: the override says so for the reviewer.
  ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonEmergencyAccessOverDissent);
  ExpectReason(Access(Token(Claims("INT01", "INT-NORTH")), View::kCombinedProfile, {}, e),
               absl::StatusCode::kPermissionDenied, common::kReasonEmergencyNotPermitted);
  // Identity assurance below level 3 may not break the glass.
  TokenClaims low = Claims("R8000", kPractice, "dr-low");
  low.assurance_level = "2";
  ExpectReason(Access(Token(low), View::kSocialCareSummary, {}, e),
               absl::StatusCode::kPermissionDenied, common::kReasonEmergencyNotPermitted);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonEmergencyNotPermitted);
  // Rate-limited per user: the limit is 2 in 24h.
  ASSERT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
  absl::Status s = Access(GpToken(), View::kSocialCareSummary, {}, e);
  ExpectReason(s, absl::StatusCode::kResourceExhausted, common::kReasonEmergencyRateLimited);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonEmergencyRateLimited);
  clock_->Advance(absl::Hours(24));
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
}

// A token breaks the glass once: a replayed break-glass token is refused (the
// reference's adversarial case 7), and a token without a jti cannot break it.
TEST_F(ConsentTest, EmergencyAccessUsesUpItsToken) {
  const v1::EmergencyAccess e =
      Emergency(v1::EMERGENCY_REASON_EMERGENCY_TREATMENT, "unconscious, carer unreachable");
  const std::string token = GpToken();
  ASSERT_TRUE(Access(token, View::kSocialCareSummary, {}, e).ok());
  const v1::AuditEntry permit = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonEmergencyAccess);
  EXPECT_EQ(permit.actor().token_id().size(), 32u);  // MintToken's random jti, in hex
  absl::Status s = Access(token, View::kSocialCareSummary, {}, e);
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonEmergencyTokenUsed);
  // The refused replay names the token it replayed.
  EXPECT_EQ(ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonEmergencyTokenUsed)
                .actor()
                .token_id(),
            permit.actor().token_id());
  // The token still serves ordinary requests, under the ordinary rules.
  Record(v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP, v1::CONSENT_DECISION_PERMIT);
  EXPECT_TRUE(Access(token, View::kSocialCareSummary, GpRegistered()).ok());
  // A new token breaks the glass again: the refused replay did not count
  // against the user's limit of 2.
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
  ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonEmergencyAccess);
  // A token without a jti is accepted for ordinary requests, never for an
  // emergency one.
  const std::string no_jti = *auth::MintJws(
      es_key_.get(), "es-1", auth::ClaimsToJson(Claims("R8000", kPractice, "dr-2")));
  EXPECT_TRUE(Access(no_jti, View::kSocialCareSummary, GpRegistered()).ok());
  s = Access(no_jti, View::kSocialCareSummary, {}, e);
  ExpectReason(s, absl::StatusCode::kPermissionDenied, common::kReasonEmergencyNotPermitted);
  EXPECT_THAT(s.message(), HasSubstr("jti"));
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonEmergencyNotPermitted);
  // Past its exp but within the 30 s of clock skew the token is still
  // accepted, and still used up.
  clock_->Advance(absl::Minutes(10) + absl::Seconds(15));
  ExpectReason(Access(token, View::kSocialCareSummary, {}, e), absl::StatusCode::kPermissionDenied,
               common::kReasonEmergencyTokenUsed);
}

// A restart (a new module) given the audit log's emergency accesses, as the
// gateway gives them at start (gateway/server.cc), keeps the used tokens
// used and the user's allowance taken.
TEST_F(ConsentTest, EmergencyAccessesCountAfterARestart) {
  const v1::EmergencyAccess e =
      Emergency(v1::EMERGENCY_REASON_EMERGENCY_TREATMENT, "unconscious, carer unreachable");
  const std::string used = GpToken();
  ASSERT_TRUE(Access(used, View::kSocialCareSummary, {}, e).ok());
  clock_->Advance(absl::Minutes(1));
  auto restart = [&] {
    Rebuild();
    // The limit's window (24 h) is longer than a token can live (1 h and
    // twice the 30 s skew).
    EXPECT_EQ(module_->emergency_memory(), absl::Hours(24));
    // The whole log: the module takes only the permitted emergency accesses
    // of the last emergency_memory().
    module_->RememberEmergencyAccesses(audit_.entries());
  };
  restart();
  ExpectReason(Access(used, View::kSocialCareSummary, {}, e), absl::StatusCode::kPermissionDenied,
               common::kReasonEmergencyTokenUsed);
  // One of the user's two goes is taken: one more, then the limit.
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
  restart();
  ExpectReason(Access(GpToken(), View::kSocialCareSummary, {}, e),
               absl::StatusCode::kResourceExhausted, common::kReasonEmergencyRateLimited);
  // Another user is not affected.
  EXPECT_TRUE(Access(Token(Claims("R8000", kPractice, "user-2")), View::kSocialCareSummary, {}, e)
                  .ok());
  // A day later the window has passed, across a restart too.
  clock_->Advance(absl::Hours(24));
  restart();
  EXPECT_TRUE(Access(GpToken(), View::kSocialCareSummary, {}, e).ok());
}

TEST_F(ConsentTest, FreeTextJustificationWithControlCharactersIsStoredAndShownSafely) {
  const std::string text =
      "line one\nline two\r\n\"}{\"outcome\":\"DENY\"\x1b[31m red \x07\t<script>";
  ASSERT_TRUE(Access(GpToken(), View::kSocialCareSummary, {},
                     Emergency(v1::EMERGENCY_REASON_PROFESSIONAL_JUDGEMENT, text))
                  .ok());
  v1::AuditEntry e = ExpectAudited(v1::AUDIT_OUTCOME_PERMIT, kReasonEmergencyAccess);
  // Stored exactly as given.
  EXPECT_EQ(e.emergency_access().justification(), text);
  // Shown escaped: the JSON and text forms caregatectl prints hold no raw
  // control character, and the JSON still parses back to the same text.
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(e, &json).ok());
  for (unsigned char c : json) EXPECT_GE(c, 0x20) << "raw control character in JSON";
  v1::AuditEntry back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.emergency_access().justification(), text);
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  printer.SetSingleLineMode(true);
  std::string txt;
  printer.PrintToString(e, &txt);
  for (unsigned char c : txt) EXPECT_GE(c, 0x20) << "raw control character in text";
  // Over 2000 characters is refused (and audited).
  ExpectReason(
      Access(GpToken(), View::kSocialCareSummary, {},
             Emergency(v1::EMERGENCY_REASON_PROFESSIONAL_JUDGEMENT, std::string(2001, 'x'))),
      absl::StatusCode::kInvalidArgument, common::kReasonInvalidEmergencyAccess);
  ExpectAudited(v1::AUDIT_OUTCOME_DENY, common::kReasonInvalidEmergencyAccess);
}

// ---------------------------------------------------------------- on behalf

v1::ConsentFact Fact(v1::DecisionMakerKind kind) {
  v1::ConsentFact f;
  f.set_nhs_number(kNhs);
  f.set_direction(v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  f.set_decision(v1::CONSENT_DECISION_PERMIT);
  f.mutable_decided_by()->set_kind(kind);
  f.set_method(v1::RECORDING_METHOD_WRITTEN);
  return f;
}

TEST(ConsentFactTest, PropertyAndFinancialAttorneyIsRefused) {
  v1::ConsentFact f = Fact(v1::DECISION_MAKER_KIND_LPA_PROPERTY_AND_FINANCIAL);
  f.mutable_decided_by()->set_name("A Attorney");
  f.mutable_decided_by()->set_registration_reference("7000-1234-5678");
  absl::Status s = ledger::ValidateFact(f);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("decided_by.kind"));
  EXPECT_THAT(s.message(), HasSubstr("property and financial"));
  // A health and welfare attorney with a registration reference is accepted.
  f.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_LPA_HEALTH_AND_WELFARE);
  EXPECT_TRUE(ledger::ValidateFact(f).ok());
  f.mutable_decided_by()->clear_registration_reference();
  EXPECT_THAT(ledger::ValidateFact(f).message(), HasSubstr("decided_by.registration_reference"));
}

TEST(ConsentFactTest, BestInterestsDecisionWithoutDecisionMakerIsRefused) {
  v1::ConsentFact f = Fact(v1::DECISION_MAKER_KIND_BEST_INTERESTS);
  f.mutable_decided_by()->set_decision_date("2026-11-20");
  f.mutable_decided_by()->set_reason("lacks capacity; sharing supports discharge");
  absl::Status s = ledger::ValidateFact(f);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(common::ErrorReason(s), common::kReasonInvalidConsent);
  EXPECT_THAT(s.message(), HasSubstr("decided_by.name"));
  f.mutable_decided_by()->set_name("Dr Decider");
  EXPECT_TRUE(ledger::ValidateFact(f).ok());
  f.mutable_decided_by()->clear_decision_date();
  EXPECT_THAT(ledger::ValidateFact(f).message(), HasSubstr("decided_by.decision_date"));
}

TEST(ConsentFactTest, EndBeforeStartAndBadNumbersAreRefused) {
  v1::ConsentFact f = Fact(v1::DECISION_MAKER_KIND_PERSON);
  f.set_valid_from("2026-12-01");
  f.set_valid_until("2026-11-01");
  EXPECT_THAT(ledger::ValidateFact(f).message(), HasSubstr("valid_until: must not be before"));
  f.set_valid_until("2026-13-01");
  EXPECT_THAT(ledger::ValidateFact(f).message(), HasSubstr("valid_until: must be a date"));
  f.clear_valid_until();
  f.set_nhs_number("9434765918");
  EXPECT_EQ(common::ErrorReason(ledger::ValidateFact(f)), common::kReasonInvalidNhsNumber);
}

// ---------------------------------------------------------------- sensitive data

class SensitiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    filter_ = *sensitive::SensitiveFilter::Create(cfg::ConsentConfig());
    auto* st = summary_.add_section_statuses();
    st->set_section(v1::GP_SECTION_PROBLEMS);
    st->add_states(v1::SECTION_STATE_COMPLETE);
  }
  static v1::CodeableConcept Code(const std::string& code) {
    v1::CodeableConcept c;
    auto* coding = c.add_codings();
    coding->set_system("http://snomed.info/sct");
    coding->set_code(code);
    return c;
  }
  static bool HasState(const v1::GpSummary& s, v1::GpSection section, v1::SectionState state) {
    for (const auto& st : s.section_statuses()) {
      if (st.section() != section) continue;
      for (int x : st.states()) {
        if (x == state) return true;
      }
    }
    return false;
  }
  std::unique_ptr<sensitive::SensitiveFilter> filter_;
  v1::GpSummary summary_;
};

constexpr char kSti[] = "999004381000000103";
constexpr char kTop[] = "999004361000000107";
constexpr char kIvf[] = "999004371000000100";
constexpr char kAsthma[] = "195967001";

TEST_F(SensitiveTest, SensitiveCodeInProblemIsWithheld) {
  auto* keep = summary_.add_problems();
  keep->set_id("p1");
  *keep->mutable_code() = Code(kAsthma);
  auto* drop = summary_.add_problems();
  drop->set_id("p2");
  *drop->mutable_code() = Code(kAsthma);
  *drop->add_related_codes() = Code(kSti);  // in a related code, not the headline
  auto* drop2 = summary_.add_diagnoses();
  *drop2->mutable_code() = Code(kIvf);
  EXPECT_TRUE(filter_->FilterGpSummary(&summary_));
  ASSERT_EQ(summary_.problems_size(), 1);
  EXPECT_EQ(summary_.problems(0).id(), "p1");
  EXPECT_EQ(summary_.diagnoses_size(), 0);
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_PROBLEMS, v1::SECTION_STATE_ITEMS_WITHHELD));
  EXPECT_FALSE(HasState(summary_, v1::GP_SECTION_PROBLEMS, v1::SECTION_STATE_COMPLETE));
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_DIAGNOSES, v1::SECTION_STATE_ITEMS_WITHHELD));
  // Nothing says how many or what kind.
  std::string text;
  google::protobuf::TextFormat::PrintToString(summary_, &text);
  EXPECT_THAT(text, ::testing::Not(HasSubstr(kSti)));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("sexually")));
}

TEST_F(SensitiveTest, SensitiveCodeInMedicationReasonIsWithheld) {
  auto* m = summary_.add_medications();
  m->mutable_medication()->add_codings()->set_code("39113611000001102");
  *m->add_reasons() = Code(kTop);
  summary_.add_medications()->mutable_medication()->add_codings()->set_code("322236009");
  EXPECT_TRUE(filter_->FilterGpSummary(&summary_));
  ASSERT_EQ(summary_.medications_size(), 1);
  EXPECT_EQ(summary_.medications(0).medication().codings(0).code(), "322236009");
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_MEDICATIONS, v1::SECTION_STATE_ITEMS_WITHHELD));
  EXPECT_FALSE(HasState(summary_, v1::GP_SECTION_PROBLEMS, v1::SECTION_STATE_ITEMS_WITHHELD));
}

TEST_F(SensitiveTest, SensitiveCodeInReferralIsWithheld) {
  auto* r = summary_.add_referrals();
  *r->add_reasons() = Code(kSti);
  summary_.add_referrals()->set_id("ok");
  auto* enc = summary_.add_encounters();
  *enc->add_topics() = Code(kIvf);
  auto* inv = summary_.add_investigations();
  *inv->mutable_code() = Code(kAsthma);
  *inv->add_results()->mutable_code() = Code(kSti);
  inv->add_results()->set_id("keep");
  EXPECT_TRUE(filter_->FilterGpSummary(&summary_));
  ASSERT_EQ(summary_.referrals_size(), 1);
  EXPECT_EQ(summary_.referrals(0).id(), "ok");
  EXPECT_EQ(summary_.encounters_size(), 0);
  ASSERT_EQ(summary_.investigations_size(), 1);
  ASSERT_EQ(summary_.investigations(0).results_size(), 1);
  EXPECT_EQ(summary_.investigations(0).results(0).id(), "keep");
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_REFERRALS, v1::SECTION_STATE_ITEMS_WITHHELD));
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_ENCOUNTERS, v1::SECTION_STATE_ITEMS_WITHHELD));
  EXPECT_TRUE(HasState(summary_, v1::GP_SECTION_INVESTIGATIONS, v1::SECTION_STATE_ITEMS_WITHHELD));
}

TEST_F(SensitiveTest, NothingSensitiveChangesNothingAndCodeSetsAreConfigurable) {
  *summary_.add_problems()->mutable_code() = Code(kAsthma);
  v1::GpSummary before = summary_;
  EXPECT_FALSE(filter_->FilterGpSummary(&summary_));
  EXPECT_EQ(summary_.SerializeAsString(), before.SerializeAsString());
  cfg::ConsentConfig config;
  auto* set = config.add_sensitive_code_sets();
  set->set_name("local");
  set->add_codes(kAsthma);  // any system
  auto local = *sensitive::SensitiveFilter::Create(config);
  EXPECT_TRUE(local->FilterGpSummary(&summary_));
  EXPECT_EQ(summary_.problems_size(), 0);
}

}  // namespace
}  // namespace caregate::consent
