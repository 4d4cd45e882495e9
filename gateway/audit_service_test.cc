// AuditService through an in-process gRPC server, with a fake Authenticator
// and the real audit log on SQLite.

#include "gateway/audit_service.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "consent/audit/audit_test_util.h"
#include "consent/audit/merkle.h"
#include "consent/audit/tree_head.h"
#include "gateway/grpc_status.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::gateway {
namespace {

using consent::audit::Hash;
using consent::audit::HashFromBytes;
using consent::audit::testing::Access;
using consent::audit::testing::EmergencyAccessEntry;
using consent::audit::testing::Soon;

// "Bearer <role>:<user>" becomes that principal; anything else is refused.
class FakeAuthenticator : public consent::Authenticator {
 public:
  absl::StatusOr<consent::Principal> Authenticate(
      const consent::CallCredentials& call) const override {
    absl::string_view value = call.authorization;
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return common::WithReason(absl::UnauthenticatedError("token: missing"),
                                common::kReasonInvalidToken);
    }
    std::pair<std::string, std::string> parts = absl::StrSplit(value, ':');
    auto role = consent::RoleFromName(parts.first);
    if (!role) {
      return common::WithReason(absl::UnauthenticatedError("token: unknown"),
                                common::kReasonInvalidToken);
    }
    consent::Principal p;
    p.role = *role;
    p.user_id = parts.second;
    p.organisation = "X26";
    return p;
  }
};

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    caregate::config::v1::StoreConfig store;
    store.mutable_sqlite()->set_path(dir_.path() + "/audit.db");
    auto db = common::sql::Database::Open(store, dir_.path(), "audit.store");
    ASSERT_TRUE(db.ok()) << db.status();
    auto signer = consent::audit::TreeHeadSigner::Generate();
    public_pem_ = (*signer)->public_key_pem();
    auto log = consent::audit::SqlAuditLog::Open(std::move(*db), std::move(*signer));
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    service_ = std::make_unique<AuditServiceImpl>(log_.get(), &authenticator_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = caregate::v1::AuditService::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  caregate::testing::TempDir dir_;
  std::string public_pem_;
  FakeAuthenticator authenticator_;
  std::unique_ptr<consent::audit::SqlAuditLog> log_;
  std::unique_ptr<AuditServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<caregate::v1::AuditService::Stub> stub_;
};

TEST_F(AuditServiceTest, OnlyPrivacyOfficersMayAsk) {
  ASSERT_TRUE(log_->Append(Access(0), Soon()).ok());
  caregate::v1::SignedTreeHead head;
  auto gp = As("gp:u-gp-1");
  grpc::Status status = stub_->GetSignedTreeHead(gp.get(), {}, &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ErrorInfoReason(status), "ROLE_NOT_PERMITTED");

  caregate::v1::AccessReport report;
  caregate::v1::GetAccessReportRequest request;
  request.set_nhs_number("9990000018");
  auto sw = As("social_worker:u-sw-1");
  status = stub_->GetAccessReport(sw.get(), request, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  auto nobody = As("");
  status = stub_->GetSignedTreeHead(nobody.get(), {}, &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ErrorInfoReason(status), "INVALID_TOKEN");
}

TEST_F(AuditServiceTest, ListAuditEventsFiltersAndPages) {
  for (int i = 0; i < 12; ++i) {
    auto e = Access(i, i % 2 ? "9990000034" : "9990000018");
    if (i == 4) e.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
    ASSERT_TRUE(log_->Append(e, Soon()).ok());
  }
  caregate::v1::ListAuditEventsRequest request;
  request.set_nhs_number("999 000 0034");
  request.set_page_size(4);
  std::vector<uint64_t> seen;
  do {
    caregate::v1::ListAuditEventsResponse response;
    auto po = As("privacy_officer:u-po-1");
    grpc::Status status = stub_->ListAuditEvents(po.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& e : response.entries()) seen.push_back(e.index());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 3, 5, 7, 9, 11}));

  caregate::v1::ListAuditEventsRequest denials;
  denials.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
  caregate::v1::ListAuditEventsResponse response;
  auto po = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->ListAuditEvents(po.get(), denials, &response).ok());
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).index(), 4u);

  caregate::v1::ListAuditEventsRequest bad;
  bad.set_nhs_number("9990000019");
  auto po2 = As("privacy_officer:u-po-1");
  grpc::Status status = stub_->ListAuditEvents(po2.get(), bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ErrorInfoReason(status), "INVALID_NHS_NUMBER");
  EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr("9990000019")));

  caregate::v1::ListAuditEventsRequest bad_token;
  bad_token.set_page_token("nonsense");
  auto po3 = As("privacy_officer:u-po-1");
  status = stub_->ListAuditEvents(po3.get(), bad_token, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditServiceTest, AccessReportEntriesProveInclusionAgainstTheSignedHead) {
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(log_->Append(Access(i, i % 3 ? "9990000018" : "9990000034"), Soon()).ok());
  }
  caregate::v1::GetAccessReportRequest request;
  request.set_nhs_number("9990000034");
  caregate::v1::AccessReport report;
  auto po = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->GetAccessReport(po.get(), request, &report).ok());
  ASSERT_TRUE(consent::audit::VerifyTreeHead(report.tree_head(), public_pem_).ok());
  ASSERT_EQ(report.entries_size(), 3);
  Hash root = *HashFromBytes(report.tree_head().root_hash(), "root");
  for (const auto& item : report.entries()) {
    std::vector<Hash> path;
    for (const auto& h : item.inclusion_proof().audit_path())
      path.push_back(*HashFromBytes(h, "p"));
    Hash leaf = consent::audit::LeafHash(consent::audit::EntryBytes(item.entry()));
    EXPECT_TRUE(consent::audit::VerifyInclusion(item.entry().index(),
                                                report.tree_head().tree_size(), leaf, path, root)
                    .ok());
  }
}

