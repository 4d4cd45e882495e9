#include "gateway/server.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/council_sql/council_sql_source.h"
#include "adapters/demo_data/demo_data.h"
#include "adapters/gp_source_factory.h"
#include "common/log.h"
#include "common/sql/database.h"
#include "common/status.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace caregate::gateway {
namespace {

// Threads for request flows, source calls and the consent service. Source
// calls block on I/O (HTTPS, SQL), so there are more of them than cores.
constexpr int kRequestThreads = 32;
constexpr int kSourceThreads = 64;
constexpr int kServiceThreads = 8;

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
    auto ca = ReadPem(ResolvePath(config, tls.client_ca_file()), "server.tls.client_ca_file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// The embedded demo's data: synthetic people written once under data_dir
// (GP bundles where the bundle directory expects them, the council files
// imported into the council store). Deterministic, so a restart or a second
// machine gets the same people.
absl::Status EnsureDemoData(const CaregateConfig& config) {
  const std::string demo_dir = ResolvePath(config, "demo");
  const std::string marker = demo_dir + "/.complete";
  if (std::filesystem::exists(marker)) return absl::OkStatus();
  common::LogInfo("demo_data_generating", {{"directory", demo_dir}});
  adapters::demo_data::DemoDataOptions options;
  options.people = 200;
  options.seed = 1;
  options.council_code = config.adapters().social_care().council_sql().council_ods_code();
  absl::Status s = adapters::demo_data::WriteDemoData(options, demo_dir);
  if (!s.ok()) return s;
  const auto& council = config.adapters().social_care().council_sql();
  auto opened = common::sql::Database::Open(council.store(), config.data_dir(),
                                            "adapters.social_care.council_sql.store");
  if (!opened.ok()) return opened.status();
  std::shared_ptr<common::sql::Database> db = *std::move(opened);
  // Creating the source over the open store creates the schema the import
  // fills.
  auto source =
      adapters::council_sql::CouncilSqlSource::Create(council, db, common::Clock::Real());
  if (!source.ok()) return source.status();
  auto imported =
      adapters::demo_data::ImportDemoData(demo_dir, *db, absl::Now() + absl::Minutes(5));
  if (!imported.ok()) return imported.status();
  std::ofstream(marker) << "generated\n";
  return absl::OkStatus();
}

// The views whose every store is embedded in this process: the consent
// ledger and the council store on SQLite, and the GP record from the bundle
// directory. Nothing they do waits on the network, so they run on gRPC's own
// threads (RecordServiceImpl).
std::set<consent::View> EmbeddedViews(const CaregateConfig& config) {
  const bool ledger = config.consent().store().has_sqlite();
  const bool council = config.adapters().social_care().council_sql().store().has_sqlite();
  const bool gp = config.adapters().gp().has_bundle_dir();
  std::set<consent::View> views;
  if (ledger && council) views.insert(consent::View::kSocialCareSummary);
  if (ledger && council && gp) {
    views.insert(consent::View::kGpSummary);
    views.insert(consent::View::kCombinedProfile);
  }
  return views;
}

// The emergency accesses of the last emergency_memory(), from the audit log,
// into the consent module: a restart neither frees a token that broke the
// glass nor gives a user their emergency allowance back.
absl::Status RestoreEmergencyAccesses(const consent::audit::SqlAuditLog& audit_log,
                                      consent::ConsentModule* policy,
                                      const common::Clock* clock) {
  const absl::Time now = clock->Now();
  auto accesses =
      audit_log.EmergencyAccessesSince(now - policy->emergency_memory(), now + absl::Seconds(30));
  if (!accesses.ok()) {
    return absl::Status(accesses.status().code(),
                        absl::StrCat("audit.store: cannot read the recent emergency accesses (",
                                     accesses.status().message(), ")"));
  }
  policy->RememberEmergencyAccesses(*accesses);
  return absl::OkStatus();
}

}  // namespace

absl::Status CaregateServer::Build(const CaregateConfig& config, const Options& options) {
  const common::Clock* clock = common::Clock::Real();
  std::error_code ignored;
  std::filesystem::create_directories(config.data_dir(), ignored);

  auto metrics = Metrics::Create(config.server().metrics_address());
  if (!metrics.ok()) return metrics.status();
  metrics_ = *std::move(metrics);

  if (options.demo) {
    absl::Status s = EnsureDemoData(config);
    if (!s.ok()) return s;
  }

  auto audit_log = consent::audit::SqlAuditLog::Create(config.audit(), config.data_dir(), clock);
  if (!audit_log.ok()) return audit_log.status();
  audit_log_ = *std::move(audit_log);

  // The authenticator, the ledger, the policy and the sensitive filter (and,
  // for a demo configuration, the demo issuer's keys).
  auto consent = consent::OpenConsent(config.consent(), config.data_dir(), clock);
  if (!consent.ok()) return consent.status();
  consent_ = *std::move(consent);
  if (absl::Status s = RestoreEmergencyAccesses(*audit_log_, consent_.policy.get(), clock);
      !s.ok()) {
    return s;
  }

  auto gp = adapters::CreateGpRecordSource(config.adapters().gp(), config, clock);
  if (!gp.ok()) return gp.status();
  gp_ = *std::move(gp);

  auto social_care =
      adapters::CreateSocialCareSource(config.adapters().social_care(), config, clock);
  if (!social_care.ok()) return social_care.status();
  social_care_ = *std::move(social_care);

  source_pool_ = std::make_unique<ThreadPool>(kSourceThreads);
  request_pool_ = std::make_unique<ThreadPool>(kRequestThreads);
  service_pool_ = std::make_unique<ThreadPool>(kServiceThreads);

  FlowDependencies deps;
  deps.authenticator = consent_.authenticator.get();
  deps.consent = consent_.policy.get();
  deps.sensitive = consent_.sensitive.get();
  deps.audit = audit_log_.get();
  deps.gp = gp_.get();
  deps.social_care = social_care_.get();
  deps.metrics = metrics_.get();
  deps.clock = clock;
  deps.source_pool = source_pool_.get();
  deps.max_deadline = absl::Seconds(config.server().max_deadline().seconds()) +
                      absl::Nanoseconds(config.server().max_deadline().nanos());
  flow_ = std::make_unique<RecordFlow>(deps);
  record_service_ = std::make_unique<RecordServiceImpl>(flow_.get(), request_pool_.get(),
                                                        metrics_.get(), EmbeddedViews(config));
  consent_service_ = std::make_unique<ConsentServiceImpl>(
      consent_.ledger.get(), consent_.authenticator.get(), audit_log_.get(), clock,
      service_pool_.get(),
      deps.max_deadline);
  audit_service_ = std::make_unique<AuditServiceImpl>(audit_log_.get(),
                                                      consent_.authenticator.get());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CaregateServer>> CaregateServer::Start(
    const CaregateConfig& config, const Options& options) {
  auto credentials = Credentials(config);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<CaregateServer> server(new CaregateServer());
  absl::Status built = server->Build(config, options);
  if (!built.ok()) return built;

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.server().listen_address(), *credentials, &server->port_);
  builder.RegisterService(server->record_service_.get());
  builder.RegisterService(server->consent_service_.get());
  builder.RegisterService(server->audit_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "server.listen_address: cannot listen on ", config.server().listen_address(),
        " (in use, or not a local address)"));
  }
  std::string host;
  int unused_port;
  // Validated already; cannot fail here.
  (void)SplitHostPort(config.server().listen_address(), "server.listen_address", &host,
                      &unused_port);
  server->address_ = host.find(':') != std::string::npos
                         ? absl::StrCat("[", host, "]:", server->port_)
                         : absl::StrCat(host, ":", server->port_);
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

void CaregateServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
  server_.reset();
}

CaregateServer::~CaregateServer() { Shutdown(absl::ZeroDuration()); }

}  // namespace caregate::gateway
