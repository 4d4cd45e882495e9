// libFuzzer target for the structured-record parser and mapper. Built only in
// the fuzz build (-DCAREGATE_FUZZ=ON with clang++, see deploy/test.sh); the
// seed corpus is the public fixtures. Any input must give a summary or an
// INVALID_BUNDLE error, never a crash, and errors never echo the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "adapters/gpconnect/structured_record.h"
#include "common/status.h"
#include "google/protobuf/arena.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view json(reinterpret_cast<const char*>(data), size);
  caregate::adapters::gpconnect::ParseOptions options;
  options.max_bytes = 4 << 20;
  options.now = absl::FromUnixSeconds(1700000000);
  // Every refusal is INVALID_BUNDLE; an accepted bundle serialises (which
  // touches every mapped string: bad UTF-8 handling shows only as a crash, not
  // as a failure, since proto3 strings are checked on parse, not here).
  auto check = [](const absl::StatusOr<caregate::v1::GpSummary>& summary) {
    if (!summary.ok()) {
      if (summary.status().code() != absl::StatusCode::kInvalidArgument ||
          caregate::common::ErrorReason(summary.status()) !=
              caregate::common::kReasonInvalidBundle) {
        abort();
      }
    } else {
      std::string bytes;
      (void)summary->SerializeToString(&bytes);
    }
  };
  auto copied = caregate::adapters::gpconnect::ParseStructuredRecord(json, options);  // lenient
  check(copied);
  caregate::adapters::gpconnect::ParseOptions strict = options;
  strict.strict_references = true;
  check(caregate::adapters::gpconnect::ParseStructuredRecord(json, strict));
  // In place, as the sources parse (the input followed by exactly
  // kInputPadding readable bytes, in a heap buffer of that size so ASan flags
  // any read past them), into a message on an arena: the same outcome as the
  // copied input.
  constexpr size_t kPadding = caregate::adapters::gpconnect::kInputPadding;
  std::unique_ptr<char[]> padded(new char[size + kPadding]);
  std::memcpy(padded.get(), data, size);
  std::memset(padded.get() + size, ' ', kPadding);
  caregate::adapters::gpconnect::ParseOptions in_place_options = options;
  in_place_options.readable_padding = caregate::adapters::gpconnect::kInputPadding;
  google::protobuf::Arena arena;
  auto* in_place = google::protobuf::Arena::CreateMessage<caregate::v1::GpSummary>(&arena);
  absl::Status status = caregate::adapters::gpconnect::ParseStructuredRecordInto(
      absl::string_view(padded.get(), size), in_place_options, in_place);
  if (status.ok() != copied.ok()) abort();
  if (status.ok() && in_place->SerializeAsString() != copied->SerializeAsString()) abort();
  if (!status.ok() && in_place->ByteSizeLong() != 0) abort();
  return 0;
}
