#include "adapters/gpconnect/structured_record.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::adapters::gpconnect {
namespace {

namespace v1 = ::caregate::v1;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = std::string(CAREGATE_SHARED_DIR) + "/fixtures/gpconnect/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> FixtureFiles() {
  std::vector<std::string> out;
  DIR* dir = opendir(kFixtures.c_str());
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".json") out.push_back(name);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

// Counts computed from the raw JSON by an independent script.
std::map<std::string, int> ExpectedCounts(const std::string& file) {
  auto result =
      caregate::testing::RunCommand({"/usr/bin/python3", EXPECTED_COUNTS_SCRIPT, kFixtures + file});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, int> out;
  for (absl::string_view line : absl::StrSplit(result.output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    int v = 0;
    if (parts.size() == 2 && absl::SimpleAtoi(parts[1], &v)) out[parts[0]] = v;
  }
  return out;
}

std::map<std::string, int> MappedCounts(const v1::GpSummary& s) {
  std::map<std::string, int> n;
  for (const auto& m : s.medications()) {
    if (m.status() == v1::MEDICATION_STATUS_CURRENT) ++n["medications_current"];
    if (m.status() == v1::MEDICATION_STATUS_PAST) ++n["medications_past"];
  }
  for (const auto& p : s.problems()) {
    if (p.status() == v1::CLINICAL_STATUS_ACTIVE) ++n["problems_active"];
    if (p.status() == v1::CLINICAL_STATUS_INACTIVE) ++n["problems_inactive"];
  }
  for (const auto& a : s.allergies()) {
    if (a.status() == v1::CLINICAL_STATUS_ACTIVE) ++n["allergies_active"];
    if (a.status() == v1::CLINICAL_STATUS_INACTIVE) ++n["allergies_ended"];
  }
  n["bp_readings"] = s.blood_pressure_readings_size();
  n["investigations"] = s.investigations_size();
  for (const auto& inv : s.investigations()) n["investigation_results"] += inv.results_size();
  n["encounters"] = s.encounters_size();
  n["referrals"] = s.referrals_size();
  for (const char* k :
       {"medications_current", "medications_past", "problems_active", "problems_inactive",
        "allergies_active", "allergies_ended", "investigation_results"})
    n[k] += 0;
  return n;
}

absl::StatusOr<v1::GpSummary> ParseFixture(const std::string& file) {
  return ParseStructuredRecord(ReadFile(kFixtures + file));
}

const v1::SectionStatus& Status(const v1::GpSummary& s, v1::GpSection section) {
  for (const auto& st : s.section_statuses())
    if (st.section() == section) return st;
  static const v1::SectionStatus kNone;
  ADD_FAILURE() << "no status for " << v1::GpSection_Name(section);
  return kNone;
}

TEST(StructuredRecordTest, EveryFixtureMapsWithCountsFromTheRawJson) {
  std::vector<std::string> files = FixtureFiles();
  ASSERT_GE(files.size(), 6u) << "fixtures not found under " << kFixtures;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto summary = ParseFixture(file);
    ASSERT_TRUE(summary.ok()) << summary.status();
    std::map<std::string, int> expected = ExpectedCounts(file);
    ASSERT_EQ(expected.size(), 11u);
    EXPECT_EQ(MappedCounts(*summary), expected);
    // Every section has a status, in GpSection order.
    ASSERT_EQ(summary->section_statuses_size(), 11);
    for (int i = 0; i < 11; ++i) EXPECT_EQ(summary->section_statuses(i).section(), i + 1);
  }
}

