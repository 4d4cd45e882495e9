#include "gateway/server.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace caregate::gateway {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidConfig, absl::StrCat(field, ": cannot read file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const CaregateConfig& config) {
  const auto& tls = config.server().tls();
  if (tls.cert_file().empty()) return grpc::InsecureServerCredentials();
  auto cert = ReadPem(ResolvePath(config, tls.cert_file()), "server.tls.cert_file");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(ResolvePath(config, tls.key_file()), "server.tls.key_file");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file().empty()) {
    auto ca = ReadPem(ResolvePath(config, tls.client_ca_file()),
                      "server.tls.client_ca_file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<CaregateServer>> CaregateServer::Start(
    const CaregateConfig& config) {
  auto credentials = Credentials(config);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<CaregateServer> server(new CaregateServer());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.server().listen_address(), *credentials,
                           &server->port_);
  builder.RegisterService(&server->record_service_);
  builder.RegisterService(&server->consent_service_);
  builder.RegisterService(&server->audit_service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "server.listen_address: cannot listen on ",
        config.server().listen_address(), " (in use, or not a local address)"));
  }
  std::string host;
  int unused_port;
  // Validated already; cannot fail here.
  (void)SplitHostPort(config.server().listen_address(), "server.listen_address",
                      &host, &unused_port);
  server->address_ = host.find(':') != std::string::npos
                         ? absl::StrCat("[", host, "]:", server->port_)
                         : absl::StrCat(host, ":", server->port_);
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

void CaregateServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  server_.reset();
}

CaregateServer::~CaregateServer() { Shutdown(absl::ZeroDuration()); }

}  // namespace caregate::gateway
