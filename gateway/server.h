#ifndef CAREGATE_GATEWAY_SERVER_H_
#define CAREGATE_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caregate/v1/audit.grpc.pb.h"
#include "caregate/v1/consent.grpc.pb.h"
#include "gateway/config/config.h"
#include "gateway/record_service.h"
#include "grpcpp/server.h"

namespace caregate::gateway {

// The running caregate gRPC server: RecordService, ConsentService,
// AuditService, the standard grpc.health.v1 health service and server
// reflection, on one port, with TLS or mutual TLS from the configured files
// (plaintext only on loopback, which ValidateConfig enforces).
class CaregateServer {
 public:
  // Builds and starts the server from a validated configuration.
  static absl::StatusOr<std::unique_ptr<CaregateServer>> Start(
      const CaregateConfig& config);

  ~CaregateServer();

  // The port actually bound (useful when the configuration asked for 0).
  int port() const { return port_; }
  // host:port as clients should dial it.
  const std::string& address() const { return address_; }

  // Stops accepting calls, gives in-flight calls `grace` to finish, then
  // cancels the rest. Health answers NOT_SERVING from the start of shutdown.
  void Shutdown(absl::Duration grace);

 private:
  CaregateServer() = default;

  RecordServiceImpl record_service_;
  // Implemented by later components; until then every method answers
  // UNIMPLEMENTED (the generated CallbackService default).
  caregate::v1::ConsentService::CallbackService consent_service_;
  caregate::v1::AuditService::CallbackService audit_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_SERVER_H_
