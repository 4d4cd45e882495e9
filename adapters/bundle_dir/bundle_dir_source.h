#ifndef CAREGATE_ADAPTERS_BUNDLE_DIR_BUNDLE_DIR_SOURCE_H_
#define CAREGATE_ADAPTERS_BUNDLE_DIR_BUNDLE_DIR_SOURCE_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "adapters/gp_record_source.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"

namespace caregate::adapters::bundle_dir {

// A GP source that reads GP Connect structured-record bundles from a
// directory (the embedded default, so a fresh checkout runs with no GP
// system). An index file maps NHS numbers to bundle files:
//   {"9434765919": "patient-a.json", "9690937286": "sub/patient-b.json"}
// The same parser as the GP Connect source maps each bundle, read afresh on
// every call (a file changed on disk is seen at once).
//
// Create reads and checks the index: every key is a valid NHS number, every
// value a relative path inside the directory (no "..") to a readable file.
// It fails with INVALID_ARGUMENT (reason INVALID_CONFIG) naming the index
// file and the rule, never the NHS number.
//
// GetGpSummaryInto: NOT_FOUND (PATIENT_NOT_FOUND) for a person not in the index;
// INTERNAL (INVALID_BUNDLE) for a bundle over max_bundle_bytes, unreadable or
// that does not parse; DEADLINE_EXCEEDED when the deadline has passed.
// Thread-safe: the index is immutable after Create.
class BundleDirSource : public GpRecordSource {
 public:
  // `config.directory` must already be resolved (see gp_source_factory.h).
  static absl::StatusOr<std::unique_ptr<BundleDirSource>> Create(
      const caregate::config::v1::BundleDirConfig& config,
      const common::Clock* clock = common::Clock::Real());

  absl::Status GetGpSummaryInto(const SourceRequest& request,
                                caregate::v1::GpSummary* out) override;

 private:
  BundleDirSource(caregate::config::v1::BundleDirConfig config,
                  absl::flat_hash_map<std::string, std::string> files, const common::Clock* clock)
      : config_(std::move(config)), files_(std::move(files)), clock_(clock) {}

  const caregate::config::v1::BundleDirConfig config_;
  // NHS number -> absolute bundle path.
  const absl::flat_hash_map<std::string, std::string> files_;
  const common::Clock* clock_;
};

}  // namespace caregate::adapters::bundle_dir

#endif  // CAREGATE_ADAPTERS_BUNDLE_DIR_BUNDLE_DIR_SOURCE_H_
