#include "adapters/demo_data/demo_data.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "adapters/cld_csv/cld_layout.h"
#include "adapters/cld_csv/csv_reader.h"
#include "adapters/council_sql/council_sql_source.h"
#include "adapters/council_sql/test_store.h"
#include "common/nhs_number.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace caregate::adapters::demo_data {
namespace {

namespace fs = std::filesystem;
using council_sql::testing::Soon;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> ReadTree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = Read(e.path());
  }
  return files;
}

TEST(DemoDataTest, SameOptionsSameBytesOtherSeedOtherPeople) {
  caregate::testing::TempDir dir;
  DemoDataOptions o;
  o.people = 30;
  o.seed = 7;
  ASSERT_TRUE(WriteDemoData(o, dir.path() + "/a").ok());
  ASSERT_TRUE(WriteDemoData(o, dir.path() + "/b").ok());
  auto a = ReadTree(dir.path() + "/a");
  EXPECT_EQ(a, ReadTree(dir.path() + "/b"));
  EXPECT_TRUE(a.count("cld-events.csv"));
  EXPECT_TRUE(a.count("cld-contacts.csv"));
  EXPECT_TRUE(a.count("gp/index.json"));
  o.seed = 8;
  ASSERT_TRUE(WriteDemoData(o, dir.path() + "/c").ok());
  EXPECT_NE(a["cld-events.csv"], ReadTree(dir.path() + "/c")["cld-events.csv"]);
}

TEST(DemoDataTest, NhsNumbersAreValidTestNumbers) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string nhs = DemoNhsNumber(3, i);
    EXPECT_TRUE(common::IsValidNhsNumber(nhs)) << nhs;
    EXPECT_EQ(nhs.substr(0, 3), "999");
    seen.insert(nhs);
  }
  EXPECT_EQ(seen.size(), 200u);
}

class DemoDataImportTest : public ::testing::TestWithParam<common::sql::Engine> {};

// The generated files import cleanly and give the variety the demo needs.
TEST_P(DemoDataImportTest, ImportsAndCoversEveryCase) {
  caregate::testing::TempDir dir;
  DemoDataOptions o;
  o.people = 60;
  o.seed = 1;
  ASSERT_TRUE(WriteDemoData(o, dir.path() + "/demo").ok());
  auto db = council_sql::testing::OpenStore(GetParam(), dir.path());
  ASSERT_NE(db, nullptr);
  auto stats = ImportDemoData(dir.path() + "/demo", *db, Soon());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->event_rows, 60 * 3);
  // Importing again changes nothing and succeeds.
  ASSERT_TRUE(ImportDemoData(dir.path() + "/demo", *db, Soon()).ok());

  caregate::config::v1::CouncilSqlConfig config;
  config.set_council_ods_code("X99LA");
  common::FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 11, 1, 9, 0, 0),
                                          absl::UTCTimeZone()));
  auto source = council_sql::CouncilSqlSource::Create(config, db, &clock);
  ASSERT_TRUE(source.ok());
  std::map<caregate::v1::CarePlanStatus, int> plans;
  int with_dp = 0, deceased = 0, two_workers = 0, with_main_carer = 0, open = 0;
  for (int i = 0; i < o.people; ++i) {
    SourceRequest r;
    r.nhs_number = DemoNhsNumber(o.seed, i);
    r.deadline = Soon();
    auto s = (*source)->GetSocialCareSummary(r);
    ASSERT_TRUE(s.ok()) << i << ": " << s.status();
    plans[s->care_plan().status()]++;
    if (s->direct_payments_size() > 0) ++with_dp;
    if (!s->demographics().date_of_death().empty()) ++deceased;
    if (s->allocated_workers_size() >= 2) {
      ++two_workers;
      EXPECT_TRUE(s->allocated_workers(0).key_worker());
    }
    if (s->personal_contacts_size() > 0 && s->personal_contacts(0).main_carer()) ++with_main_carer;
    EXPECT_THAT(s->demographics().registered_practice_code(),
                ::testing::AnyOf("A99001", "A99002"));
    auto rel = (*source)->GetRelationship(r);
    ASSERT_TRUE(rel.ok());
    if (rel->open_case) ++open;
  }
  EXPECT_GT(plans[caregate::v1::CARE_PLAN_STATUS_NO_PLAN_IN_PLACE], 0);
  EXPECT_GT(plans[caregate::v1::CARE_PLAN_STATUS_ACTIVE], 0);
  EXPECT_GT(plans[caregate::v1::CARE_PLAN_STATUS_REVIEW_DUE], 0);
  EXPECT_GT(plans[caregate::v1::CARE_PLAN_STATUS_DRAFT], 0);
  EXPECT_GT(plans[caregate::v1::CARE_PLAN_STATUS_ENDED], 0);
  EXPECT_GT(with_dp, 0);
  EXPECT_GT(deceased, 0);
  EXPECT_GT(two_workers, 0);
  EXPECT_GT(with_main_carer, 0);
  EXPECT_GT(open, 0);
  EXPECT_LT(open, o.people);
}

// Thousands of people: every generated row passes the import's validation.
TEST(DemoDataTest, ManyPeopleImportCleanly) {
  caregate::testing::TempDir dir;
  DemoDataOptions o;
  o.people = 3000;
  o.seed = 11;
  o.write_gp_bundles = false;
  ASSERT_TRUE(WriteDemoData(o, dir.path() + "/demo").ok());
  auto db = council_sql::testing::OpenStore(common::sql::Engine::kSqlite, dir.path());
  ASSERT_NE(db, nullptr);
  auto stats = ImportDemoData(dir.path() + "/demo", *db, Soon());
  ASSERT_TRUE(stats.ok()) << stats.status();
}