TEST(StructuredRecordTest, LivermoreBloodPressureAndWithheldSignals) {
  auto s = ParseFixture("9465701297_Livermore_full_20210602.json");
  ASSERT_TRUE(s.ok()) << s.status();
  // The reference's example: Observation 163020007, 120/90 mm[Hg].
  bool found = false;
  for (const auto& bp : s->blood_pressure_readings()) {
    if (bp.panel().code() == "163020007" && bp.systolic_mmhg() == 120 && bp.diastolic_mmhg() == 90)
      found = true;
    EXPECT_FALSE(bp.date().empty());
  }
  EXPECT_TRUE(found);
  // Sitting / standing / lying panels are readings too.
  EXPECT_EQ(std::count_if(s->blood_pressure_readings().begin(), s->blood_pressure_readings().end(),
                          [](const auto& bp) { return bp.panel().code() == "163035008"; }),
            2);
  const auto& meds = Status(*s, v1::GP_SECTION_MEDICATIONS);
  EXPECT_THAT(meds.states(), ::testing::ElementsAre(v1::SECTION_STATE_RECORD_IN_TRANSIT));
  ASSERT_EQ(meds.notes_size(), 1);
  EXPECT_THAT(meds.notes(0), HasSubstr("Patient record transfer from previous GP practice"));
  const auto& problems = Status(*s, v1::GP_SECTION_PROBLEMS);
  EXPECT_THAT(problems.states(),
              ::testing::UnorderedElementsAre(v1::SECTION_STATE_ITEMS_WITHHELD,
                                              v1::SECTION_STATE_RECORD_IN_TRANSIT));
  const auto& inv = Status(*s, v1::GP_SECTION_INVESTIGATIONS);
  EXPECT_THAT(inv.states(), ::testing::Contains(v1::SECTION_STATE_NOTHING_RECORDED));
  EXPECT_THAT(inv.notes(), ::testing::Contains(HasSubstr("Information not available")));
  // The masked NHS number is kept as sent, with a note.
  EXPECT_EQ(s->demographics().nhs_number(), "1234567890");
  EXPECT_THAT(s->mapping_notes(), ::testing::Contains(HasSubstr("Modulus 11")));
  EXPECT_EQ(s->referrals_size(), 11);
}

TEST(StructuredRecordTest, DemonstratorMedicationsAllergiesAndDemographics) {
  auto s = ParseFixture("9690937287.structuredRecord.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const v1::Medication* sertraline = nullptr;
  for (const auto& m : s->medications())
    if (m.id() == "1") sertraline = &m;
  ASSERT_NE(sertraline, nullptr);
  EXPECT_EQ(sertraline->dosage(), "1 tablet once a day");
  EXPECT_EQ(sertraline->medication().codings(0).code(), "9751511000001104");
  EXPECT_EQ(sertraline->prescription_type(), v1::PRESCRIPTION_TYPE_REPEAT);
  EXPECT_EQ(sertraline->last_issue_date(), "2018-08-17");
  EXPECT_EQ(sertraline->prescribing_agency(), "prescribed-at-gp-practice");
  EXPECT_EQ(sertraline->quantity(), "28");
  EXPECT_GT(sertraline->issues_size(), 0);
  // The ended allergy comes from List.contained.
  const v1::Allergy* peanut = nullptr;
  for (const auto& a : s->allergies())
    if (a.id() == "28") peanut = &a;
  ASSERT_NE(peanut, nullptr);
  EXPECT_EQ(peanut->status(), v1::CLINICAL_STATUS_INACTIVE);
  EXPECT_EQ(peanut->end_reason(), "Desensitised to Peanuts");
  EXPECT_EQ(peanut->end_date(), "2016-11-01T00:00:00+00:00");
  // A severe active allergy is a warning.
  ASSERT_EQ(s->warnings_size(), 1);
  EXPECT_EQ(s->warnings(0).code().codings(0).code(), "89707004");
  EXPECT_THAT(Status(*s, v1::GP_SECTION_MEDICATIONS).states(),
              ::testing::ElementsAre(v1::SECTION_STATE_ITEMS_WITHHELD));
  EXPECT_EQ(s->demographics().family_name(), "SKELLY");
  EXPECT_TRUE(s->demographics().nhs_number_verified());
  EXPECT_THAT(s->mapping_notes(), ::testing::Contains(HasSubstr("Modulus 11")));
  // Investigation with results from test groups, values and ranges kept.
  ASSERT_EQ(s->investigations_size(), 1);
  bool has_range = false;
  for (const auto& r : s->investigations(0).results())
    if (r.has_quantity() && !r.reference_range().empty()) has_range = true;
  EXPECT_TRUE(has_range);
  // Procedures: the administered immunisation, with the real code from the
  // vaccination-procedure extension.
  ASSERT_EQ(s->procedures_size(), 1);
  EXPECT_EQ(s->procedures(0).code().codings(0).code(), "170378007");
}

TEST(StructuredRecordTest, PathologyResultValues) {
  auto s = ParseFixture("pathology_response1.json");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->investigations_size(), 1);
  bool found = false;
  for (const auto& r : s->investigations(0).results()) {
    if (r.has_quantity() && r.quantity().value() == 5.7) {
      EXPECT_EQ(r.quantity().unit(), "10*9/L");
      EXPECT_EQ(r.reference_range(), "3.5 - 11");
      // The source sent no interpretation: the field stays unset, not empty.
      EXPECT_FALSE(r.has_interpretation());
      EXPECT_TRUE(r.has_code());
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(StructuredRecordTest, OperationOutcomeWarningsMarkSectionsNotSupported) {
  auto s = ParseFixture("consultations_forwards_response1.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& enc = Status(*s, v1::GP_SECTION_ENCOUNTERS);
  EXPECT_THAT(enc.states(), ::testing::Contains(v1::SECTION_STATE_NOT_SUPPORTED));
  EXPECT_THAT(enc.notes(),
              ::testing::Contains("includeConsultations is an unrecognised parameter"));
  EXPECT_THAT(Status(*s, v1::GP_SECTION_PROBLEMS).notes(),
              ::testing::Contains("includeProblems is an unrecognised parameter"));
  // The Active Allergies List names an allergy that is not in the bundle.
  EXPECT_THAT(Status(*s, v1::GP_SECTION_ALLERGIES).states(),
              ::testing::Contains(v1::SECTION_STATE_ITEMS_UNRESOLVED));
}

// --- malformed input --------------------------------------------------------

constexpr char kMinimal[] = R"({"resourceType":"Bundle","id":"t","type":"collection","entry":[
 {"resource":{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"Tester","given":["Ann"]}]}},
 {"resource":{"resourceType":"List","code":{"coding":[{"system":"http://snomed.info/sct","code":"933361000000108"}]},"entry":[{"item":{"reference":"MedicationStatement/m1"}}]}},
 {"resource":{"resourceType":"MedicationStatement","id":"m1","status":"active","dosage":[{"text":"one daily"}]}}
]})";

