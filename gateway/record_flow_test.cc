// The request flow with the real consent module, ledger (in memory) and
// sensitive filter, and fake sources, authenticator and audit log: every
// story a user would notice, deterministically.

#include "gateway/record_flow.h"

#include <atomic>
#include <functional>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "consent/ledger/consent_ledger.h"
#include "consent/testing/fake_audit_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using consent::View;

constexpr char kNhs[] = "9434765919";
constexpr char kPractice[] = "A99001";
constexpr char kCouncil[] = "X99LA";

// Tokens are "role/user/organisation" here; the real JWT verification has
// its own tests.
class FakeAuthenticator : public consent::Authenticator {
 public:
  absl::StatusOr<consent::Principal> Authenticate(
      const consent::CallCredentials& call) const override {
    std::vector<std::string> parts = absl::StrSplit(call.authorization, '/');
    auto role = parts.size() == 3 ? consent::RoleFromName(parts[0]) : std::nullopt;
    if (!role) {
      return common::WithReason(absl::UnauthenticatedError("token: malformed"),
                                common::kReasonInvalidToken);
    }
    consent::Principal p;
    p.role = *role;
    p.user_id = parts[1];
    p.user_name = "Test User";
    p.organisation = parts[2];
    p.rbac_role = *role == consent::Role::kGp ? "R8000" : "SW01";
    p.assurance_level = "3";
    p.token_id = std::string(call.authorization);  // a token here is its own id
    return p;
  }
};

class FakeGp : public adapters::GpRecordSource {
 public:
  absl::Status GetGpSummaryInto(const adapters::SourceRequest& request,
                                caregate::v1::GpSummary* out) override {
    out->Clear();
    ++calls;
    if (during_call) during_call();
    if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
    if (!status.ok()) return status;
    caregate::v1::GpSummary& s = *out;
    auto* d = s.mutable_demographics();
    d->set_nhs_number(request.nhs_number);
    d->add_given_names("Margaret");
    d->set_family_name("Example");
    d->set_date_of_birth("1941-03-07");
    d->set_postcode("NE4 5PL");
    d->set_registered_practice_code(kPractice);
    auto* p = s.add_problems();
    p->mutable_code()->add_codings()->set_code("38341003");  // hypertension
    if (sensitive_item) {
      auto* q = s.add_problems();
      auto* c = q->mutable_code()->add_codings();
      c->set_system("http://snomed.info/sct");
      c->set_code("999004381000000103");
    }
    return absl::OkStatus();
  }
  std::atomic<int> calls{0};
  absl::Duration delay;
  absl::Status status;
  bool sensitive_item = false;
  std::function<void()> during_call;
};

class FakeCouncil : public adapters::SocialCareSource {
 public:
  class Reading : public adapters::CouncilReading {
   public:
    Reading(FakeCouncil* council, adapters::SourceRequest request)
        : council_(council), request_(std::move(request)) {}
    ~Reading() override { --council_->open_readings; }
    absl::Status SummaryInto(caregate::v1::SocialCareSummary* out) override {
      out->Clear();
      auto summary = council_->Summary(request_);
      if (!summary.ok()) return summary.status();
      *out = *std::move(summary);
      return absl::OkStatus();
    }
    absl::StatusOr<adapters::CouncilRelationship> Relationship() override {
      return council_->Relationship();
    }

   private:
    FakeCouncil* council_;
    adapters::SourceRequest request_;
  };

  absl::StatusOr<std::unique_ptr<adapters::CouncilReading>> StartReading(
      const adapters::SourceRequest& request) override {
    ++readings;
    ++open_readings;
    return std::make_unique<Reading>(this, request);
  }
  absl::StatusOr<caregate::v1::SocialCareSummary> Summary(
      const adapters::SourceRequest& request) {
    ++calls;
    if (!status.ok()) return status;
    caregate::v1::SocialCareSummary s;
    auto* d = s.mutable_demographics();
    d->set_nhs_number(request.nhs_number);
    d->add_given_names("Margaret");
    d->set_family_name("Example");
    d->set_date_of_birth("1941-03-07");
    d->set_postcode("NE4 9ZZ");  // moved within the district
    s.add_allocated_workers()->set_name("A Worker");
    s.mutable_care_plan()->set_status(caregate::v1::CARE_PLAN_STATUS_ACTIVE);
    return s;
  }
  absl::StatusOr<adapters::CouncilRelationship> Relationship() {
    ++relationship_calls;
    adapters::CouncilRelationship r;
    r.known = true;
    r.open_case = open_case;
    r.council_code = kCouncil;
    r.gp_practice_code = practice;
    return r;
  }
  std::string practice = kPractice;
  std::atomic<int> readings{0};
  std::atomic<int> open_readings{0};
  std::atomic<int> calls{0};
  std::atomic<int> relationship_calls{0};
  bool open_case = true;
  absl::Status status;
};

class RecordFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    caregate::config::v1::ConsentConfig config;
    auto* n = config.add_neighbourhoods();
    n->set_organisation("INT-NORTH");
    n->add_practice_codes(kPractice);
    config.set_emergency_limit(5);
    config.mutable_emergency_window()->set_seconds(86400);
    auto module = consent::ConsentModule::Create(config, &ledger_, &clock_);
    ASSERT_TRUE(module.ok()) << module.status();
    consent_ = *std::move(module);
    auto filter = consent::sensitive::SensitiveFilter::Create(config);
    ASSERT_TRUE(filter.ok());
    filter_ = *std::move(filter);
    auto metrics = Metrics::Create("");
    metrics_ = *std::move(metrics);
    FlowDependencies deps;
    deps.authenticator = &authenticator_;
    deps.consent = consent_.get();
    deps.sensitive = filter_.get();
    deps.audit = &audit_;
    deps.gp = &gp_;
    deps.social_care = &council_;
    deps.metrics = metrics_.get();
    deps.clock = &clock_;
    deps.source_pool = &pool_;
    flow_ = std::make_unique<RecordFlow>(deps);
  }

  void Consent(caregate::v1::SharingDirection direction,
               caregate::v1::ConsentDecision decision = caregate::v1::CONSENT_DECISION_PERMIT) {
    caregate::v1::ConsentFact fact;
    fact.set_nhs_number(kNhs);
    fact.set_direction(direction);
    fact.set_decision(decision);
    fact.mutable_decided_by()->set_kind(caregate::v1::DECISION_MAKER_KIND_PERSON);
    fact.set_method(caregate::v1::RECORDING_METHOD_VERBAL);
    auto stored = ledger_.Append(
        fact, [](const caregate::v1::ConsentFact&) { return absl::StatusOr<uint64_t>(0); },
        absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(stored.ok()) << stored.status();
  }

  absl::StatusOr<ViewResult> Ask(View view, const std::string& token,
                                 absl::Duration timeout = absl::Seconds(5),
                                 const std::string& nhs = kNhs) {
    caregate::v1::SummaryRequest request;
    request.set_nhs_number(nhs);
    request.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
    ReceivedCredentials credentials;
    credentials.authorization = token;
    return flow_->Run(view, credentials, request, absl::Now() + timeout);
  }

  const std::string kSocialWorker = "social_worker/sw1/" + std::string(kCouncil);
  const std::string kGp = "gp/gp1/" + std::string(kPractice);
  const std::string kInt = "int_member/int1/INT-NORTH";

  common::FakeClock clock_{absl::Now()};
  consent::ledger::MemoryConsentLedger ledger_;
  std::unique_ptr<consent::ConsentModule> consent_;
  std::unique_ptr<consent::sensitive::SensitiveFilter> filter_;
  std::unique_ptr<Metrics> metrics_;
  FakeAuthenticator authenticator_;
  consent::testing::FakeAuditLog audit_;
  FakeGp gp_;
  FakeCouncil council_;
  ThreadPool pool_{8};
  std::unique_ptr<RecordFlow> flow_;
};

