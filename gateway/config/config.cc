#include "gateway/config/config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "gateway/config/demo_config_yaml.h"
#include "gateway/config/yaml_proto.h"
#include "google/protobuf/util/time_util.h"

namespace caregate::gateway {
namespace {

namespace cfg = ::caregate::config::v1;
using google::protobuf::Duration;
using google::protobuf::util::TimeUtil;

absl::Status Rule(absl::string_view path, absl::string_view rule) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidConfig,
                                           absl::StrCat(path, ": ", rule));
}

void DefaultDuration(Duration* d, int64_t seconds) {
  if (d->seconds() == 0 && d->nanos() == 0) *d = TimeUtil::SecondsToDuration(seconds);
}

bool Positive(const Duration& d) {
  return d.seconds() > 0 || (d.seconds() == 0 && d.nanos() > 0);
}

void DefaultStore(cfg::StoreConfig* store) {
  if (store->has_postgres() && store->postgres().pool_size() == 0) {
    store->mutable_postgres()->set_pool_size(8);
  }
}

absl::Status ValidateStore(const cfg::StoreConfig& store, absl::string_view path) {
  switch (store.engine_case()) {
    case cfg::StoreConfig::kSqlite:
      if (store.sqlite().path().empty()) {
        return Rule(absl::StrCat(path, ".sqlite.path"), "is required");
      }
      return absl::OkStatus();
    case cfg::StoreConfig::kPostgres:
      if (store.postgres().conninfo().empty()) {
        return Rule(absl::StrCat(path, ".postgres.conninfo"), "is required");
      }
      if (store.postgres().pool_size() < 1 || store.postgres().pool_size() > 256) {
        return Rule(absl::StrCat(path, ".postgres.pool_size"),
                    "must be between 1 and 256");
      }
      return absl::OkStatus();
    case cfg::StoreConfig::ENGINE_NOT_SET:
      break;
  }
  return Rule(path, "one of sqlite or postgres is required");
}

absl::Status ValidateServer(const cfg::ServerConfig& server) {
  std::string host;
  int port = 0;
  absl::Status s = SplitHostPort(server.listen_address(), "server.listen_address",
                                 &host, &port);
  if (!s.ok()) return s;
  const auto& tls = server.tls();
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return Rule("server.tls", "cert_file and key_file must be set together");
  }
  if (!tls.client_ca_file().empty() && tls.cert_file().empty()) {
    return Rule("server.tls.client_ca_file",
                "mutual TLS needs server.tls.cert_file and key_file too");
  }
  if (tls.cert_file().empty() && !IsLoopbackHost(host)) {
    return Rule("server.listen_address",
                "plaintext is allowed only on a loopback address; set server.tls "
                "to listen elsewhere");
  }
  if (!server.metrics_address().empty()) {
    s = SplitHostPort(server.metrics_address(), "server.metrics_address", &host,
                      &port);
    if (!s.ok()) return s;
  }
  if (!Positive(server.max_deadline())) {
    return Rule("server.max_deadline", "must be > 0");
  }
  if (server.shutdown_grace().seconds() < 0 || server.shutdown_grace().nanos() < 0) {
    return Rule("server.shutdown_grace", "must not be negative");
  }
  return absl::OkStatus();
}

absl::Status ValidateAdapters(const cfg::AdaptersConfig& adapters) {
  const auto& gp = adapters.gp();
  switch (gp.kind_case()) {
    case cfg::GpSourceConfig::kGpconnect: {
      const auto& c = gp.gpconnect();
      const std::string p = "adapters.gp.gpconnect";
      if (!absl::StartsWith(c.service_root(), "https://")) {
        return Rule(p + ".service_root", "must start with https://");
      }
      if (absl::EndsWith(c.service_root(), "/")) {
        return Rule(p + ".service_root", "must not end with /");
      }
      if (c.from_asid().empty()) return Rule(p + ".from_asid", "is required");
      if (c.to_asid().empty()) return Rule(p + ".to_asid", "is required");
      if (c.client_cert_file().empty()) {
        return Rule(p + ".client_cert_file", "is required (mutual TLS)");
      }
      if (c.client_key_file().empty()) {
        return Rule(p + ".client_key_file", "is required (mutual TLS)");
      }
      if (c.ca_file().empty()) return Rule(p + ".ca_file", "is required");
      if (!Positive(c.timeout())) return Rule(p + ".timeout", "must be > 0");
      if (c.max_response_bytes() < 1024) {
        return Rule(p + ".max_response_bytes", "must be at least 1024");
      }
      if (c.requesting_organisation_ods().empty()) {
        return Rule(p + ".requesting_organisation_ods", "is required");
      }
      break;
    }
    case cfg::GpSourceConfig::kBundleDir:
      if (gp.bundle_dir().directory().empty()) {
        return Rule("adapters.gp.bundle_dir.directory", "is required");
      }
      if (gp.bundle_dir().max_bundle_bytes() < 1024) {
        return Rule("adapters.gp.bundle_dir.max_bundle_bytes",
                    "must be at least 1024");
      }
      break;
    case cfg::GpSourceConfig::KIND_NOT_SET:
      return Rule("adapters.gp", "one of gpconnect or bundle_dir is required");
  }
  const auto& sc = adapters.social_care();
  if (sc.kind_case() == cfg::SocialCareSourceConfig::KIND_NOT_SET) {
    return Rule("adapters.social_care", "council_sql is required");
  }
  return ValidateStore(sc.council_sql().store(),
                       "adapters.social_care.council_sql.store");
}

