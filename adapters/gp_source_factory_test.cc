#include "adapters/gp_source_factory.h"

#include <fstream>

#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::adapters {
namespace {

using ::testing::HasSubstr;

TEST(GpSourceFactoryTest, BuildsTheBundleDirectoryUnderDataDir) {
  caregate::testing::TempDir data;
  ASSERT_EQ(system(("mkdir -p " + data.path() + "/gp").c_str()), 0);
  std::ofstream(data.path() + "/gp/a.json")
      << R"({"resourceType":"Bundle","id":"x","entry":[{"resource":{"resourceType":"Patient","id":"p"}}]})";
  std::ofstream(data.path() + "/gp/index.json") << R"({"9434765919":"a.json"})";
  caregate::config::v1::CaregateConfig config;
  config.set_data_dir(data.path());
  config.mutable_adapters()->mutable_gp()->mutable_bundle_dir()->set_directory("gp");
  auto source = CreateGpRecordSource(config.adapters().gp(), config);
  ASSERT_TRUE(source.ok()) << source.status();
  SourceRequest request;
  request.nhs_number = "9434765919";
  EXPECT_TRUE((*source)->GetGpSummary(request).ok());
}

TEST(GpSourceFactoryTest, GpConnectResolvesPemPathsAndChecksThem) {
  caregate::config::v1::CaregateConfig config;
  config.set_data_dir("/nonexistent-data-dir");
  auto* c = config.mutable_adapters()->mutable_gp()->mutable_gpconnect();
  c->set_service_root("https://provider.example/GP0001/STU3/1");
  c->set_from_asid("1");
  c->set_to_asid("2");
  c->set_client_cert_file("client.pem");
  c->set_client_key_file("client.key");
  c->set_ca_file("ca.pem");
  auto source = CreateGpRecordSource(config.adapters().gp(), config);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(std::string(source.status().message()),
              HasSubstr("gpconnect.client_cert_file: cannot be read"));
}

TEST(GpSourceFactoryTest, UnsetKindIsAConfigError) {
  caregate::config::v1::CaregateConfig config;
  auto source = CreateGpRecordSource(config.adapters().gp(), config);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(common::ErrorReason(source.status()), common::kReasonInvalidConfig);
}

}  // namespace
}  // namespace caregate::adapters
