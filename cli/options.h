#ifndef CAREGATE_CLI_OPTIONS_H_
#define CAREGATE_CLI_OPTIONS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace caregate::cli {

// Command-line arguments after the subcommand name: "--name value",
// "--name=value" and bare "--flag" options, plus positional words.
class Args {
 public:
  // `flags` lists the options that take no value (e.g. "json").
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& flags);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // Fails with "--name is required" when absent.
  absl::StatusOr<std::string> Require(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // Fails naming the first option not in `known`.
  absl::Status OnlyKnown(const std::vector<std::string>& known) const;

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// How caregatectl reaches a caregate server: given before the subcommand.
struct ConnectionOptions {
  std::string address = "127.0.0.1:7443";
  // PEM files. With ca_file, the connection uses TLS; with cert and key too,
  // mutual TLS.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Bearer token, or a file holding it (the CAREGATE_TOKEN environment
  // variable is used when neither is given).
  std::string token;
  std::string token_file;
  // Deadline for each call.
  int timeout_ms = 10000;
  // Print proto3 JSON instead of human-readable text.
  bool json = false;

  std::shared_ptr<grpc::Channel> Channel() const;
  // A context with the deadline and the authorization metadata set.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Context() const;
};

}  // namespace caregate::cli

#endif  // CAREGATE_CLI_OPTIONS_H_