void ExpectBundleError(const absl::StatusOr<v1::GpSummary>& s, absl::string_view rule) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(common::ErrorReason(s.status()), common::kReasonInvalidBundle);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(std::string(rule)));
  // Never personal data.
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("9434765919")));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("Tester")));
}

TEST(StructuredRecordMalformedTest, MinimalBundleMaps) {
  ParseReport report;
  auto s = ParseStructuredRecord(kMinimal, {}, &report);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(report.bundle_id, "t");
  EXPECT_EQ(s->medications(0).dosage(), "one daily");
  EXPECT_TRUE(s->mapping_notes().empty());
}

TEST(StructuredRecordMalformedTest, TruncatedJson) {
  std::string json = kMinimal;
  for (size_t cut : {size_t{1}, json.size() / 3, json.size() / 2, json.size() - 1}) {
    ExpectBundleError(ParseStructuredRecord(json.substr(0, cut)), "not valid JSON");
  }
}

TEST(StructuredRecordMalformedTest, NotABundle) {
  ExpectBundleError(ParseStructuredRecord(R"({"resourceType":"Patient","id":"x"})"),
                    "resourceType is not \"Bundle\"");
  ExpectBundleError(ParseStructuredRecord("[1,2,3]"), "not an object");
  ExpectBundleError(ParseStructuredRecord(R"({"resourceType":"Bundle"})"), "Bundle.entry");
  ExpectBundleError(ParseStructuredRecord(""), "not valid JSON");
}

TEST(StructuredRecordMalformedTest, NoPatientOrTwo) {
  ExpectBundleError(
      ParseStructuredRecord(
          R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Organization","id":"o"}}]})"),
      "no Patient");
  std::string two = kMinimal;
  two.replace(two.rfind("]}"), 2, R"(,{"resource":{"resourceType":"Patient","id":"p2"}}]})");
  ExpectBundleError(ParseStructuredRecord(two), "Bundle.entry[3]: a second Patient");
}

