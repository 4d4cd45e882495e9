#include "adapters/bundle_dir/bundle_dir_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/gpconnect/structured_record.h"
#include "common/log.h"
#include "common/nhs_number.h"
#include "common/status.h"
#include "simdjson.h"

namespace caregate::adapters::bundle_dir {
namespace {

namespace cfg = ::caregate::config::v1;
constexpr uint64_t kDefaultMaxBundleBytes = 16u << 20;

absl::Status ConfigError(absl::string_view message) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidConfig, message);
}

absl::Status BundleError(absl::string_view message) {
  return common::WithReason(absl::InternalError(message), common::kReasonInvalidBundle);
}

// Reads the file at `path` into `out`, in one buffer sized from the file (a
// GP bundle is read on every request), followed by `padding` zero bytes (so
// the parser can read the bundle in place), unless it is larger than `limit`
// bytes. Sets *size to the file's size either way; false when the file
// cannot be read.
bool ReadFile(const std::string& path, uint64_t limit, size_t padding, std::string* out,
              uint64_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) *size = static_cast<uint64_t>(st.st_size);
  if (ok && *size <= limit) {
    out->resize(*size + padding);
    size_t got = 0;
    while (got < *size) {
      const ssize_t n = ::read(fd, out->data() + got, *size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      got += static_cast<size_t>(n);
    }
    out->resize(got);
    out->resize(got + padding);  // zeros
  }
  ::close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BundleDirSource>> BundleDirSource::Create(
    const cfg::BundleDirConfig& config_in, const common::Clock* clock) {
  cfg::BundleDirConfig config = config_in;
  if (config.directory().empty()) return ConfigError("bundle_dir.directory: is required");
  if (config.index_file().empty()) config.set_index_file("index.json");
  if (config.max_bundle_bytes() == 0) config.set_max_bundle_bytes(kDefaultMaxBundleBytes);
  const std::string index_path = absl::StrCat(config.directory(), "/", config.index_file());
  const std::string where = absl::StrCat("bundle_dir index ", config.index_file());
  std::string text;
  uint64_t size = 0;
  if (!ReadFile(index_path, std::numeric_limits<uint64_t>::max(), 0, &text, &size)) {
    return ConfigError(absl::StrCat(where, ": cannot be read"));
  }
  simdjson::dom::parser parser;
  simdjson::dom::object index;
  if (parser.parse(text).get(index) != simdjson::SUCCESS) {
    return ConfigError(absl::StrCat(where, ": must be a JSON object of NHS number -> file"));
  }
  absl::flat_hash_map<std::string, std::string> files;
  int i = 0;
  for (auto [key, value] : index) {
    std::string nhs(key.data(), key.size());
    std::string_view file;
    if (!common::IsValidNhsNumber(nhs)) {
      return ConfigError(absl::StrCat(where, ": key ", i, " is not a valid NHS number"));
    }
    if (value.get_string().get(file) != simdjson::SUCCESS || file.empty()) {
      return ConfigError(absl::StrCat(where, ": value ", i, " must be a file name"));
    }
    std::string name(file.data(), file.size());
    if (name[0] == '/' || absl::StrContains(name, "..")) {
      return ConfigError(
          absl::StrCat(where, ": value ", i, " must be a relative path inside the directory"));
    }
    std::string path = absl::StrCat(config.directory(), "/", name);
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return ConfigError(absl::StrCat(where, ": value ", i, " names a file that does not exist"));
    }
    if (!files.emplace(std::move(nhs), std::move(path)).second) {
      return ConfigError(absl::StrCat(where, ": key ", i, " repeats an NHS number"));
    }
    ++i;
  }
  return std::unique_ptr<BundleDirSource>(
      new BundleDirSource(std::move(config), std::move(files), clock));
}

absl::Status BundleDirSource::GetGpSummaryInto(const SourceRequest& request,
                                               caregate::v1::GpSummary* out) {
  out->Clear();
  if (clock_->Now() >= request.deadline) {
    return absl::DeadlineExceededError("GP source: deadline passed");
  }
  auto it = files_.find(request.nhs_number);
  if (it == files_.end()) {
    return common::WithReason(absl::NotFoundError("GP source: person not found"),
                              common::kReasonPatientNotFound);
  }
  std::string json;
  uint64_t size = 0;
  if (!ReadFile(it->second, config_.max_bundle_bytes(), gpconnect::kInputPadding, &json,
                &size)) {
    return BundleError("GP source: the bundle file cannot be read");
  }
  if (size > config_.max_bundle_bytes()) {
    return BundleError(absl::StrCat("GP source: bundle of ", size,
                                    " bytes exceeds max_bundle_bytes ",
                                    config_.max_bundle_bytes()));
  }
  gpconnect::ParseOptions options;
  options.max_bytes = config_.max_bundle_bytes();
  options.now = clock_->Now();
  options.readable_padding = gpconnect::kInputPadding;
  // Straight into the caller's message (on the caller's arena, if any); the
  // parser clears it again on error.
  absl::Status parsed = gpconnect::ParseStructuredRecordInto(
      absl::string_view(json.data(), json.size() - gpconnect::kInputPadding), options, out);
  if (!parsed.ok()) {
    common::LogWarning("gp_bundle_invalid",
                       {{"request_id", request.request_id}, {"error", parsed.message()}});
    return BundleError(absl::StrCat("GP source: ", parsed.message()));
  }
  return absl::OkStatus();
}

}  // namespace caregate::adapters::bundle_dir