TEST_F(RecordFlowTest, SocialWorkerWithConsentGetsTheGpSummaryAndItIsAudited) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  auto r = Ask(View::kGpSummary, kSocialWorker);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(r->gp_summary, nullptr);
  EXPECT_EQ(r->gp_summary->problems_size(), 1);
  EXPECT_EQ(r->disclosure.basis(), caregate::v1::DISCLOSURE_BASIS_CONSENT);
  EXPECT_EQ(r->disclosure.consent_version(), 1u);
  EXPECT_FALSE(r->disclosure.withheld());
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(r->disclosure.audit_index(), 0u);
  EXPECT_EQ(entries[0].outcome(), caregate::v1::AUDIT_OUTCOME_PERMIT);
  EXPECT_EQ(entries[0].nhs_number(), kNhs);
  EXPECT_THAT(entries[0].sections_released(), Contains("gp.problems"));
  EXPECT_FALSE(entries[0].request_id().empty());
}

TEST_F(RecordFlowTest, NoConsentIsRefusedAndNoRecordIsFetched) {
  auto r = Ask(View::kGpSummary, kSocialWorker);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(common::ErrorReason(r.status()), "NO_CONSENT");
  EXPECT_EQ(gp_.calls, 0);
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), caregate::v1::AUDIT_OUTCOME_DENY);
  EXPECT_EQ(entries[0].reason(), "NO_CONSENT");
}

TEST_F(RecordFlowTest, WrongRoleIsRefusedBeforeAnySourceIsAsked) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  auto r = Ask(View::kGpSummary, kGp);  // a GP asking for the GP summary
  EXPECT_EQ(common::ErrorReason(r.status()), "ROLE_NOT_PERMITTED");
  EXPECT_EQ(gp_.calls, 0);
  EXPECT_EQ(council_.relationship_calls, 0);
  ASSERT_EQ(audit_.entries().size(), 1u);
}

TEST_F(RecordFlowTest, ClosedCaseIsNoRelationship) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  council_.open_case = false;
  auto r = Ask(View::kGpSummary, kSocialWorker);
  EXPECT_EQ(common::ErrorReason(r.status()), "NO_RELATIONSHIP");
  EXPECT_EQ(gp_.calls, 0);
}

TEST_F(RecordFlowTest, GpGetsTheSocialCareSummary) {
  Consent(caregate::v1::SHARING_DIRECTION_SOCIAL_CARE_TO_GP);
  auto r = Ask(View::kSocialCareSummary, kGp);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->social_care_summary->allocated_workers_size(), 1);
  EXPECT_EQ(gp_.calls, 0);  // matched on the council's recorded practice
  // The relationship and the summary came from one reading, now closed.
  EXPECT_EQ(council_.readings, 1);
  EXPECT_EQ(council_.relationship_calls, 1);
  EXPECT_EQ(council_.open_readings, 0);
}

TEST_F(RecordFlowTest, CombinedProfileClosesTheCouncilReadingBeforeWaitingForTheGp) {
  Consent(caregate::v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  // The council records a practice outside the neighbourhood, so the decision
  // waits for the GP's registration; the council reading is not held across
  // that wait, and the summary is read afresh.
  council_.practice = "Z99999";
  auto r = Ask(View::kCombinedProfile, kInt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->social_care_summary != nullptr);
  EXPECT_EQ(gp_.calls, 1);
  EXPECT_EQ(council_.readings, 2);
  EXPECT_EQ(council_.open_readings, 0);
}

TEST_F(RecordFlowTest, CombinedProfileCrossChecksIdentity) {
  Consent(caregate::v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  auto r = Ask(View::kCombinedProfile, kInt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->gp_summary, nullptr);
  EXPECT_TRUE(r->social_care_summary != nullptr);
  EXPECT_EQ(r->identity_check.overall(), caregate::v1::MATCH_RESULT_PARTIAL);
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].identity_check().overall(), caregate::v1::MATCH_RESULT_PARTIAL);
}

TEST_F(RecordFlowTest, SlowGpSourceCostsOnlyItsOwnTimeInTheCombinedProfile) {
  Consent(caregate::v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  gp_.delay = absl::Milliseconds(1500);
  auto r = Ask(View::kCombinedProfile, kInt, absl::Milliseconds(800));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->gp_summary, nullptr);
  EXPECT_TRUE(r->social_care_summary != nullptr);
  bool gp_timed_out = false;
  for (const auto& s : r->disclosure.sources()) {
    gp_timed_out |= s.source() == caregate::v1::SOURCE_KIND_GP &&
                    s.status() == caregate::v1::SOURCE_STATUS_TIMED_OUT;
  }
  EXPECT_TRUE(gp_timed_out);
}