TEST(StructuredRecordMalformedTest, DuplicateClinicalIds) {
  std::string dup = kMinimal;
  dup.replace(
      dup.rfind("]}"), 2,
      R"(,{"resource":{"resourceType":"MedicationStatement","id":"m1","status":"completed"}}]})");
  ExpectBundleError(ParseStructuredRecord(dup),
                    "Bundle.entry[3]: duplicate id for a MedicationStatement (first at "
                    "Bundle.entry[2])");
  // A repeated supporting resource (real bundles do this) is fine.
  std::string org = kMinimal;
  org.replace(
      org.rfind("]}"), 2,
      R"(,{"resource":{"resourceType":"Organization","id":"o"}},{"resource":{"resourceType":"Organization","id":"o"}}]})");
  EXPECT_TRUE(ParseStructuredRecord(org).ok());
}

TEST(StructuredRecordMalformedTest, DanglingReferences) {
  std::string dangling = kMinimal;
  dangling.replace(dangling.find("MedicationStatement/m1"), 22, "MedicationStatement/zz");
  // Default: skipped, and the section says so.
  auto lenient = ParseStructuredRecord(dangling);
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_THAT(Status(*lenient, v1::GP_SECTION_MEDICATIONS).states(),
              ::testing::Contains(v1::SECTION_STATE_ITEMS_UNRESOLVED));
  EXPECT_THAT(lenient->mapping_notes(),
              ::testing::Contains("GP_SECTION_MEDICATIONS: 1 item(s) listed by the source were "
                                  "not in the bundle"));
  EXPECT_TRUE(Status(*lenient, v1::GP_SECTION_MEDICATIONS).notes().empty());
  // Strict: an error naming the place.
  ParseOptions strict;
  strict.strict_references = true;
  auto s = ParseStructuredRecord(dangling, strict);
  ExpectBundleError(s,
                    "Bundle.entry[1] (List 933361000000108).entry[0].item: reference "
                    "does not resolve");
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("zz")));
}

TEST(StructuredRecordMalformedTest, DeepNesting) {
  std::string deep =
      R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p","x":)";
  for (int i = 0; i < 10000; ++i) deep += "[";
  for (int i = 0; i < 10000; ++i) deep += "]";
  deep += "}}]}";
  ExpectBundleError(ParseStructuredRecord(deep), "deeper than the limit of 64");
}

TEST(StructuredRecordMalformedTest, OverTheSizeLimit) {
  ParseOptions small;
  small.max_bytes = 100;
  ExpectBundleError(ParseStructuredRecord(kMinimal, small), "exceeds the limit of 100 bytes");
}

TEST(StructuredRecordMalformedTest, ResourcesWithoutIdOrType) {
  ExpectBundleError(
      ParseStructuredRecord(
          R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]})"),
      "Bundle.entry[0]: a Patient without an id");
  ExpectBundleError(
      ParseStructuredRecord(R"({"resourceType":"Bundle","entry":[{"resource":{"id":"x"}}]})"),
      "Bundle.entry[0].resource: no resourceType");
  ExpectBundleError(ParseStructuredRecord(R"({"resourceType":"Bundle","entry":[{"full":1}]})"),
                    "Bundle.entry[0]: no resource object");
}

TEST(StructuredRecordTest, MergeTakesProblemsAndEncountersFromTheSecondCall) {
  auto main_call = ParseFixture("9690937287.structuredRecord.json");
  auto problems_call = ParseFixture("consultations_response1.json");
  ASSERT_TRUE(main_call.ok() && problems_call.ok());
  v1::GpSummary merged = MergeSummaries(*main_call, *problems_call);
  EXPECT_EQ(merged.problems_size(), problems_call->problems_size());
  EXPECT_EQ(merged.encounters_size(), problems_call->encounters_size());
  EXPECT_EQ(merged.medications_size(), main_call->medications_size());
  EXPECT_EQ(merged.allergies_size(), main_call->allergies_size());
}

}  // namespace
}  // namespace caregate::adapters::gpconnect

