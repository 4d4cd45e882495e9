#ifndef CAREGATE_GATEWAY_CONFIG_CONFIG_H_
#define CAREGATE_GATEWAY_CONFIG_CONFIG_H_

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "caregate/config/v1/config.pb.h"

namespace caregate::gateway {

using CaregateConfig = ::caregate::config::v1::CaregateConfig;

// The embedded demo configuration (deploy/demo.yaml, compiled in), with
// defaults applied. caregate runs on it when started without --config.
const std::string& EmbeddedDemoConfigYaml();

// Parses YAML into a configuration, applies the documented defaults and
// validates it. Errors name the field path and the rule, e.g.
//   "adapters.gp.gpconnect.timeout: must be > 0".
absl::StatusOr<CaregateConfig> ParseConfig(absl::string_view yaml);

// Reads and parses a configuration file.
absl::StatusOr<CaregateConfig> LoadConfigFile(const std::string& path);

// Fills every unset field that has a documented default.
void ApplyDefaults(CaregateConfig* config);

// Checks every rule the proto comments state. Returns the first broken rule.
absl::Status ValidateConfig(const CaregateConfig& config);

// Resolves a path from the configuration: absolute paths stay, relative paths
// are taken under data_dir.
std::string ResolvePath(const CaregateConfig& config, absl::string_view path);

// True when `host` (from a host:port address) is a loopback address.
bool IsLoopbackHost(absl::string_view host);

// Splits "host:port" or "[v6]:port". Fails with a message naming `field`.
absl::Status SplitHostPort(absl::string_view address, absl::string_view field,
                           std::string* host, int* port);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_CONFIG_CONFIG_H_