TEST_F(AuditServiceTest, ProofsFromTheServiceVerify) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  caregate::v1::SignedTreeHead first;
  auto c1 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->GetSignedTreeHead(c1.get(), {}, &first).ok());
  for (int i = 10; i < 17; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  caregate::v1::SignedTreeHead second;
  auto c2 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->GetSignedTreeHead(c2.get(), {}, &second).ok());
  EXPECT_EQ(second.tree_size(), 17u);
  EXPECT_TRUE(consent::audit::VerifyTreeHead(second, first.public_key_pem()).ok());

  caregate::v1::GetConsistencyProofRequest cr;
  cr.set_first_tree_size(10);
  caregate::v1::ConsistencyProof consistency;
  auto c3 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->GetConsistencyProof(c3.get(), cr, &consistency).ok());
  std::vector<Hash> path;
  for (const auto& h : consistency.proof()) path.push_back(*HashFromBytes(h, "p"));
  EXPECT_TRUE(consent::audit::VerifyConsistency(10, 17, *HashFromBytes(first.root_hash(), "r"),
                                                *HashFromBytes(second.root_hash(), "r"), path)
                  .ok());

  caregate::v1::GetInclusionProofRequest ir;
  ir.set_leaf_index(12);
  ir.set_tree_size(17);
  caregate::v1::InclusionProof inclusion;
  auto c4 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->GetInclusionProof(c4.get(), ir, &inclusion).ok());
  std::vector<Hash> ipath;
  for (const auto& h : inclusion.audit_path()) ipath.push_back(*HashFromBytes(h, "p"));
  EXPECT_TRUE(consent::audit::VerifyInclusion(12, 17, *HashFromBytes(inclusion.leaf_hash(), "l"),
                                              ipath, *HashFromBytes(second.root_hash(), "r"))
                  .ok());

  ir.set_leaf_index(17);
  auto c5 = As("privacy_officer:u-po-1");
  EXPECT_EQ(stub_->GetInclusionProof(c5.get(), ir, &inclusion).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditServiceTest, EmergencyAccessReviewNeverByTheUserWhoMadeIt) {
  uint64_t access = *log_->Append(EmergencyAccessEntry(0, "u-gp-1"), Soon());
  caregate::v1::ListEmergencyAccessesRequest list;
  list.set_state(caregate::v1::REVIEW_STATE_AWAITING_REVIEW);
  caregate::v1::ListEmergencyAccessesResponse waiting;
  auto c1 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->ListEmergencyAccesses(c1.get(), list, &waiting).ok());
  ASSERT_EQ(waiting.records_size(), 1);

  caregate::v1::ReviewEmergencyAccessRequest review;
  review.set_audit_index(access);
  review.set_outcome(caregate::v1::REVIEW_STATE_CLOSED);
  review.set_note("checked against the attendance record");
  caregate::v1::EmergencyAccessRecord record;
  // The same user, now acting as a privacy officer.
  auto self = As("privacy_officer:u-gp-1");
  grpc::Status status = stub_->ReviewEmergencyAccess(self.get(), review, &record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ErrorInfoReason(status), "SELF_REVIEW_NOT_PERMITTED");

  auto officer = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->ReviewEmergencyAccess(officer.get(), review, &record).ok());
  EXPECT_EQ(record.state(), caregate::v1::REVIEW_STATE_CLOSED);
  EXPECT_EQ(record.reviewer_user_id(), "u-po-1");
  EXPECT_EQ(record.review_audit_index(), 1u);
  EXPECT_EQ(log_->size(), 2u);

  caregate::v1::ListEmergencyAccessesResponse after;
  auto c2 = As("privacy_officer:u-po-1");
  ASSERT_TRUE(stub_->ListEmergencyAccesses(c2.get(), list, &after).ok());
  EXPECT_EQ(after.records_size(), 0);
}