namespace caregate::adapters::gpconnect {
namespace {

// A synthetic bundle exercising the documented rules the public fixtures do
// not reach: a BP reading with a missing component, a has-member BP reading,
// an admission, problems whose actual problem is or is not a finding, a
// data-awaiting-filing list, a not-given immunisation, a high-criticality
// allergy.
constexpr char kRules[] = R"({"resourceType":"Bundle","id":"r","entry":[
 {"resource":{"resourceType":"Patient","id":"p","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"birthDate":"2000-06-15"}},
 {"resource":{"resourceType":"Observation","id":"bp1","code":{"coding":[{"system":"http://snomed.info/sct","code":"163035008","display":"Sitting blood pressure"}]},"effectiveDateTime":"2021-01-02",
   "component":[{"code":{"coding":[{"system":"http://snomed.info/sct","code":"407554009"}]},"valueQuantity":{"value":131,"unit":"mm[Hg]"}},
                {"code":{"coding":[{"system":"http://snomed.info/sct","code":"407555005"}]},"dataAbsentReason":{"text":"Patient refused"}}]}},
 {"resource":{"resourceType":"Observation","id":"bp2","code":{"coding":[{"system":"http://snomed.info/sct","code":"163020007"}]},"effectiveDateTime":"2021-02-03",
   "related":[{"type":"has-member","target":{"reference":"Observation/sys"}},{"type":"has-member","target":{"reference":"Observation/dia"}}]}},
 {"resource":{"resourceType":"Observation","id":"sys","code":{"coding":[{"system":"http://snomed.info/sct","code":"72313002"}]},"valueQuantity":{"value":140,"unit":"mm[Hg]"}}},
 {"resource":{"resourceType":"Observation","id":"dia","code":{"coding":[{"system":"http://snomed.info/sct","code":"1091811000000102"}]},"valueQuantity":{"value":85,"unit":"mm[Hg]"}}},
 {"resource":{"resourceType":"Encounter","id":"e1","class":{"system":"http://hl7.org/fhir/v3/ActCode","code":"IMP"},"type":[{"text":"Ward stay"}]}},
 {"resource":{"resourceType":"Encounter","id":"e2","type":[{"coding":[{"system":"http://snomed.info/sct","code":"183452005"}]}]}},
 {"resource":{"resourceType":"Encounter","id":"e3","type":[{"text":"Hospital admission"}]}},
 {"resource":{"resourceType":"AllergyIntolerance","id":"a1","clinicalStatus":"active","criticality":"high","code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005"}]}}},
 {"resource":{"resourceType":"AllergyIntolerance","id":"a2","clinicalStatus":"active","reaction":[{"severity":"mild"}],"code":{"coding":[{"system":"http://snomed.info/sct","code":"294505008"}]}}},
 {"resource":{"resourceType":"Condition","id":"c1","clinicalStatus":"active","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]},
   "extension":[{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ActualProblem-1","valueReference":{"reference":"Observation/sys"}}]}},
 {"resource":{"resourceType":"Condition","id":"c2","clinicalStatus":"inactive","code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005"}]},
   "extension":[{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ActualProblem-1","valueReference":{"reference":"AllergyIntolerance/a1"}}]}},
 {"resource":{"resourceType":"Condition","id":"c3","clinicalStatus":"active","code":{"coding":[{"system":"http://snomed.info/sct","code":"38341003"}]}}},
 {"resource":{"resourceType":"Immunization","id":"i1","notGiven":true,"vaccineCode":{"coding":[{"system":"http://snomed.info/sct","code":"1"}]}}},
 {"resource":{"resourceType":"Immunization","id":"i2","notGiven":false,"vaccineCode":{"coding":[{"system":"http://snomed.info/sct","code":"2"}]}}},
 {"resource":{"resourceType":"List","code":{"coding":[{"system":"http://snomed.info/sct","code":"933361000000108"}]},
   "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1","valueCode":"data-awaiting-filing"}],
   "note":[{"text":"There are items in the GP practice workflow that have not been reviewed."}],
   "emptyReason":{"coding":[{"code":"no-content-recorded"}]}}}
]})";

const v1::SectionStatus& RuleStatus(const v1::GpSummary& s, v1::GpSection section) {
  for (const auto& st : s.section_statuses())
    if (st.section() == section) return st;
  static const v1::SectionStatus kNone;
  return kNone;
}

// Ages count birthdays in England: 23:30 UTC on 14 June 2024 is already
// 15 June in British Summer Time, the patient's 24th birthday.
TEST(StructuredRecordRulesTest, AgeCountsBirthdaysInEngland) {
  ParseOptions options;
  options.now = absl::FromCivil(absl::CivilSecond(2024, 6, 14, 23, 30, 0), absl::UTCTimeZone());
  auto s = ParseStructuredRecord(kRules, options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->demographics().date_of_birth(), "2000-06-15");
  EXPECT_EQ(s->demographics().age_years(), 24u);
}

// The day is England's at each call's own time, also when calls on one
// thread go back and forth across midnight (the parser keeps the last day).
TEST(StructuredRecordRulesTest, AgeFollowsEachCallsTimeAcrossMidnight) {
  const auto at = [](int y, int mo, int d, int h, int mi, int sec) {
    return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, sec), absl::UTCTimeZone());
  };
  // 2000-06-15 birthday; BST: midnight in England is 23:00 UTC.
  const std::pair<absl::Time, uint32_t> calls[] = {
      {at(2024, 6, 14, 22, 59, 59), 23u}, {at(2024, 6, 14, 23, 0, 0), 24u},
      {at(2024, 6, 14, 22, 59, 59), 23u}, {at(2024, 6, 15, 22, 59, 59), 24u},
      {at(2023, 6, 14, 23, 0, 0), 23u},   {at(2024, 6, 14, 23, 0, 0), 24u},
      {at(2024, 6, 14, 12, 0, 0), 23u}};
  for (const auto& [now, age] : calls) {
    ParseOptions options;
    options.now = now;
    auto s = ParseStructuredRecord(kRules, options);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->demographics().age_years(), age) << absl::FormatTime(now);
  }
}

