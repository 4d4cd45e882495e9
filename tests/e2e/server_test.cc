// End-to-end: the real caregate binary on its embedded default configuration,
// driven by real gRPC clients (health, reflection, RecordService) and by the
// real caregatectl.

#include <signal.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "caregate/v1/records.grpc.pb.h"
#include "gateway/grpc_status.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate {
namespace {

using ::caregate::testing::ChildProcess;
using ::caregate::testing::RunCommand;
using ::caregate::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto child = ChildProcess::Start(
        {CAREGATE_BINARY, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
         absl::StrCat("--data_dir=", dir_.path(), "/data")},
        dir_.path() + "/caregate.log");
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = *std::move(child);
    auto line = server_->WaitForLine("caregate listening on", absl::Seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
    auto port = testing::PortFromListeningLine(*line);
    ASSERT_TRUE(port.ok()) << *line;
    address_ = absl::StrCat("127.0.0.1:", *port);
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, HealthIsServing) {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, ReflectionListsTheThreeServices) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  auto context = Context();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> names;
  for (const auto& s : response.list_services_response().service()) {
    names.insert(s.name());
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(names.count("caregate.v1.RecordService"));
  EXPECT_TRUE(names.count("caregate.v1.ConsentService"));
  EXPECT_TRUE(names.count("caregate.v1.AuditService"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
}

TEST_F(ServerTest, ReflectionServesTheRecordServiceSchema) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  auto context = Context();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol("caregate.v1.RecordService");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ServerTest, InvalidNhsNumberIsRefusedByEveryRecordMethod) {
  // A real token from the demo issuer, so the request gets past
  // authentication to validation.
  auto token = RunCommand({CAREGATECTL_BINARY, "token", "--role", "social_worker", "--user",
                           "sw-001", "--org", "X99LA", "--data-dir", dir_.path() + "/data"});
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const std::string bearer(absl::StripAsciiWhitespace(token.output));
  auto context = [&] {
    auto c = Context();
    c->AddMetadata("authorization", "Bearer " + bearer);
    return c;
  };
  auto stub = caregate::v1::RecordService::NewStub(channel_);
  caregate::v1::SummaryRequest request;
  request.set_nhs_number("9434765918");  // wrong check digit
  request.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  std::vector<grpc::Status> statuses;
  {
    caregate::v1::GetGpSummaryResponse r;
    statuses.push_back(stub->GetGpSummary(context().get(), request, &r));
  }
  {
    caregate::v1::GetSocialCareSummaryResponse r;
    statuses.push_back(stub->GetSocialCareSummary(context().get(), request, &r));
  }
  {
    caregate::v1::GetCombinedProfileResponse r;
    statuses.push_back(stub->GetCombinedProfile(context().get(), request, &r));
  }
  for (const auto& status : statuses) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(gateway::ErrorInfoReason(status), "INVALID_NHS_NUMBER");
    EXPECT_THAT(status.error_message(), HasSubstr("nhs_number"));
    EXPECT_THAT(status.error_message(), Not(HasSubstr("9434765918")));
  }
}

TEST_F(ServerTest, RequestWithoutATokenIsUnauthenticated) {
  auto stub = caregate::v1::RecordService::NewStub(channel_);
  caregate::v1::SummaryRequest request;
  request.set_nhs_number("9434765919");
  request.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  caregate::v1::GetGpSummaryResponse r;
  grpc::Status status = stub->GetGpSummary(Context().get(), request, &r);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(gateway::ErrorInfoReason(status), "INVALID_TOKEN");
}

TEST_F(ServerTest, CaregatectlHealth) {
  auto result = RunCommand({CAREGATECTL_BINARY, "--address", address_, "health"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SERVING"));
  result = RunCommand({CAREGATECTL_BINARY, "--address", address_, "health", "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"status\": \"SERVING\""));
}

TEST_F(ServerTest, SigtermShutsDownCleanly) {
  auto code = server_->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  std::ifstream log(dir_.path() + "/caregate.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_THAT(text, HasSubstr("\"event\":\"stopped\""));
}

// The embedded SQLite consent ledger belongs to one gateway: a second one
// started on the same data directory stops at once and says why.
TEST_F(ServerTest, ASecondGatewayOnTheSameDataDirectoryIsRefused) {
  auto result = RunCommand({CAREGATE_BINARY, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
                            absl::StrCat("--data_dir=", dir_.path(), "/data")});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output,
              HasSubstr("consent.store: the SQLite file is in use by another process"));
  // The first one is still serving.
  auto health = RunCommand({CAREGATECTL_BINARY, "--address", address_, "health"});
  EXPECT_EQ(health.exit_code, 0) << health.output;
}

TEST(ServerConfigTest, WrongConfigValueExitsWithOneClearLine) {
  TempDir dir;
  const std::string path = dir.path() + "/bad.yaml";
  std::ofstream(path) << "server:\n  listen_address: 127.0.0.1:7443\n"
                         "  max_deadline: soon\n";
  auto result = RunCommand({CAREGATE_BINARY, "--config", path});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1)
      << result.output;
  EXPECT_THAT(result.output, HasSubstr("server.max_deadline (line 3): must be a "
                                       "duration"));
}

TEST(ServerConfigTest, PlaintextOnAPublicAddressIsRefused) {
  auto result = RunCommand({CAREGATE_BINARY, "--listen=0.0.0.0:0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("server.listen_address: plaintext is "
                                       "allowed only on a loopback address"));
}

}  // namespace
}  // namespace caregate
