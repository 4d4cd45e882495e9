#include "adapters/gp_source_factory.h"

#include "adapters/bundle_dir/bundle_dir_source.h"
#include "adapters/gpconnect/gpconnect_source.h"
#include "common/status.h"
#include "gateway/config/config.h"

namespace caregate::adapters {

namespace cfg = ::caregate::config::v1;

absl::StatusOr<std::unique_ptr<GpRecordSource>> CreateGpRecordSource(
    const cfg::GpSourceConfig& source, const cfg::CaregateConfig& config,
    const common::Clock* clock) {
  switch (source.kind_case()) {
    case cfg::GpSourceConfig::kGpconnect: {
      cfg::GpConnectConfig c = source.gpconnect();
      c.set_client_cert_file(gateway::ResolvePath(config, c.client_cert_file()));
      c.set_client_key_file(gateway::ResolvePath(config, c.client_key_file()));
      c.set_ca_file(gateway::ResolvePath(config, c.ca_file()));
      auto created = gpconnect::GpConnectSource::Create(c, clock);
      if (!created.ok()) return created.status();
      return std::unique_ptr<GpRecordSource>(std::move(*created));
    }
    case cfg::GpSourceConfig::kBundleDir: {
      cfg::BundleDirConfig c = source.bundle_dir();
      c.set_directory(gateway::ResolvePath(config, c.directory()));
      auto created = bundle_dir::BundleDirSource::Create(c, clock);
      if (!created.ok()) return created.status();
      return std::unique_ptr<GpRecordSource>(std::move(*created));
    }
    case cfg::GpSourceConfig::KIND_NOT_SET:
      break;
  }
  return common::InvalidArgumentWithReason(
      common::kReasonInvalidConfig, "adapters.gp: one of gpconnect or bundle_dir is required");
}

}  // namespace caregate::adapters