TEST(StructuredRecordRulesTest, BloodPressureWithAMissingComponentAndHasMembers) {
  ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);  // 2023-11-14
  auto s = ParseStructuredRecord(kRules, options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->demographics().age_years(), 23u);
  ASSERT_EQ(s->blood_pressure_readings_size(), 2);
  const auto& sitting = s->blood_pressure_readings(0);
  EXPECT_EQ(sitting.panel().code(), "163035008");
  EXPECT_EQ(sitting.systolic_mmhg(), 131);
  EXPECT_FALSE(sitting.has_diastolic_mmhg());
  EXPECT_EQ(sitting.missing_component_reason(), "diastolic: Patient refused");
  const auto& members = s->blood_pressure_readings(1);
  EXPECT_EQ(members.systolic_mmhg(), 140);
  EXPECT_EQ(members.diastolic_mmhg(), 85);
  EXPECT_EQ(members.missing_component_reason(), "");
}

TEST(StructuredRecordRulesTest, AdmissionsDiagnosesProceduresAndWarnings) {
  auto s = ParseStructuredRecord(kRules);
  ASSERT_TRUE(s.ok()) << s.status();
  // Admissions by class or SNOMED type, never by free text.
  ASSERT_EQ(s->encounters_size(), 3);
  EXPECT_EQ(s->encounters(0).kind(), v1::ENCOUNTER_KIND_ADMISSION);
  EXPECT_EQ(s->encounters(1).kind(), v1::ENCOUNTER_KIND_ADMISSION);
  EXPECT_EQ(s->encounters(2).kind(), v1::ENCOUNTER_KIND_CONSULTATION);
  // Diagnoses: actual problem a finding, or none; not an allergy.
  ASSERT_EQ(s->problems_size(), 3);
  ASSERT_EQ(s->diagnoses_size(), 2);
  EXPECT_EQ(s->diagnoses(0).id(), "c1");
  EXPECT_EQ(s->diagnoses(1).id(), "c3");
  EXPECT_EQ(s->problems(1).related_codes(0).codings(0).code(), "91936005");
  // Procedures: the given immunisation only.
  ASSERT_EQ(s->procedures_size(), 1);
  EXPECT_EQ(s->procedures(0).id(), "i2");
  // Warnings: the high-criticality active allergy, not the mild one.
  ASSERT_EQ(s->warnings_size(), 1);
  EXPECT_EQ(s->warnings(0).id(), "a1");
  EXPECT_THAT(RuleStatus(*s, v1::GP_SECTION_WARNINGS).states(),
              ::testing::Contains(v1::SECTION_STATE_NOT_SUPPORTED));
  EXPECT_EQ(s->warnings(0).code().codings(0).code(), "91936005");
}

