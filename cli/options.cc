#include "cli/options.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace caregate::cli {
namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::string_view a = argv[i];
    if (!absl::ConsumePrefix(&a, "--")) {
      args.positional_.push_back(argv[i]);
      continue;
    }
    std::string name(a), value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      value = "true";
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    }
    args.values_[name] = value;
  }
  return args;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

absl::StatusOr<std::string> Args::Require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  }
  return it->second;
}

absl::Status Args::OnlyKnown(const std::vector<std::string>& known) const {
  for (const auto& [name, value] : values_) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option --", name));
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> ConnectionOptions::Channel() const {
  if (ca_file.empty()) {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(ca_file);
  if (!cert_file.empty()) {
    ssl.pem_cert_chain = ReadFileOrEmpty(cert_file);
    ssl.pem_private_key = ReadFileOrEmpty(key_file);
  }
  return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> ConnectionOptions::Context()
    const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(timeout_ms));
  std::string bearer = token;
  if (bearer.empty() && !token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-file: cannot read ", token_file));
    }
    std::getline(in, bearer);
  }
  if (bearer.empty()) {
    if (const char* env = std::getenv("CAREGATE_TOKEN")) bearer = env;
  }
  if (!bearer.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
  }
  return context;
}

}  // namespace caregate::cli
