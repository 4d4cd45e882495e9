// libFuzzer target for the structured-record parser and mapper. Built only in
// the fuzz build (-DCAREGATE_FUZZ=ON with clang++, see deploy/test.sh); the
// seed corpus is the public fixtures. Any input must give a summary or an
// INVALID_BUNDLE error, never a crash, and errors never echo the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "adapters/gpconnect/structured_record.h"
#include "common/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view json(reinterpret_cast<const char*>(data), size);
  caregate::adapters::gpconnect::ParseOptions options;
  options.max_bytes = 4 << 20;
  options.now = absl::FromUnixSeconds(1700000000);
  for (bool strict : {false, true}) {
    options.strict_references = strict;
    auto summary = caregate::adapters::gpconnect::ParseStructuredRecord(json, options);
    if (!summary.ok()) {
      if (summary.status().code() != absl::StatusCode::kInvalidArgument ||
          caregate::common::ErrorReason(summary.status()) !=
              caregate::common::kReasonInvalidBundle) {
        abort();
      }
    } else {
      // Serialising touches every mapped string (catches bad UTF-8 handling
      // only as a crash, not as a failure: proto3 strings are checked on
      // parse, not here).
      std::string bytes;
      (void)summary->SerializeToString(&bytes);
    }
  }
  return 0;
}