// An allergy the source sent without a code, and its warning, have no code
// (unset, not an empty concept).
TEST(StructuredRecordRulesTest, AnUncodedSevereAllergyWarnsWithoutACode) {
  auto s = ParseStructuredRecord(
      R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p"}},)"
      R"({"resource":{"resourceType":"AllergyIntolerance","id":"a","clinicalStatus":"active",)"
      R"("criticality":"high","note":[{"text":"Wasp stings"}]}}]})");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->allergies_size(), 1);
  EXPECT_FALSE(s->allergies(0).has_code());
  ASSERT_EQ(s->warnings_size(), 1);
  EXPECT_EQ(s->warnings(0).id(), "a");
  EXPECT_FALSE(s->warnings(0).has_code());
}

TEST(StructuredRecordRulesTest, AwaitingFilingAndNothingRecordedAndMissingLists) {
  auto s = ParseStructuredRecord(kRules);
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& meds = RuleStatus(*s, v1::GP_SECTION_MEDICATIONS);
  EXPECT_THAT(meds.states(), ::testing::UnorderedElementsAre(v1::SECTION_STATE_DATA_AWAITING_FILING,
                                                             v1::SECTION_STATE_NOTHING_RECORDED));
  EXPECT_THAT(meds.notes(), ::testing::Contains(HasSubstr("not been reviewed")));
  // No Problems List was sent at all: a state of its own, not a note.
  EXPECT_THAT(RuleStatus(*s, v1::GP_SECTION_PROBLEMS).states(),
              ::testing::ElementsAre(v1::SECTION_STATE_NOT_SENT));
  EXPECT_TRUE(RuleStatus(*s, v1::GP_SECTION_PROBLEMS).notes().empty());
  // Warnings are derived from allergies: always NOT_SUPPORTED, and section
  // notes hold only the source's own text.
  EXPECT_THAT(RuleStatus(*s, v1::GP_SECTION_WARNINGS).states(),
              ::testing::Contains(v1::SECTION_STATE_NOT_SUPPORTED));
  EXPECT_TRUE(RuleStatus(*s, v1::GP_SECTION_WARNINGS).notes().empty());
  EXPECT_THAT(RuleStatus(*s, v1::GP_SECTION_DEMOGRAPHICS).states(),
              ::testing::ElementsAre(v1::SECTION_STATE_COMPLETE));
}

TEST(StructuredRecordRulesTest, ParseIntoClearsOnError) {
  v1::GpSummary summary;
  ASSERT_TRUE(ParseStructuredRecordInto(kRules, {}, &summary).ok());
  EXPECT_GT(summary.encounters_size(), 0);
  EXPECT_FALSE(ParseStructuredRecordInto("{", {}, &summary).ok());
  EXPECT_EQ(summary.ByteSizeLong(), 0u);
}

// How the mapper reads the parsed document, whatever the shape of a field:
// the first occurrence of a repeated key counts (in a resource, in a small
// coding or quantity, and in a resource with more keys than the mapper's
// field table holds); any JSON number reads as its value (negative,
// unsigned 64-bit, fractional); a field of the wrong type reads as absent.
constexpr char kDocumentShapes[] = R"({"resourceType":"Bundle","id":"t","entry":[
 {"resource":{"resourceType":"Patient","id":"p","birthDate":"1950-01-01","birthDate":"1999-09-09"}},
 {"resource":{"resourceType":"List","code":{"coding":[{"system":"http://snomed.info/sct","code":"887191000000108"}]},
   "entry":[{"item":{"reference":"DiagnosticReport/r"}}]}},
 {"resource":{"resourceType":"DiagnosticReport","id":"r","result":[{"reference":"Observation/o1"},
   {"reference":"Observation/o2"},{"reference":"Observation/o3"},{"reference":"Observation/o4"}]}},
 {"resource":{"resourceType":"Observation","id":"o1","status":"final","status":"amended",
   "code":{"coding":[{"code":"1","code":"2","display":"A"}]},"valueQuantity":{"value":-3,"value":4,"unit":"mmol/L"}}},
 {"resource":{"resourceType":"Observation","id":"o2","valueQuantity":{"value":18446744073709551615,"unit":"x"}}},
 {"resource":{"resourceType":"Observation","id":"o3","valueQuantity":{"value":2.5},"status":7}},
 {"resource":{"resourceType":"Observation",
   "x0":0,"x1":1,"x2":2,"x3":3,"x4":4,"x5":5,"x6":6,"x7":7,"x8":8,"x9":9,
   "x10":10,"x11":11,"x12":12,"x13":13,"x14":14,"x15":15,"x16":16,"x17":17,"x18":18,"x19":19,
   "x20":20,"x21":21,"x22":22,"x23":23,"x24":24,"x25":25,"x26":26,"x27":27,"x28":28,"x29":29,
   "x30":30,"x31":31,"x32":32,"x33":33,"x34":34,"x35":35,"x36":36,"x37":37,"x38":38,"x39":39,
   "x40":40,"x41":41,"x42":42,"x43":43,"x44":44,"x45":45,"x46":46,"x47":47,"x48":48,"x49":49,
   "id":"o4","status":"final","status":"bad",
   "valueString":"high","valueString":"low"}}
]})";

