#ifndef CAREGATE_TESTS_SUPPORT_TEST_PKI_H_
#define CAREGATE_TESTS_SUPPORT_TEST_PKI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace caregate::testing {

// A throwaway PKI made at test time by tests/support/make_test_certs.sh (the
// openssl CLI): a CA, a server
// certificate for localhost / 127.0.0.1, a client certificate whose subject
// carries an organisation (O=), and a second, untrusted CA with its own client
// certificate (to prove a wrong client certificate is refused). PEM files.
struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string rogue_client_cert;
  std::string rogue_client_key;
};

// Writes the files into `dir`. `client_organisation` goes in the client
// certificate's O= field.
absl::StatusOr<TestPki> MakeTestPki(const std::string& dir,
                                    absl::string_view client_organisation = "A99001");

}  // namespace caregate::testing

#endif  // CAREGATE_TESTS_SUPPORT_TEST_PKI_H_