INSTANTIATE_TEST_SUITE_P(Engines, DemoDataImportTest,
                         ::testing::Values(common::sql::Engine::kSqlite,
                                           common::sql::Engine::kPostgres),
                         council_sql::testing::EngineName);

// The bundles follow GP Connect's structured-record shape and agree with the
// council on the practice; a few people differ on purpose.
TEST(DemoDataTest, BundlesFollowTheStructuredRecordShape) {
  caregate::testing::TempDir dir;
  DemoDataOptions o;
  o.people = 40;
  ASSERT_TRUE(WriteDemoData(o, dir.path()).ok());
  simdjson::dom::parser parser;
  std::string index_text = Read(fs::path(dir.path()) / "gp" / "index.json");
  simdjson::dom::element index;
  ASSERT_EQ(parser.parse(index_text).get(index), simdjson::SUCCESS);
  simdjson::dom::object index_obj;
  ASSERT_EQ(index.get(index_obj), simdjson::SUCCESS);
  EXPECT_GT(index_obj.size(), 30u);
  EXPECT_LT(index_obj.size(), 40u);  // deceased people have no GP bundle

  // The council's view of each person, from the events file: NHS number ->
  // (given name, postcode, practice).
  std::map<std::string, std::vector<std::string>> council;
  {
    std::ifstream in(fs::path(dir.path()) / "cld-events.csv");
    cld_csv::CsvReader reader(&in);
    std::vector<std::string> cells;
    ASSERT_TRUE(*reader.Next(&cells));  // header
    while (*reader.Next(&cells)) {
      council[cells[cld_csv::kNhsNumber]] = {cells[cld_csv::kGpPracticeCode],
                                             cells[cld_csv::kPostcode]};
    }
  }

  std::set<std::string> codes_seen;
  int postcode_differs = 0, bp = 0, warnings = 0, empty_lists = 0;
  for (auto [nhs, file] : index_obj) {
    std::string_view file_name;
    ASSERT_EQ(file.get(file_name), simdjson::SUCCESS);
    std::string text = Read(fs::path(dir.path()) / "gp" / std::string(file_name));
    simdjson::dom::parser p;
    simdjson::dom::element bundle;
    ASSERT_EQ(p.parse(text).get(bundle), simdjson::SUCCESS) << file_name;
    EXPECT_EQ(std::string_view(bundle["resourceType"]), "Bundle");
    EXPECT_EQ(std::string_view(bundle["type"]), "collection");
    std::map<std::string, simdjson::dom::element> by_ref;
    for (simdjson::dom::element entry : bundle["entry"].get_array()) {
      EXPECT_TRUE(entry["fullUrl"].error() == simdjson::NO_SUCH_FIELD);
      simdjson::dom::element r = entry["resource"];
      std::string type{std::string_view(r["resourceType"])};
      if (type == "List") {
        EXPECT_TRUE(r["id"].error() == simdjson::NO_SUCH_FIELD);
        codes_seen.insert(std::string(std::string_view(r["code"]["coding"].at(0)["code"])));
        if (r["emptyReason"].error() == simdjson::SUCCESS) ++empty_lists;
        for (simdjson::dom::element ext : r["extension"].get_array()) {
          if (std::string_view(ext["url"]).find("ListWarningCode") != std::string_view::npos) {
            ++warnings;
            EXPECT_EQ(r["note"].error(), simdjson::SUCCESS);
          }
        }
        continue;
      }
      by_ref[type + "/" + std::string(std::string_view(r["id"]))] = r;
      if (type == "Observation" &&
          std::string_view(r["code"]["coding"].at(0)["code"]) == "163020007") {
        ++bp;
        EXPECT_EQ(std::string_view(r["component"].at(0)["code"]["coding"].at(0)["code"]),
                  "72313002");
        EXPECT_EQ(std::string_view(r["component"].at(1)["code"]["coding"].at(0)["code"]),
                  "1091811000000102");
        EXPECT_EQ(std::string_view(r["component"].at(0)["valueQuantity"]["unit"]), "mm[Hg]");
      }
    }
    simdjson::dom::element patient = by_ref["Patient/1"];
    EXPECT_EQ(std::string_view(patient["identifier"].at(0)["system"]),
              "https://fhir.nhs.uk/Id/nhs-number");
    EXPECT_EQ(std::string_view(patient["identifier"].at(0)["value"]), std::string_view(nhs));
    std::string gp_ref{std::string_view(patient["generalPractitioner"].at(0)["reference"])};
    simdjson::dom::element org = by_ref[gp_ref];
    std::string ods{std::string_view(org["identifier"].at(0)["value"])};
    ASSERT_TRUE(council.count(std::string(nhs)));
    EXPECT_EQ(ods, council[std::string(nhs)][0]) << "practice must match the council's";
    std::string postcode{std::string_view(patient["address"].at(0)["postalCode"])};
    if (postcode != council[std::string(nhs)][1]) ++postcode_differs;
  }
  for (const char* code : {"933361000000108", "717711000000103", "886921000000105",
                           "826501000000100", "887191000000108", "1149501000000101",
                           "792931000000107", "1102181000000102"}) {
    EXPECT_TRUE(codes_seen.count(code)) << code;
  }
  EXPECT_GT(postcode_differs, 0);
  EXPECT_LT(postcode_differs, 10);
  EXPECT_GT(bp, 0);
  EXPECT_GT(warnings, 0);
  EXPECT_GT(empty_lists, 0);
}

}  // namespace
}  // namespace caregate::adapters::demo_data