// caregatectl against a loopback server: save a tree head, print a person's
// report with every proof checked client-side, then verify the log offline
// against the saved head.
TEST_F(AuditServiceTest, CaregatectlReportAndTreeHeadAgainstALoopbackServer) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(log_->Append(Access(i, i % 2 ? "9990000018" : "9990000034"), Soon()).ok());
  }
  ASSERT_TRUE(log_->Append(EmergencyAccessEntry(6, "u-gp-7"), Soon()).ok());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_.get());
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::string address = absl::StrCat("127.0.0.1:", port);

  auto report = caregate::testing::RunCommand({CAREGATECTL, "--address", address, "--token",
                                               "privacy_officer:u-po-1", "audit", "report",
                                               "--nhs-number", "999 000 0034"});
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, ::testing::HasSubstr("access report: 3 entries"));
  EXPECT_THAT(report.output, ::testing::HasSubstr("every entry's inclusion proof checked"));

  std::string head_file = dir_.path() + "/head.json";
  std::string key_file = dir_.path() + "/key.pub";
  auto saved = caregate::testing::RunCommand({CAREGATECTL, "--address", address, "--token",
                                              "privacy_officer:u-po-1", "audit", "tree-head",
                                              "--out", head_file, "--public-key-out", key_file});
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  EXPECT_THAT(saved.output, ::testing::HasSubstr("size 7"));

  auto pinned = caregate::testing::RunCommand({CAREGATECTL, "--address", address, "--token",
                                               "privacy_officer:u-po-1", "audit", "report",
                                               "--nhs-number", "9990000026", "--public-key",
                                               key_file, "--out", dir_.path() + "/report.json"});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.output;
  // An auditor checks offline that the saved report is complete.
  auto complete = caregate::testing::RunCommand(
      {CAREGATECTL, "audit", "check-report", "--db", dir_.path() + "/audit.db", "--report",
       dir_.path() + "/report.json", "--nhs-number", "9990000026", "--public-key", key_file});
  EXPECT_EQ(complete.exit_code, 0) << complete.output;
  EXPECT_THAT(complete.output, ::testing::HasSubstr("every one of the 1 entries"));
  EXPECT_THAT(pinned.output, ::testing::HasSubstr("with the pinned key"));
  EXPECT_THAT(pinned.output, ::testing::HasSubstr("EMERGENCY ACCESS"));

  auto verify = caregate::testing::RunCommand({CAREGATECTL, "audit", "verify", "--db",
                                               dir_.path() + "/audit.db", "--tree-head", head_file,
                                               "--public-key", key_file});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  auto refused =
      caregate::testing::RunCommand({CAREGATECTL, "--address", address, "--token", "gp:u-gp-1",
                                     "audit", "report", "--nhs-number", "9990000018"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, ::testing::HasSubstr("ROLE_NOT_PERMITTED"));
  server->Shutdown();
}

// A privacy officer's day through caregatectl: list denials, see the
// emergency access awaiting review, fail to review their own, review another.
TEST_F(AuditServiceTest, CaregatectlListAndReviewEmergencyAccess) {
  auto denied = Access(0);
  denied.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
  denied.set_reason("NO_CONSENT");
  ASSERT_TRUE(log_->Append(denied, Soon()).ok());
  ASSERT_TRUE(log_->Append(Access(1), Soon()).ok());
  uint64_t access = *log_->Append(EmergencyAccessEntry(2, "u-gp-7"), Soon());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_.get());
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto ctl = [&](const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {CAREGATECTL, "--address", absl::StrCat("127.0.0.1:", port),
                                     "--token",   token,       "--json",
                                     "audit"};
    argv.insert(argv.end(), args.begin(), args.end());
    return caregate::testing::RunCommand(argv);
  };

  auto denials = ctl("privacy_officer:u-po-1", {"list", "--outcome", "deny"});
  EXPECT_EQ(denials.exit_code, 0) << denials.output;
  EXPECT_THAT(denials.output, ::testing::HasSubstr("NO_CONSENT"));
  EXPECT_THAT(denials.output, ::testing::Not(::testing::HasSubstr("req-1")));

  auto bad_time = ctl("privacy_officer:u-po-1", {"list", "--from", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.output, ::testing::HasSubstr("--from: must be an RFC 3339 time"));

  auto waiting = ctl("privacy_officer:u-po-1", {"emergency", "--state", "awaiting"});
  EXPECT_EQ(waiting.exit_code, 0) << waiting.output;
  EXPECT_THAT(waiting.output, ::testing::HasSubstr("REVIEW_STATE_AWAITING_REVIEW"));

  auto own = ctl("privacy_officer:u-gp-7", {"review", "--index", std::to_string(access),
                                            "--outcome", "closed", "--note", "mine"});
  EXPECT_EQ(own.exit_code, 1);
  EXPECT_THAT(own.output, ::testing::HasSubstr("SELF_REVIEW_NOT_PERMITTED"));

  auto reviewed =
      ctl("privacy_officer:u-po-1", {"review", "--index", std::to_string(access), "--outcome",
                                     "escalated", "--note", "no attendance record"});
  EXPECT_EQ(reviewed.exit_code, 0) << reviewed.output;
  EXPECT_THAT(reviewed.output, ::testing::HasSubstr("REVIEW_STATE_ESCALATED"));
  EXPECT_EQ(log_->size(), 4u);
  server->Shutdown();
}

}  // namespace
}  // namespace caregate::gateway
