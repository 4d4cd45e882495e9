// End-to-end: caregate serving TLS and mutual TLS from certificate files.

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace caregate {
namespace {

using ::caregate::testing::ChildProcess;
using ::caregate::testing::RunCommand;
using ::testing::HasSubstr;

class TlsTest : public ::testing::Test {
 protected:
  // Starts caregate on the demo configuration with server.tls set; with
  // `mutual`, client certificates are required.
  void StartServer(bool mutual) {
    auto pki = testing::MakeTestPki(dir_.path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *pki;
    const std::string config = dir_.path() + "/caregate.yaml";
    std::ifstream demo(CAREGATE_DEMO_CONFIG);
    std::string yaml((std::istreambuf_iterator<char>(demo)), {});
    // The demo file's server block, replaced by one with TLS on a free port.
    const size_t start = yaml.find("server:\n");
    const size_t end = yaml.find("\ndata_dir:");
    ASSERT_NE(start, std::string::npos);
    yaml.replace(start, end - start,
                 absl::StrCat("server:\n  listen_address: 127.0.0.1:0\n  tls:\n"
                              "    cert_file: ", pki_.server_cert, "\n    key_file: ",
                              pki_.server_key, "\n",
                              mutual ? absl::StrCat("    client_ca_file: ", pki_.ca_cert, "\n")
                                     : ""));
    std::ofstream(config) << yaml;
    auto child = ChildProcess::Start(
        {CAREGATE_BINARY, "--config", config, absl::StrCat("--data_dir=", dir_.path(), "/data")},
        dir_.path() + "/caregate.log");
    ASSERT_TRUE(child.ok());
    server_ = *std::move(child);
    auto line = server_->WaitForLine("caregate listening on", absl::Seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
    auto port = testing::PortFromListeningLine(*line);
    ASSERT_TRUE(port.ok());
    address_ = absl::StrCat("localhost:", *port);
  }

  testing::CommandResult Health(const std::vector<std::string>& tls_args) {
    std::vector<std::string> argv = {CAREGATECTL_BINARY, "--address", address_,
                                     "--timeout-ms", "5000"};
    argv.insert(argv.end(), tls_args.begin(), tls_args.end());
    argv.push_back("health");
    return RunCommand(argv);
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  std::unique_ptr<ChildProcess> server_;
  std::string address_;
};

TEST_F(TlsTest, ServesTls) {
  StartServer(/*mutual=*/false);
  auto r = Health({"--ca-file", pki_.ca_cert});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SERVING"));
  // Plaintext to a TLS port fails.
  EXPECT_NE(Health({}).exit_code, 0);
}

TEST_F(TlsTest, MutualTlsAcceptsATrustedClientCertificate) {
  StartServer(/*mutual=*/true);
  auto r = Health({"--ca-file", pki_.ca_cert, "--cert-file", pki_.client_cert, "--key-file",
                   pki_.client_key});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SERVING"));
}

TEST_F(TlsTest, MutualTlsRefusesNoCertificateAndAnUntrustedOne) {
  StartServer(/*mutual=*/true);
  EXPECT_NE(Health({"--ca-file", pki_.ca_cert}).exit_code, 0);
  auto r = Health({"--ca-file", pki_.ca_cert, "--cert-file", pki_.rogue_client_cert,
                   "--key-file", pki_.rogue_client_key});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace caregate
