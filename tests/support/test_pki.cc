#include "tests/support/test_pki.h"

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"

namespace caregate::testing {

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir,
                                    absl::string_view client_organisation) {
  // One generator for every test: the script the GP Connect provider's tests
  // and the Python end-to-end tests use too.
  CommandResult r = RunCommand({"/bin/bash", CAREGATE_MAKE_TEST_CERTS, dir,
                                std::string(client_organisation)},
                               absl::Seconds(120));
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("make_test_certs.sh failed: ", r.output));
  }
  TestPki pki;
  pki.ca_cert = dir + "/ca.pem";
  pki.server_cert = dir + "/server.pem";
  pki.server_key = dir + "/server.key";
  pki.client_cert = dir + "/client.pem";
  pki.client_key = dir + "/client.key";
  pki.rogue_client_cert = dir + "/rogue-client.pem";
  pki.rogue_client_key = dir + "/rogue-client.key";
  return pki;
}

}  // namespace caregate::testing