TEST_F(RecordFlowTest, GpSourceDownStillAnswersTheCombinedProfile) {
  Consent(caregate::v1::SHARING_DIRECTION_INTEGRATED_TEAM);
  gp_.status = absl::UnavailableError("503");
  auto r = Ask(View::kCombinedProfile, kInt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->gp_summary, nullptr);
  EXPECT_EQ(r->identity_check.overall(), caregate::v1::MATCH_RESULT_MISSING);
  EXPECT_EQ(r->disclosure.sources(0).status(), caregate::v1::SOURCE_STATUS_UNAVAILABLE);
}

TEST_F(RecordFlowTest, GpSourceRefusingForDissentIsSourceRefused) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  gp_.status = absl::PermissionDeniedError("NO_PATIENT_CONSENT");
  auto r = Ask(View::kGpSummary, kSocialWorker);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(common::ErrorReason(r.status()), "SOURCE_REFUSED");
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), caregate::v1::AUDIT_OUTCOME_ERROR);
  EXPECT_EQ(entries[0].reason(), "SOURCE_REFUSED");
}

TEST_F(RecordFlowTest, ConsentWithdrawnMidRequestReleasesNothing) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  gp_.during_call = [this] {
    Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE,
            caregate::v1::CONSENT_DECISION_WITHDRAWN);
  };
  auto r = Ask(View::kGpSummary, kSocialWorker);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(common::ErrorReason(r.status()), "CONSENT_WITHDRAWN");
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), caregate::v1::AUDIT_OUTCOME_DENY);
  EXPECT_EQ(entries[0].reason(), "CONSENT_WITHDRAWN");
  EXPECT_TRUE(entries[0].sections_released().empty());
}

TEST_F(RecordFlowTest, AuditUnavailableReleasesNothing) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  audit_.set_failing(true);
  auto r = Ask(View::kGpSummary, kSocialWorker);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(common::ErrorReason(r.status()), "AUDIT_UNAVAILABLE");
}

TEST_F(RecordFlowTest, EmergencyAccessWithoutConsentIsPermittedAndMarked) {
  caregate::v1::SummaryRequest request;
  request.set_nhs_number(kNhs);
  request.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  request.mutable_emergency_access()->set_reason(
      caregate::v1::EMERGENCY_REASON_EMERGENCY_TREATMENT);
  request.mutable_emergency_access()->set_justification("Collapsed at home;\nno consent on file");
  ReceivedCredentials credentials;
  credentials.authorization = kGp;
  auto r = flow_->Run(View::kSocialCareSummary, credentials, request,
                      absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->disclosure.basis(), caregate::v1::DISCLOSURE_BASIS_EMERGENCY_ACCESS);
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].has_emergency_access());
  EXPECT_EQ(entries[0].emergency_access().justification(), "Collapsed at home;\nno consent on file");
}

TEST_F(RecordFlowTest, SensitiveItemIsWithheldAndSaysOnlyThat) {
  Consent(caregate::v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE);
  gp_.sensitive_item = true;
  auto r = Ask(View::kGpSummary, kSocialWorker);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->gp_summary->problems_size(), 1);
  EXPECT_TRUE(r->disclosure.withheld());
  EXPECT_TRUE(audit_.entries()[0].withheld());
}

TEST_F(RecordFlowTest, BadTokenAndBadNhsNumberAreEachAuditedOnce) {
  auto r = Ask(View::kGpSummary, "garbage");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  r = Ask(View::kGpSummary, kSocialWorker, absl::Seconds(5), "9434765918");
  EXPECT_EQ(common::ErrorReason(r.status()), "INVALID_NHS_NUMBER");
  EXPECT_THAT(std::string(r.status().message()), ::testing::Not(HasSubstr("9434765918")));
  auto entries = audit_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].reason(), "INVALID_TOKEN");
  EXPECT_EQ(entries[1].reason(), "INVALID_NHS_NUMBER");
  EXPECT_TRUE(entries[1].nhs_number().empty());
}

}  // namespace
}  // namespace caregate::gateway
