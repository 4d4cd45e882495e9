#ifndef CAREGATE_GATEWAY_CONFIG_YAML_PROTO_H_
#define CAREGATE_GATEWAY_CONFIG_YAML_PROTO_H_

#include "absl/strings/string_view.h"
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace caregate::gateway {

// Fills `message` from YAML text written by a person, following the
// message's schema: keys are the proto field names, repeated fields are
// sequences, google.protobuf.Duration fields take "5s" / "250ms" / "1m30s",
// enums take their value names. Unknown keys, wrong shapes, out-of-range
// numbers and two members of one oneof are errors of the form
//   "adapters.gp.gpconnect.timeout (line 12): must be a duration such as 5s"
// naming the field path, the line and the rule.
absl::Status YamlToProto(absl::string_view yaml, google::protobuf::Message* message);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_CONFIG_YAML_PROTO_H_
