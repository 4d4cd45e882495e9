#include "adapters/bundle_dir/bundle_dir_source.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include "common/status.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::adapters::bundle_dir {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class BundleDirSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The public fixtures are linked, never copied. Chosen valid NHS numbers
    // map to them (the files' own numbers fail the check digit).
    ASSERT_EQ(symlink((kFixtures + "9690937287.structuredRecord.json").c_str(),
                      (dir_.path() + "/skelly.json").c_str()),
              0);
    ASSERT_EQ(symlink((kFixtures + "9465701297_Livermore_full_20210602.json").c_str(),
                      (dir_.path() + "/livermore.json").c_str()),
              0);
    Write(dir_.path() + "/broken.json", R"({"resourceType":"Bundle","entry":[)");
    Write(
        dir_.path() + "/index.json",
        R"({"9690937286":"skelly.json","9465701297":"livermore.json","9434765919":"broken.json"})");
    config_.set_directory(dir_.path());
  }

  SourceRequest Request(const std::string& nhs) {
    SourceRequest r;
    r.nhs_number = nhs;
    r.deadline = absl::Now() + absl::Seconds(10);
    r.request_id = "test";
    return r;
  }

  caregate::testing::TempDir dir_;
  caregate::config::v1::BundleDirConfig config_;
};

TEST_F(BundleDirSourceTest, ServesMappedBundlesByNhsNumber) {
  auto source = BundleDirSource::Create(config_);
  ASSERT_TRUE(source.ok()) << source.status();
  auto skelly = (*source)->GetGpSummary(Request("9690937286"));
  ASSERT_TRUE(skelly.ok()) << skelly.status();
  EXPECT_EQ(skelly->demographics().family_name(), "SKELLY");
  // Demographics keep what the source sent, with a note.
  EXPECT_EQ(skelly->demographics().nhs_number(), "9690937287");
  EXPECT_THAT(skelly->mapping_notes(), ::testing::Contains(HasSubstr("Modulus 11")));
  EXPECT_EQ(skelly->medications_size(), 10);
  auto livermore = (*source)->GetGpSummary(Request("9465701297"));
  ASSERT_TRUE(livermore.ok()) << livermore.status();
  EXPECT_EQ(livermore->blood_pressure_readings_size(), 13);
}

TEST_F(BundleDirSourceTest, FillsTheCallersArenaMessageAndLeavesItEmptyOnError) {
  auto source = BundleDirSource::Create(config_);
  ASSERT_TRUE(source.ok()) << source.status();
  auto heap = (*source)->GetGpSummary(Request("9465701297"));
  ASSERT_TRUE(heap.ok()) << heap.status();
  google::protobuf::Arena arena;
  auto* out = google::protobuf::Arena::CreateMessage<caregate::v1::GpSummary>(&arena);
  out->add_problems()->set_onset_date("stale");  // cleared first
  ASSERT_TRUE((*source)->GetGpSummaryInto(Request("9465701297"), out).ok());
  EXPECT_EQ(out->GetArena(), &arena);
  EXPECT_EQ(out->blood_pressure_readings_size(), 13);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*out, *heap));

  // A broken bundle and an unknown person: the error, and nothing in *out.
  absl::Status broken = (*source)->GetGpSummaryInto(Request("9434765919"), out);
  EXPECT_EQ(broken.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(out->ByteSizeLong(), 0u);
  out->add_problems()->set_onset_date("stale");
  absl::Status unknown = (*source)->GetGpSummaryInto(Request("9690937278"), out);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out->ByteSizeLong(), 0u);
}

TEST_F(BundleDirSourceTest, UnknownPersonIsNotFound) {
  auto source = BundleDirSource::Create(config_);
  ASSERT_TRUE(source.ok());
  auto s = (*source)->GetGpSummary(Request("9690937278"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(common::ErrorReason(s.status()), common::kReasonPatientNotFound);
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("9690937278")));
}

TEST_F(BundleDirSourceTest, BrokenOrOversizedBundleIsInternal) {
  auto source = BundleDirSource::Create(config_);
  ASSERT_TRUE(source.ok());
  auto broken = (*source)->GetGpSummary(Request("9434765919"));
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(common::ErrorReason(broken.status()), common::kReasonInvalidBundle);
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("not valid JSON"));

  config_.set_max_bundle_bytes(100000);
  auto small = BundleDirSource::Create(config_);
  ASSERT_TRUE(small.ok());
  auto big = (*small)->GetGpSummary(Request("9690937286"));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("exceeds max_bundle_bytes"));
}

TEST_F(BundleDirSourceTest, PassedDeadline) {
  auto source = BundleDirSource::Create(config_);
  ASSERT_TRUE(source.ok());
  SourceRequest r = Request("9690937286");
  r.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ((*source)->GetGpSummary(r).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(BundleDirSourceTest, BadIndexIsRefusedAtCreate) {
  struct Case {
    std::string index;
    std::string rule;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"1234567890":"skelly.json"})", "key 0 is not a valid NHS number"},
           {R"({"9690937286":"../etc/passwd"})", "relative path inside the directory"},
           {R"({"9690937286":"/etc/passwd"})", "relative path inside the directory"},
           {R"({"9690937286":"missing.json"})", "does not exist"},
           {R"({"9690937286":7})", "must be a file name"},
           {R"(["skelly.json"])", "must be a JSON object"},
       }) {
    SCOPED_TRACE(c.index);
    Write(dir_.path() + "/index.json", c.index);
    auto s = BundleDirSource::Create(config_);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.rule));
    EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("1234567890")));
  }
  config_.set_index_file("nope.json");
  EXPECT_THAT(std::string(BundleDirSource::Create(config_).status().message()),
              HasSubstr("cannot be read"));
}

}  // namespace
}  // namespace caregate::adapters::bundle_dir
