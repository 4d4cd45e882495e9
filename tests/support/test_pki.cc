#include "tests/support/test_pki.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"

namespace caregate::testing {
namespace {

absl::Status OpenSsl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  CommandResult r = RunCommand(args, absl::Seconds(60));
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("openssl ", args[1], " failed: ", r.output));
  }
  return absl::OkStatus();
}

// A CA key and self-signed certificate.
absl::Status MakeCa(const std::string& key, const std::string& cert, absl::string_view cn) {
  return OpenSsl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
                  absl::StrCat("/CN=", cn), "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

// A key and a certificate signed by the CA, with the given subject and
// extensions file.
absl::Status MakeLeaf(const std::string& dir, const std::string& name,
                      const std::string& ca_key, const std::string& ca_cert,
                      const std::string& subject, const std::string& extensions) {
  const std::string key = absl::StrCat(dir, "/", name, ".key");
  const std::string csr = absl::StrCat(dir, "/", name, ".csr");
  const std::string ext = absl::StrCat(dir, "/", name, ".ext");
  std::ofstream(ext) << extensions;
  absl::Status s = OpenSsl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", key, "-out", csr, "-subj", subject});
  if (!s.ok()) return s;
  return OpenSsl({"x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
                  "-CAcreateserial", "-out", absl::StrCat(dir, "/", name, ".pem"), "-days",
                  "2", "-extfile", ext});
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir,
                                    absl::string_view client_organisation) {
  TestPki pki;
  pki.ca_cert = dir + "/ca.pem";
  const std::string ca_key = dir + "/ca.key";
  absl::Status s = MakeCa(ca_key, pki.ca_cert, "caregate test CA");
  if (s.ok()) {
    s = MakeLeaf(dir, "server", ca_key, pki.ca_cert, "/CN=localhost",
                 "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                 "extendedKeyUsage=serverAuth\n");
  }
  if (s.ok()) {
    s = MakeLeaf(dir, "client", ca_key, pki.ca_cert,
                 absl::StrCat("/CN=caregate test client/O=", client_organisation),
                 "extendedKeyUsage=clientAuth\n");
  }
  const std::string rogue_key = dir + "/rogue-ca.key";
  const std::string rogue_ca = dir + "/rogue-ca.pem";
  if (s.ok()) s = MakeCa(rogue_key, rogue_ca, "untrusted CA");
  if (s.ok()) {
    s = MakeLeaf(dir, "rogue-client", rogue_key, rogue_ca,
                 absl::StrCat("/CN=rogue client/O=", client_organisation),
                 "extendedKeyUsage=clientAuth\n");
  }
  if (!s.ok()) return s;
  pki.server_cert = dir + "/server.pem";
  pki.server_key = dir + "/server.key";
  pki.client_cert = dir + "/client.pem";
  pki.client_key = dir + "/client.key";
  pki.rogue_client_cert = dir + "/rogue-client.pem";
  pki.rogue_client_key = dir + "/rogue-client.key";
  return pki;
}

}  // namespace caregate::testing