constexpr absl::string_view kRoles[] = {"gp", "social_worker", "int_member",
                                       "privacy_officer", "consent_administrator"};

absl::Status ValidateConsent(const cfg::ConsentConfig& consent) {
  absl::Status s = ValidateStore(consent.store(), "consent.store");
  if (!s.ok()) return s;
  if (consent.trusted_issuers().empty()) {
    return Rule("consent.trusted_issuers", "at least one issuer is required");
  }
  for (int i = 0; i < consent.trusted_issuers_size(); ++i) {
    const auto& issuer = consent.trusted_issuers(i);
    const std::string p = absl::StrCat("consent.trusted_issuers[", i, "]");
    if (issuer.issuer().empty()) return Rule(p + ".issuer", "is required");
    if (issuer.key_id().empty()) return Rule(p + ".key_id", "is required");
    if (issuer.public_key_file().empty()) {
      return Rule(p + ".public_key_file", "is required");
    }
  }
  if (consent.audience().empty()) return Rule("consent.audience", "is required");
  if (consent.clock_skew().seconds() < 0 || consent.clock_skew().seconds() > 300) {
    return Rule("consent.clock_skew", "must be between 0s and 5m");
  }
  if (!Positive(consent.max_token_lifetime())) {
    return Rule("consent.max_token_lifetime", "must be > 0");
  }
  for (int i = 0; i < consent.role_mappings_size(); ++i) {
    const auto& m = consent.role_mappings(i);
    const std::string p = absl::StrCat("consent.role_mappings[", i, "]");
    if (m.rbac_role().empty()) return Rule(p + ".rbac_role", "is required");
    bool known = false;
    for (auto r : kRoles) known = known || m.role() == r;
    if (!known) {
      return Rule(p + ".role", absl::StrCat("must be one of ",
                                            absl::StrJoin(kRoles, ", ")));
    }
  }
  for (int i = 0; i < consent.neighbourhoods_size(); ++i) {
    const auto& n = consent.neighbourhoods(i);
    const std::string p = absl::StrCat("consent.neighbourhoods[", i, "]");
    if (n.organisation().empty()) return Rule(p + ".organisation", "is required");
    if (n.practice_codes().empty()) {
      return Rule(p + ".practice_codes", "at least one practice is required");
    }
  }
  for (int i = 0; i < consent.sensitive_code_sets_size(); ++i) {
    const auto& set = consent.sensitive_code_sets(i);
    const std::string p = absl::StrCat("consent.sensitive_code_sets[", i, "]");
    if (set.system().empty()) return Rule(p + ".system", "is required");
    if (set.codes().empty()) return Rule(p + ".codes", "at least one code is required");
  }
  if (consent.emergency_limit() < 1) {
    return Rule("consent.emergency_limit", "must be at least 1");
  }
  if (!Positive(consent.emergency_window())) {
    return Rule("consent.emergency_window", "must be > 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateAudit(const cfg::AuditConfig& audit) {
  absl::Status s = ValidateStore(audit.store(), "audit.store");
  if (!s.ok()) return s;
  if (audit.signing_key_file().empty()) {
    return Rule("audit.signing_key_file", "is required");
  }
  if (audit.max_batch() < 1 || audit.max_batch() > 10000) {
    return Rule("audit.max_batch", "must be between 1 and 10000");
  }
  if (audit.max_batch_delay().seconds() < 0 || audit.max_batch_delay().seconds() > 1) {
    return Rule("audit.max_batch_delay", "must be between 0s and 1s");
  }
  return absl::OkStatus();
}

}  // namespace

const std::string& EmbeddedDemoConfigYaml() {
  static const std::string* const yaml = new std::string(kDemoConfigYaml);
  return *yaml;
}

void ApplyDefaults(CaregateConfig* config) {
  auto* server = config->mutable_server();
  if (server->listen_address().empty()) server->set_listen_address("127.0.0.1:7443");
  DefaultDuration(server->mutable_max_deadline(), 10);
  DefaultDuration(server->mutable_shutdown_grace(), 5);
  if (config->data_dir().empty()) config->set_data_dir("./caregate-data");

  auto* gp = config->mutable_adapters()->mutable_gp();
  if (gp->has_gpconnect()) {
    DefaultDuration(gp->mutable_gpconnect()->mutable_timeout(), 10);
    if (gp->gpconnect().max_response_bytes() == 0) {
      gp->mutable_gpconnect()->set_max_response_bytes(16u << 20);
    }
  }
  if (gp->has_bundle_dir()) {
    if (gp->bundle_dir().index_file().empty()) {
      gp->mutable_bundle_dir()->set_index_file("index.json");
    }
    if (gp->bundle_dir().max_bundle_bytes() == 0) {
      gp->mutable_bundle_dir()->set_max_bundle_bytes(16u << 20);
    }
  }
  auto* sc = config->mutable_adapters()->mutable_social_care();
  if (sc->has_council_sql()) DefaultStore(sc->mutable_council_sql()->mutable_store());

  auto* consent = config->mutable_consent();
  DefaultStore(consent->mutable_store());
  if (consent->audience().empty()) consent->set_audience("caregate");
  if (!consent->has_clock_skew()) {
    *consent->mutable_clock_skew() = TimeUtil::SecondsToDuration(30);
  }
  DefaultDuration(consent->mutable_max_token_lifetime(), 3600);
  if (consent->emergency_limit() == 0) consent->set_emergency_limit(5);
  DefaultDuration(consent->mutable_emergency_window(), 24 * 3600);

  auto* audit = config->mutable_audit();
  DefaultStore(audit->mutable_store());
  if (audit->max_batch() == 0) audit->set_max_batch(256);

  auto* logging = config->mutable_logging();
  if (logging->level().empty()) logging->set_level("info");
  if (logging->format().empty()) logging->set_format("json");
}

absl::Status ValidateConfig(const CaregateConfig& config) {
  absl::Status s = ValidateServer(config.server());
  if (s.ok()) s = ValidateAdapters(config.adapters());
  if (s.ok()) s = ValidateConsent(config.consent());
  if (s.ok()) s = ValidateAudit(config.audit());
  if (!s.ok()) return s;
  const std::string& level = config.logging().level();
  if (level != "debug" && level != "info" && level != "warning" && level != "error") {
    return Rule("logging.level", "must be one of debug, info, warning, error");
  }
  if (config.logging().format() != "json" && config.logging().format() != "text") {
    return Rule("logging.format", "must be json or text");
  }
  return absl::OkStatus();
}

absl::StatusOr<CaregateConfig> ParseConfig(absl::string_view yaml) {
  CaregateConfig config;
  absl::Status s = YamlToProto(yaml, &config);
  if (!s.ok()) return s;
  ApplyDefaults(&config);
  s = ValidateConfig(config);
  if (!s.ok()) return s;
  return config;
}

absl::StatusOr<CaregateConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidConfig,
        absl::StrCat("--config: cannot read file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str());
}

std::string ResolvePath(const CaregateConfig& config, absl::string_view path) {
  if (path.empty() || path.front() == '/') return std::string(path);
  return absl::StrCat(config.data_dir(), "/", path);
}

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::Status SplitHostPort(absl::string_view address, absl::string_view field,
                           std::string* host, int* port) {
  absl::string_view h, p;
  if (absl::StartsWith(address, "[")) {
    size_t close = address.find("]:");
    if (close == absl::string_view::npos) {
      return Rule(field, "must be host:port or [ipv6]:port");
    }
    h = address.substr(1, close - 1);
    p = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return Rule(field, "must be host:port");
    }
    h = address.substr(0, colon);
    p = address.substr(colon + 1);
  }
  int n;
  if (!absl::SimpleAtoi(p, &n) || n < 0 || n > 65535) {
    return Rule(field, "port must be a number from 0 to 65535");
  }
  *host = std::string(h);
  *port = n;
  return absl::OkStatus();
}

}  // namespace caregate::gateway