TEST(StructuredRecordRulesTest, FirstKeyWinsAndNumbersAndTypesReadAsJsonSays) {
  ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  auto s = ParseStructuredRecord(kDocumentShapes, options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->demographics().date_of_birth(), "1950-01-01");
  ASSERT_EQ(s->investigations_size(), 1);
  const v1::Investigation& inv = s->investigations(0);
  ASSERT_EQ(inv.results_size(), 4);
  EXPECT_EQ(inv.results(0).status(), "final");
  ASSERT_EQ(inv.results(0).code().codings_size(), 1);
  EXPECT_EQ(inv.results(0).code().codings(0).code(), "1");
  EXPECT_EQ(inv.results(0).code().codings(0).display(), "A");
  EXPECT_EQ(inv.results(0).quantity().value(), -3);
  EXPECT_EQ(inv.results(0).quantity().unit(), "mmol/L");
  EXPECT_EQ(inv.results(1).quantity().value(), 18446744073709551615.0);
  EXPECT_EQ(inv.results(2).quantity().value(), 2.5);
  EXPECT_EQ(inv.results(2).status(), "");
  EXPECT_EQ(inv.results(3).id(), "o4");
  EXPECT_EQ(inv.results(3).status(), "final");
  EXPECT_EQ(inv.results(3).text(), "high");
}

// A caller's buffer with padding after the bundle is parsed in place, to the
// same summary (on an arena, as the gateway asks) and the same errors; what
// the padding holds does not matter.
TEST(StructuredRecordRulesTest, PaddedInputInPlaceOnAnArenaMapsTheSame) {
  ParseOptions options;
  options.now = absl::FromUnixSeconds(1700000000);
  ParseOptions padded_options = options;
  padded_options.readable_padding = kInputPadding;
  for (const std::string& file : FixtureFiles()) {
    SCOPED_TRACE(file);
    const std::string json = ReadFile(kFixtures + file);
    auto copied = ParseStructuredRecord(json, options);
    ASSERT_TRUE(copied.ok()) << copied.status();
    const std::string buffer = json + std::string(kInputPadding, '{');
    google::protobuf::Arena arena;
    auto* in_place = google::protobuf::Arena::CreateMessage<v1::GpSummary>(&arena);
    ASSERT_TRUE(ParseStructuredRecordInto(absl::string_view(buffer.data(), json.size()),
                                          padded_options, in_place)
                    .ok());
    EXPECT_EQ(in_place->SerializeAsString(), copied->SerializeAsString());
    // Cut short: refused exactly as the copied input is, and nothing kept.
    const absl::string_view cut(buffer.data(), json.size() / 2);
    auto copied_cut = ParseStructuredRecord(cut, options);
    absl::Status in_place_cut = ParseStructuredRecordInto(cut, padded_options, in_place);
    ASSERT_FALSE(copied_cut.ok());
    EXPECT_EQ(in_place_cut, copied_cut.status());
    EXPECT_EQ(in_place->ByteSizeLong(), 0u);
  }
}

}  // namespace
}  // namespace caregate::adapters::gpconnect
