#ifndef CAREGATE_GATEWAY_SERVER_H_
#define CAREGATE_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/gp_record_source.h"
#include "adapters/social_care_source.h"
#include "consent/audit/sql_audit_log.h"
#include "consent/consent.h"
#include "gateway/audit_service.h"
#include "gateway/config/config.h"
#include "gateway/consent_service.h"
#include "gateway/metrics.h"
#include "gateway/record_flow.h"
#include "gateway/record_service.h"
#include "gateway/thread_pool.h"
#include "grpcpp/server.h"

namespace caregate::gateway {

// The running caregate: every component built from one validated
// configuration, and the gRPC server that offers RecordService,
// ConsentService, AuditService, the standard grpc.health.v1 health service and
// server reflection on one port, with TLS or mutual TLS from the configured
// files (plaintext only on loopback, which ValidateConfig enforces), plus the
// Prometheus endpoint when configured.
class CaregateServer {
 public:
  struct Options {
    // The embedded demo: on first start, generate the synthetic demo data
    // (GP bundles and the council store) and the demo issuer's keys under
    // data_dir.
    bool demo = false;
  };

  static absl::StatusOr<std::unique_ptr<CaregateServer>> Start(const CaregateConfig& config,
                                                               const Options& options);

  ~CaregateServer();

  // The port actually bound (useful when the configuration asked for 0).
  int port() const { return port_; }
  // host:port as clients should dial it.
  const std::string& address() const { return address_; }
  // The metrics port, 0 when metrics are not served.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // Stops accepting calls, gives in-flight calls `grace` to finish, then
  // cancels the rest. Health answers NOT_SERVING from the start of shutdown.
  void Shutdown(absl::Duration grace);

 private:
  CaregateServer() = default;
  absl::Status Build(const CaregateConfig& config, const Options& options);

  // Declared in construction order; destroyed in reverse, so nothing outlives
  // what it uses.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<consent::audit::SqlAuditLog> audit_log_;
  consent::ConsentParts consent_;
  std::unique_ptr<adapters::GpRecordSource> gp_;
  std::unique_ptr<adapters::SocialCareSource> social_care_;
  std::unique_ptr<ThreadPool> source_pool_;
  std::unique_ptr<ThreadPool> request_pool_;
  std::unique_ptr<ThreadPool> service_pool_;
  std::unique_ptr<RecordFlow> flow_;
  std::unique_ptr<RecordServiceImpl> record_service_;
  std::unique_ptr<ConsentServiceImpl> consent_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
};

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_SERVER_H_
