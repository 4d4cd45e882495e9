#ifndef CAREGATE_ADAPTERS_GP_SOURCE_FACTORY_H_
#define CAREGATE_ADAPTERS_GP_SOURCE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/gp_record_source.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"

namespace caregate::adapters {

// Builds the GP source the configuration chooses (the GpSourceConfig oneof):
// GP Connect over HTTPS or a directory of bundles. Relative file paths in the
// chosen config (directory, PEM files) are resolved against `config.data_dir`
// with gateway::ResolvePath. Fails with INVALID_ARGUMENT (INVALID_CONFIG)
// naming the field when the oneof is unset or the source refuses its config.
absl::StatusOr<std::unique_ptr<GpRecordSource>> CreateGpRecordSource(
    const caregate::config::v1::GpSourceConfig& source,
    const caregate::config::v1::CaregateConfig& config,
    const common::Clock* clock = common::Clock::Real());

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_GP_SOURCE_FACTORY_H_
