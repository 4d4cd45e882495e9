#include "gateway/config/config.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

using ::testing::HasSubstr;

// The demo configuration with one line replaced, so each test breaks exactly
// one rule of an otherwise valid file.
std::string DemoWith(absl::string_view from, absl::string_view to) {
  std::string yaml = EmbeddedDemoConfigYaml();
  EXPECT_THAT(yaml, HasSubstr(std::string(from)));
  return absl::StrReplaceAll(yaml, {{from, to}});
}

std::string ErrorOf(absl::string_view yaml) {
  auto config = ParseConfig(yaml);
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(common::ErrorReason(config.status()), "INVALID_CONFIG");
  return std::string(config.status().message());
}

TEST(ConfigTest, EmbeddedDemoConfigIsValid) {
  auto config = ParseConfig(EmbeddedDemoConfigYaml());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server().listen_address(), "127.0.0.1:7443");
  EXPECT_TRUE(config->adapters().gp().has_bundle_dir());
  EXPECT_EQ(config->consent().clock_skew().seconds(), 30);
  EXPECT_EQ(config->consent().emergency_window().seconds(), 24 * 3600);
  EXPECT_EQ(config->audit().max_batch(), 256u);
}

TEST(ConfigTest, DefaultsFillWhatIsUnset) {
  auto config = ParseConfig(DemoWith("  max_deadline: 10s\n", ""));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server().max_deadline().seconds(), 10);
}

TEST(ConfigTest, UnknownFieldNamesPathAndLine) {
  std::string e = ErrorOf(DemoWith("  max_deadline: 10s", "  max_dedline: 10s"));
  EXPECT_THAT(e, HasSubstr("server.max_dedline (line "));
  EXPECT_THAT(e, HasSubstr("unknown field in ServerConfig"));
}

TEST(ConfigTest, BadDurationNamesTheRule) {
  std::string e = ErrorOf(DemoWith("max_deadline: 10s", "max_deadline: ten"));
  EXPECT_THAT(e, HasSubstr("server.max_deadline"));
  EXPECT_THAT(e, HasSubstr("must be a duration such as 5s"));
}

TEST(ConfigTest, NegativeDurationIsRefused) {
  std::string e = ErrorOf(DemoWith("max_deadline: 10s", "max_deadline: -1s"));
  EXPECT_THAT(e, HasSubstr("server.max_deadline: must be > 0"));
}

TEST(ConfigTest, PlaintextOffLoopbackIsRefused) {
  std::string e = ErrorOf(DemoWith("listen_address: 127.0.0.1:7443",
                                   "listen_address: 0.0.0.0:7443"));
  EXPECT_THAT(e, HasSubstr("server.listen_address: plaintext is allowed only on "
                           "a loopback address"));
}

TEST(ConfigTest, BadPortIsRefused) {
  std::string e = ErrorOf(DemoWith("listen_address: 127.0.0.1:7443",
                                   "listen_address: 127.0.0.1:99999"));
  EXPECT_THAT(e, HasSubstr("server.listen_address: port must be a number"));
}

TEST(ConfigTest, UnknownRoleIsRefused) {
  std::string e = ErrorOf(DemoWith("{ rbac_role: SW01, role: social_worker }",
                                   "{ rbac_role: SW01, role: wizard }"));
  EXPECT_THAT(e, HasSubstr("consent.role_mappings[2].role: must be one of gp, "));
}

TEST(ConfigTest, TwoChoicesOfOneOneofAreRefused) {
  std::string e = ErrorOf(DemoWith(
      "      index_file: index.json\n",
      "      index_file: index.json\n    gpconnect:\n      from_asid: x\n"));
  EXPECT_THAT(e, HasSubstr("adapters.gp.gpconnect"));
  EXPECT_THAT(e, HasSubstr("only one of the kind choices"));
}

TEST(ConfigTest, GpConnectRulesNameTheirFields) {
  const std::string gpc =
      "    gpconnect:\n"
      "      service_root: http://gp.example/STU3/1/gpconnect/structured\n"
      "      from_asid: \"200000000359\"\n"
      "      to_asid: \"918999198993\"\n";
  std::string yaml = DemoWith("    bundle_dir:\n      directory: demo/gp\n"
                              "      index_file: index.json\n",
                              gpc);
  EXPECT_THAT(ErrorOf(yaml),
              HasSubstr("adapters.gp.gpconnect.service_root: must start with "
                        "https://"));
}

TEST(ConfigTest, NegativeNumberForUnsignedField) {
  std::string e = ErrorOf(DemoWith("max_batch: 256", "max_batch: -3"));
  EXPECT_THAT(e, HasSubstr("audit.max_batch (line "));
  EXPECT_THAT(e, HasSubstr("must be a non-negative integer"));
}

TEST(ConfigTest, MissingStoreIsRefused) {
  std::string e = ErrorOf(DemoWith("      path: audit.db\n", "      path: \"\"\n"));
  EXPECT_THAT(e, HasSubstr("audit.store.sqlite.path: is required"));
}

TEST(ConfigTest, SyntaxErrorGivesTheLine) {
  std::string e = ErrorOf("server:\n  listen_address: [unclosed\n");
  EXPECT_THAT(e, HasSubstr("not valid YAML"));
}

TEST(ConfigTest, ScalarWhereMappingExpected) {
  std::string e = ErrorOf("server: 7443\n");
  EXPECT_THAT(e, HasSubstr("server (line 1): must be a mapping of fields"));
}

TEST(ConfigTest, ResolvePathUsesDataDir) {
  auto config = ParseConfig(EmbeddedDemoConfigYaml());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(ResolvePath(*config, "audit.db"), "./caregate-data/audit.db");
  EXPECT_EQ(ResolvePath(*config, "/var/lib/x.db"), "/var/lib/x.db");
}

}  // namespace
}  // namespace caregate::gateway
