#include "adapters/demo_data/demo_data.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/demo_data/json_writer.h"
#include "common/nhs_number.h"

namespace caregate::adapters::demo_data {
namespace {

using cld_csv::kCldColumnCount;
using cld_csv::Labels;

// ------------------------------------------------------------ word lists

const char* const kFemaleNames[] = {
    "Margaret", "Patricia", "Susan",  "Catherine", "Elizabeth", "Joan",   "Dorothy",
    "Irene",    "Sheila",   "Pauline", "Brenda",   "Christine", "Anne",   "Jean",
    "Maureen",  "Sandra",   "Linda",  "Janet",     "Hilda",     "Edith",  "Aisha",
    "Priya",    "Fatima",   "Mei",    "Olivia",    "Grace",     "Sophie", "Chloe"};
const char* const kMaleNames[] = {
    "John",   "David",  "Michael", "Peter",  "Robert", "William", "James",
    "George", "Thomas", "Stephen", "Brian",  "Kenneth", "Alan",   "Derek",
    "Ronald", "Keith",  "Graham",  "Arthur", "Colin",  "Raymond", "Imran",
    "Sanjay", "Tariq",  "Wei",     "Oliver", "Jack",   "Harry",   "Daniel"};
const char* const kFamilyNames[] = {
    "Smith",    "Jones",   "Taylor",   "Brown",   "Wilson",  "Robson",   "Charlton",
    "Armstrong", "Milburn", "Dodds",   "Hall",    "Thompson", "Walker",  "Wright",
    "Robinson", "Bell",    "Graham",   "Scott",   "Elliott", "Reed",     "Patel",
    "Khan",     "Begum",   "Chen",     "Nowak",   "Murphy",  "Hughes",   "Turnbull",
    "Heron",    "Forster", "Ridley",   "Pattinson", "Gibson", "Stephenson", "Lowes"};
const char* const kStreets[] = {
    "Grey Street",    "Westgate Road",  "Elswick Road",    "Shields Road",   "Osborne Road",
    "Chillingham Road", "Heaton Park Road", "Benton Road", "Jesmond Road",   "Fenham Hall Drive",
    "Two Ball Lonnen", "Stamfordham Road", "Denton Road",  "Walker Road",    "Welbeck Road",
    "Sandyford Road", "Acorn Road",     "Brighton Grove",  "Wingrove Avenue", "Cowgate"};
const char* const kVariants[][2] = {
    {"Catherine", "Katherine"}, {"Stephen", "Steven"}, {"Anne", "Ann"},
    {"Jean", "Jeanne"},         {"Brian", "Bryan"},    {"Alan", "Allan"},
    {"Mei", "May"},             {"Sophie", "Sophy"},   {"Graham", "Graeme"}};

const char* const kEthnicities[] = {
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Irish",
    "Asian or Asian British: Pakistani",
    "Asian or Asian British: Indian",
    "Asian or Asian British: Chinese",
    "Black, Black British, Caribbean or African: African",
    "Mixed or multiple ethnic groups: White and Asian",
    "No data: Undeclared or not known"};
const char* const kSupportReasons[] = {
    "Physical Support: Personal care support", "Physical Support: Personal care support",
    "Physical Support: Access & mobility only", "Support with Memory & Cognition",
    "Learning Disability Support",             "Mental Health Support",
    "Sensory Support: Support for visual impairment"};
const char* const kAccommodation[] = {
    "Owner occupier or shared ownership scheme",
    "Tenant: Local authority or other social housing provider",
    "Tenant: Private landlord",
    "Settled mainstream housing with family or friends",
    "Sheltered housing, extra care housing or other sheltered housing",
    "Registered care home"};
const char* const kEmployment[] = {"Not in paid employment: Not actively seeking work or retired",
                                   "Not in paid employment: Voluntary work only",
                                   "Paid: Less than 16 hours a week", "Unknown"};
const char* const kFunding[] = {"Fully social care funded", "Joint client and social care funded",
                                "Fully client funded"};
const char* const kRoutes[] = {"Community / other route", "Discharge from hospital",
                               "Diversion from hospital services", "Self-funder with depleted funds"};

struct ServiceKind {
  const char* type;
  const char* component;
  const char* unit;
  const char* units;  // planned units per week
  const char* cost;
};
const ServiceKind kServices[] = {
    {"Long term support: Community", "Home support or domiciliary care", "Hourly", "10.50", "21.40"},
    {"Long term support: Community", "Day support", "Per session", "2", "48.00"},
    {"Long term support: Community", "Meals", "Daily", "7", "6.50"},
    {"Long term support: Residential care", "Long term residential care", "Weekly", "1", "780.00"},
    {"Long term support: Nursing care", "Long term nursing care", "Weekly", "1", "950.00"},
    {"Short term support: ST-Max", "Reablement", "Hourly", "6", "24.00"},
    {"Long term support: Community", "Equipment", "One-off", "1", "120.00"},
    {"Long term support: Community", "Community supported living", "Weekly", "1", "640.00"},
};
const char* const kProviders[][2] = {
    {"Tyneside Home Care Ltd", "1-101000001"},   {"Quayside Care Services", "1-101000002"},
    {"Ouseburn Day Centre", "1-101000003"},      {"Jesmond Lodge Care Home", "1-101000004"},
    {"Heaton Nursing Home", "1-101000005"},      {"Newcastle Reablement Service", "1-101000006"}};

struct Team {
  const char* id;
  const char* name;
  const char* phone;
  const char* email;
};
const Team kTeams[] = {
    {"T-OPN", "Older People North", "0191 498 0101", "opnorth@x99la.example"},
    {"T-OPS", "Older People South", "0191 498 0102", "opsouth@x99la.example"},
    {"T-LD", "Learning Disabilities", "0191 498 0103", "ld.team@x99la.example"},
    {"T-REAB", "Reablement", "0191 498 0104", "reablement@x99la.example"}};
struct Worker {
  const char* id;
  const char* name;
  const char* role;
  int team;
};
const Worker kWorkers[] = {
    {"sw-001", "Sam Patel", "Social Worker", 0},
    {"sw-002", "Lucy Charlton", "Social Worker", 0},
    {"sw-003", "Ravi Sharma", "Senior Social Worker", 1},
    {"sw-004", "Emma Robson", "Social Worker", 1},
    {"sw-005", "Tom Dodds", "Social Worker", 2},
    {"sw-006", "Hannah Bell", "Community Care Officer", 2},
    {"sw-007", "Alex Brown", "Occupational Therapist", 3},
    {"sw-008", "Nadia Khan", "Social Work Assistant", 3}};

const char* const kRelationships[] = {"Daughter", "Son", "Wife", "Husband", "Partner",
                                      "Sister", "Brother", "Friend", "Neighbour"};

struct Drug {
  const char* code;
  const char* display;
  const char* dose;
};
const Drug kDrugs[] = {
    {"319283006", "Amlodipine 5mg tablets", "One tablet once a day"},
    {"320000009", "Atorvastatin 20mg tablets", "One tablet at night"},
    {"325278007", "Metformin 500mg tablets", "One tablet twice a day with food"},
    {"318900002", "Ramipril 2.5mg capsules", "One capsule once a day"},
    {"317335000", "Omeprazole 20mg gastro-resistant capsules", "One capsule each morning"},
    {"322236009", "Paracetamol 500mg tablets", "Two tablets up to four times a day"}};
struct Code {
  const char* code;
  const char* display;
};
const Code kProblems[] = {{"59621000", "Essential hypertension"},
                          {"44054006", "Type 2 diabetes mellitus"},
                          {"239873007", "Osteoarthritis of knee"},
                          {"195967001", "Asthma"},
                          {"52448006", "Dementia"},
                          {"13645005", "Chronic obstructive lung disease"}};
const Code kAllergies[] = {{"91936005", "Allergy to penicillin"},
                           {"300913006", "Shellfish allergy"},
                           {"294505008", "Allergy to amoxicillin"}};
const Code kReferrals[] = {{"308447003", "Referral to physiotherapist"},
                           {"306206005", "Referral to service"},
                           {"183524004", "Referral to psychiatry service"}};

struct Practice {
  const char* code;
  const char* name;
  const char* line;
  const char* postcode;
  const char* phone;
};
const Practice kPractices[] = {
    {"A99001", "Riverside Medical Practice", "1 Quayside", "NE1 3DX", "0191 498 0201"},
    {"A99002", "Elm Tree Surgery", "24 Elm Tree Avenue", "NE6 5XY", "0191 498 0202"}};

constexpr const char* kSct = "http://snomed.info/sct";
constexpr const char* kNhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";
constexpr const char* kOdsSystem = "https://fhir.nhs.uk/Id/ods-organization-code";
constexpr const char* kSdProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/";

// ------------------------------------------------------------ helpers

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform enough for demo data; std::mt19937_64 output is fixed by the
  // standard, so the files are the same on every platform.
  int Below(int n) { return static_cast<int>(engine_() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(static_cast<int>(N))];
  }

 private:
  std::mt19937_64 engine_;
};

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

std::string Postcode(Rng& rng) {
  static const char kLetters[] = "ABDEFGHJLNPQRSTUWXYZ";
  return absl::StrCat("NE", 1 + rng.Below(15), " ", 1 + rng.Below(9),
                      std::string(1, kLetters[rng.Below(20)]),
                      std::string(1, kLetters[rng.Below(20)]));
}

std::string Variant(const std::string& given) {
  for (const auto& v : kVariants) {
    if (given == v[0]) return v[1];
    if (given == v[1]) return v[0];
  }
  return given.size() > 3 ? given.substr(0, given.size() - 1) + "e" : given + "e";
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::vector<std::string> quoted;
  quoted.reserve(cells.size());
  for (const auto& c : cells) quoted.push_back(CsvField(c));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\r\n");
}

// ------------------------------------------------------------ people

struct Person {
  int index = 0;
  std::string nhs, la_id, given, family, gender, birth, death, postcode, street;
  int practice = 0;
  std::string ethnicity, psr, accommodation, employment, funding;
  bool has_carer = false;
  bool deceased = false;
  absl::CivilDay death_day;
};

std::string Sex(const Person& p) { return p.gender == "Female" ? "female" : "male"; }

// ------------------------------------------------------------ FHIR

Json Meta(absl::string_view profile) {
  return Json::Obj().Set(
      "profile", Json::Arr().Add(Json::Str(absl::StrCat(kSdProfile, profile))));
}
Json Ref(absl::string_view target) { return Json::Obj().Set("reference", target); }
Json Coding(absl::string_view system, absl::string_view code, absl::string_view display) {
  return Json::Obj().Set("system", system).Set("code", code).Set("display", display);
}
Json Concept(absl::string_view system, absl::string_view code, absl::string_view display) {
  return Json::Obj().Set("coding", Json::Arr().Add(Coding(system, code, display)));
}
Json Snomed(absl::string_view code, absl::string_view display) {
  return Concept(kSct, code, display);
}
Json Quantity(absl::string_view value, absl::string_view unit) {
  return Json::Obj()
      .Set("value", Json::Num(value))
      .Set("unit", unit)
      .Set("system", "http://unitsofmeasure.org")
      .Set("code", unit);
}

enum class Warning { kNone, kConfidential, kInTransit };

// A GP Connect List (gpconnect.md 2.2): no id, status current, snapshot,
// the clinical-setting extension, optional warning code and empty reason.
Json MakeList(absl::string_view code, absl::string_view title, const std::string& date,
              const std::vector<std::string>& items, Warning warning,
              absl::string_view transit_date) {
  Json ext = Json::Arr();
  ext.Add(Json::Obj()
              .Set("url", absl::StrCat(kSdProfile, "Extension-CareConnect-GPC-ClinicalSetting-1"))
              .Set("valueCodeableConcept",
                   Snomed("1060971000000108", "General practice service")));
  if (warning != Warning::kNone) {
    ext.Add(Json::Obj()
                .Set("url", absl::StrCat(kSdProfile, "Extension-CareConnect-GPC-ListWarningCode-1"))
                .Set("valueCode", warning == Warning::kConfidential ? "confidential-items"
                                                                    : "data-in-transit"));
  }
  Json list = Json::Obj();
  list.Set("resourceType", "List")
      .Set("meta", Meta("CareConnect-GPC-List-1"))
      .Set("extension", std::move(ext))
      .Set("status", "current")
      .Set("mode", "snapshot")
      .Set("title", title)
      .Set("code", Snomed(code, title))
      .Set("subject", Ref("Patient/1"))
      .Set("date", absl::StrCat(date, "T09:00:00+00:00"))
      .Set("orderedBy", Concept("http://hl7.org/fhir/list-order", "event-date",
                                "Sorted by Event Date"));
  Json notes = Json::Arr();
  if (warning == Warning::kConfidential) {
    notes.Add(Json::Obj().Set(
        "text", "Items excluded due to confidentiality and/or patient preferences."));
  } else if (warning == Warning::kInTransit) {
    notes.Add(Json::Obj().Set(
        "text", absl::StrCat("Patient record transfer from previous GP practice not yet "
                             "complete; information recorded before ",
                             transit_date, " may be missing.")));
  }
  if (items.empty()) {
    list.Set("emptyReason",
             Json::Obj()
                 .Set("coding",
                      Json::Arr().Add(Coding(
                          "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1",
                          "no-content-recorded", "No Content Recorded")))
                 .Set("text", "Information not available"));
    if (warning == Warning::kNone) notes.Add(Json::Obj().Set("text", "Information not available"));
  }
  if (!notes.empty()) list.Set("note", std::move(notes));
  if (!items.empty()) {
    Json entries = Json::Arr();
    for (const auto& item : items) entries.Add(Json::Obj().Set("item", Ref(item)));
    list.Set("entry", std::move(entries));
  }
  return list;
}

std::string MakeBundle(const Person& p, const DemoDataOptions& o, Rng& rng) {
  const Practice& practice = kPractices[p.practice];
  const absl::CivilDay today = o.reference_day;
  std::vector<Json> resources;
  Json bundle_entries = Json::Arr();

  // Identity differences for the cross-check to show.
  std::string given = p.given;
  std::string postcode = p.postcode;
  if (p.index % 10 == 7) given = Variant(p.given);
  if (p.index % 10 == 3) postcode = Postcode(rng);

  Json patient = Json::Obj();
  patient.Set("resourceType", "Patient")
      .Set("id", "1")
      .Set("meta", Meta("CareConnect-GPC-Patient-1"))
      .Set("extension",
           Json::Arr().Add(
               Json::Obj()
                   .Set("url", absl::StrCat(kSdProfile,
                                            "Extension-CareConnect-GPC-RegistrationDetails-1"))
                   .Set("extension",
                        Json::Arr().Add(
                            Json::Obj()
                                .Set("url", "registrationPeriod")
                                .Set("valuePeriod",
                                     Json::Obj().Set("start",
                                                     Day(today - 3650 - 30 * p.index % 3000)))))))
      .Set("identifier",
           Json::Arr().Add(
               Json::Obj()
                   .Set("extension",
                        Json::Arr().Add(
                            Json::Obj()
                                .Set("url",
                                     absl::StrCat(
                                         kSdProfile,
                                         "Extension-CareConnect-GPC-NHSNumberVerificationStatus-1"))
                                .Set("valueCodeableConcept",
                                     Concept("https://fhir.nhs.uk/STU3/CodeSystem/"
                                             "CareConnect-NHSNumberVerificationStatus-1",
                                             "01", "Number present and verified"))))
                   .Set("system", kNhsNumberSystem)
                   .Set("value", p.nhs)))
      .Set("active", Json::Bool(true))
      .Set("name", Json::Arr().Add(Json::Obj()
                                       .Set("use", "official")
                                       .Set("text", absl::StrCat(given, " ", p.family))
                                       .Set("family", p.family)
                                       .Set("given", Json::Arr().Add(Json::Str(given)))))
      .Set("gender", Sex(p))
      .Set("birthDate", p.birth)
      .Set("address", Json::Arr().Add(Json::Obj()
                                          .Set("use", "home")
                                          .Set("type", "physical")
                                          .Set("line", Json::Arr().Add(Json::Str(p.street)))
                                          .Set("city", "Newcastle upon Tyne")
                                          .Set("postalCode", postcode)))
      .Set("generalPractitioner", Json::Arr().Add(Ref("Organization/2")))
      .Set("managingOrganization", Ref("Organization/2"));
  // The registered practice (Organization/2, ODS code) is both the general
  // practitioner and the managing organisation; the usual GP is
  // Practitioner/3 with a PractitionerRole at the practice.
  resources.push_back(std::move(patient));

  resources.push_back(
      Json::Obj()
          .Set("resourceType", "Organization")
          .Set("id", "2")
          .Set("meta", Meta("CareConnect-GPC-Organization-1"))
          .Set("identifier",
               Json::Arr().Add(Json::Obj().Set("system", kOdsSystem).Set("value", practice.code)))
          .Set("name", practice.name)
          .Set("telecom", Json::Arr().Add(Json::Obj()
                                              .Set("system", "phone")
                                              .Set("value", practice.phone)
                                              .Set("use", "work")))
          .Set("address", Json::Arr().Add(Json::Obj()
                                              .Set("use", "work")
                                              .Set("line", Json::Arr().Add(Json::Str(practice.line)))
                                              .Set("city", "Newcastle upon Tyne")
                                              .Set("postalCode", practice.postcode))));
  resources.push_back(
      Json::Obj()
          .Set("resourceType", "Practitioner")
          .Set("id", "3")
          .Set("meta", Meta("CareConnect-GPC-Practitioner-1"))
          .Set("identifier", Json::Arr().Add(Json::Obj()
                                                 .Set("system", "https://fhir.nhs.uk/Id/sds-user-id")
                                                 .Set("value", absl::StrCat("G99000", p.practice + 1))))
          .Set("name", Json::Arr().Add(Json::Obj()
                                           .Set("use", "usual")
                                           .Set("family", p.practice == 0 ? "Okafor" : "Lindqvist")
                                           .Set("given", Json::Arr().Add(Json::Str(
                                                             p.practice == 0 ? "Ada" : "Erik")))
                                           .Set("prefix", Json::Arr().Add(Json::Str("Dr")))))
          .Set("gender", p.practice == 0 ? "female" : "male"));
  resources.push_back(
      Json::Obj()
          .Set("resourceType", "PractitionerRole")
          .Set("id", "4")
          .Set("meta", Meta("CareConnect-GPC-PractitionerRole-1"))
          .Set("practitioner", Ref("Practitioner/3"))
          .Set("organization", Ref("Organization/2"))
          .Set("code", Json::Arr().Add(Concept(
                           "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1",
                           "R0260", "General Medical Practitioner"))));

  // Which lists carry warnings: some people's record is still in transit
  // (every list), some have confidential items withheld from one list.
  const bool in_transit = p.index % 11 == 5;
  const int confidential_list = p.index % 7 == 2 ? (p.index / 7) % 3 : -1;
  const std::string transit_date = absl::FormatCivilTime(today - 20);
  auto warning = [&](int list) {
    if (in_transit) return Warning::kInTransit;
    return list == confidential_list ? Warning::kConfidential : Warning::kNone;
  };
  const std::string list_date = Day(today - 1);

  // Medications (933361000000108).
  std::vector<std::string> med_items;
  int n_meds = rng.Below(4);
  for (int m = 0; m < n_meds; ++m) {
    const Drug& drug = kDrugs[(p.index + m * 2) % 6];
    std::string id = absl::StrCat(m + 1);
    absl::CivilDay start = today - (60 + rng.Below(900));
    absl::CivilDay last_issue = today - (1 + rng.Below(50));
    resources.push_back(Json::Obj()
                            .Set("resourceType", "Medication")
                            .Set("id", absl::StrCat("med-", id))
                            .Set("meta", Meta("CareConnect-GPC-Medication-1"))
                            .Set("code", Snomed(drug.code, drug.display)));
    // The authorisation (intent "plan") and its latest issue (intent
    // "order") differ only in status, dates, dispense details and the
    // order's link back to its plan.
    auto medication_request = [&](absl::string_view kind, absl::string_view status,
                                  absl::CivilDay authored, Json dispense) {
      Json r = Json::Obj();
      r.Set("resourceType", "MedicationRequest")
          .Set("id", absl::StrCat("mr-", kind, "-", id))
          .Set("meta", Meta("CareConnect-GPC-MedicationRequest-1"))
          .Set("extension",
               Json::Arr().Add(
                   Json::Obj()
                       .Set("url", absl::StrCat(kSdProfile,
                                                "Extension-CareConnect-GPC-PrescriptionType-1"))
                       .Set("valueCodeableConcept",
                            Concept("https://fhir.nhs.uk/STU3/CodeSystem/"
                                    "CareConnect-PrescriptionType-1",
                                    "repeat", "Repeat"))))
          .Set("groupIdentifier", Json::Obj().Set("value", absl::StrCat("grp-", id)));
      if (kind == "order") {
        r.Set("basedOn", Json::Arr().Add(Ref(absl::StrCat("MedicationRequest/mr-plan-", id))));
      }
      r.Set("status", status)
          .Set("intent", kind == "plan" ? "plan" : "order")
          .Set("medicationReference", Ref(absl::StrCat("Medication/med-", id)))
          .Set("subject", Ref("Patient/1"))
          .Set("authoredOn", Day(authored))
          .Set("recorder", Ref("Practitioner/3"))
          .Set("dosageInstruction", Json::Arr().Add(Json::Obj().Set("text", drug.dose)))
          .Set("dispenseRequest", std::move(dispense));
      return r;
    };
    const auto tablets = [] {
      return Json::Obj().Set("value", Json::Num("28")).Set("unit", "tablet");
    };
    resources.push_back(medication_request(
        "plan", "active", start,
        Json::Obj()
            .Set("validityPeriod", Json::Obj().Set("start", Day(start)))
            .Set("quantity", tablets())
            .Set("expectedSupplyDuration", Json::Obj()
                                               .Set("value", Json::Num("28"))
                                               .Set("unit", "day")
                                               .Set("system", "http://unitsofmeasure.org")
                                               .Set("code", "d"))));
    resources.push_back(medication_request(
        "order", "completed", last_issue,
        Json::Obj()
            .Set("validityPeriod",
                 Json::Obj().Set("start", Day(last_issue)).Set("end", Day(last_issue + 28)))
            .Set("quantity", tablets())));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "MedicationStatement")
            .Set("id", absl::StrCat("ms-", id))
            .Set("meta", Meta("CareConnect-GPC-MedicationStatement-1"))
            .Set("extension",
                 Json::Arr()
                     .Add(Json::Obj()
                              .Set("url", absl::StrCat(
                                              kSdProfile,
                                              "Extension-CareConnect-GPC-MedicationStatementLastIssueDate-1"))
                              .Set("valueDateTime", Day(last_issue)))
                     .Add(Json::Obj()
                              .Set("url", absl::StrCat(kSdProfile,
                                                       "Extension-CareConnect-GPC-PrescribingAgency-1"))
                              .Set("valueCodeableConcept",
                                   Concept("https://fhir.nhs.uk/STU3/CodeSystem/"
                                           "CareConnect-PrescribingAgency-1",
                                           "prescribed-at-gp-practice",
                                           "Prescribed at GP practice"))))
            .Set("basedOn", Json::Arr().Add(Ref(absl::StrCat("MedicationRequest/mr-plan-", id))))
            .Set("status", "active")
            .Set("medicationReference", Ref(absl::StrCat("Medication/med-", id)))
            .Set("effectivePeriod", Json::Obj().Set("start", Day(start)))
            .Set("dateAsserted", Day(start))
            .Set("subject", Ref("Patient/1"))
            .Set("taken", "unk")
            .Set("dosage", Json::Arr().Add(Json::Obj().Set("text", drug.dose))));
    med_items.push_back(absl::StrCat("MedicationStatement/ms-", id));
  }
  resources.push_back(MakeList("933361000000108", "Medications and medical devices", list_date,
                               med_items, warning(0), transit_date));

  // Problems (717711000000103).
  std::vector<std::string> problem_items;
  int n_problems = 1 + rng.Below(3);
  for (int k = 0; k < n_problems; ++k) {
    const Code& problem = kProblems[(p.index + k) % 6];
    std::string id = absl::StrCat("prob-", k + 1);
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Condition")
            .Set("id", id)
            .Set("meta", Meta("CareConnect-GPC-ProblemHeader-Condition-1"))
            .Set("extension",
                 Json::Arr().Add(Json::Obj()
                                     .Set("url", "https://fhir.hl7.org.uk/STU3/StructureDefinition/"
                                                 "Extension-CareConnect-ProblemSignificance-1")
                                     .Set("valueCode", k == 0 ? "major" : "minor")))
            .Set("clinicalStatus", "active")
            .Set("category", Json::Arr().Add(Concept("http://hl7.org/fhir/condition-category",
                                                     "problem-list-item", "Problem List Item")))
            .Set("code", Snomed(problem.code, problem.display))
            .Set("subject", Ref("Patient/1"))
            .Set("onsetDateTime", Day(today - (200 + rng.Below(3000))))
            .Set("assertedDate", Day(today - 150))
            .Set("asserter", Ref("Practitioner/3")));
    problem_items.push_back(absl::StrCat("Condition/", id));
  }
  resources.push_back(
      MakeList("717711000000103", "Problems", list_date, problem_items, warning(1), transit_date));

  // Allergies (886921000000105): some people have none recorded.
  std::vector<std::string> allergy_items;
  if (rng.Chance(40)) {
    const Code& allergy = rng.Pick(kAllergies);
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "AllergyIntolerance")
            .Set("id", "allergy-1")
            .Set("meta", Meta("CareConnect-GPC-AllergyIntolerance-1"))
            .Set("clinicalStatus", "active")
            .Set("verificationStatus", "unconfirmed")
            .Set("category", Json::Arr().Add(Json::Str("medication")))
            .Set("code", Snomed(allergy.code, allergy.display))
            .Set("patient", Ref("Patient/1"))
            .Set("onsetDateTime", Day(today - 4000))
            .Set("assertedDate", Day(today - 4000))
            .Set("recorder", Ref("Practitioner/3")));
    allergy_items.push_back("AllergyIntolerance/allergy-1");
  }
  resources.push_back(MakeList("886921000000105", "Allergies and adverse reactions", list_date,
                               allergy_items, warning(2), transit_date));

  // Immunisations (1102181000000102): the vaccination procedure in the
  // extension, vaccineCode UNK, as EMIS sends it.
  std::vector<std::string> immunisation_items;
  static const Code kVaccinations[] = {{"822851000000102", "Seasonal influenza vaccination"},
                                       {"12866006", "Pneumococcal vaccination"}};
  int n_imm = rng.Below(3);
  for (int k = 0; k < n_imm; ++k) {
    std::string id = absl::StrCat("imm-", k + 1);
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Immunization")
            .Set("id", id)
            .Set("meta", Meta("CareConnect-GPC-Immunization-1"))
            .Set("extension",
                 Json::Arr().Add(
                     Json::Obj()
                         .Set("url", "https://fhir.hl7.org.uk/STU3/StructureDefinition/"
                                     "Extension-CareConnect-VaccinationProcedure-1")
                         .Set("valueCodeableConcept",
                              Snomed(kVaccinations[k % 2].code, kVaccinations[k % 2].display))))
            .Set("status", "completed")
            .Set("notGiven", Json::Bool(false))
            .Set("vaccineCode",
                 Json::Obj()
                     .Set("coding", Json::Arr().Add(Json::Obj()
                                                        .Set("system", "http://hl7.org/fhir/v3/NullFlavor")
                                                        .Set("code", "UNK")))
                     .Set("text", "Unknown"))
            .Set("patient", Ref("Patient/1"))
            .Set("date", Day(today - (30 + 365 * k + rng.Below(60))))
            .Set("primarySource", Json::Bool(true)));
    immunisation_items.push_back(absl::StrCat("Immunization/", id));
  }
  resources.push_back(MakeList("1102181000000102", "Immunisations", list_date,
                               immunisation_items,
                               in_transit ? Warning::kInTransit : Warning::kNone, transit_date));

  // Uncategorised data (826501000000100): blood pressure triples.
  std::vector<std::string> bp_items;
  int n_bp = rng.Below(3);
  for (int k = 0; k < n_bp; ++k) {
    std::string id = absl::StrCat("bp-", k + 1);
    std::string sys = absl::StrCat(115 + rng.Below(45));
    std::string dia = absl::StrCat(65 + rng.Below(30));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Observation")
            .Set("id", id)
            .Set("meta", Meta("CareConnect-GPC-Observation-1"))
            .Set("status", "final")
            .Set("code", Snomed("163020007", "O/E - blood pressure reading"))
            .Set("subject", Ref("Patient/1"))
            .Set("effectiveDateTime", Day(today - (10 + 90 * k + rng.Below(60))))
            .Set("issued", absl::StrCat(Day(today - (5 + 90 * k)), "T10:00:00+00:00"))
            .Set("performer", Json::Arr().Add(Ref("Practitioner/3")))
            .Set("component",
                 Json::Arr()
                     .Add(Json::Obj()
                              .Set("code", Snomed("72313002", "Systolic arterial pressure"))
                              .Set("valueQuantity", Quantity(sys, "mm[Hg]")))
                     .Add(Json::Obj()
                              .Set("code", Snomed("1091811000000102", "Diastolic arterial pressure"))
                              .Set("valueQuantity", Quantity(dia, "mm[Hg]")))));
    bp_items.push_back(absl::StrCat("Observation/", id));
  }
  resources.push_back(MakeList("826501000000100", "Uncategorised data", list_date, bp_items,
                               in_transit ? Warning::kInTransit : Warning::kNone, transit_date));

  // Investigations (887191000000108): a full blood count report.
  std::vector<std::string> investigation_items;
  if (rng.Chance(60)) {
    std::string hb = absl::StrCat(110 + rng.Below(50));
    std::string wbc = absl::StrCat(4 + rng.Below(6), ".", rng.Below(10));
    absl::CivilDay when = today - (20 + rng.Below(200));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Observation")
            .Set("id", "result-1")
            .Set("meta", Meta("CareConnect-GPC-Observation-1"))
            .Set("status", "final")
            .Set("code", Snomed("271026005", "Haemoglobin concentration"))
            .Set("subject", Ref("Patient/1"))
            .Set("effectiveDateTime", Day(when))
            .Set("issued", absl::StrCat(Day(when + 1), "T12:00:00+00:00"))
            .Set("valueQuantity", Quantity(hb, "g/L"))
            .Set("referenceRange",
                 Json::Arr().Add(Json::Obj()
                                     .Set("low", Quantity("115", "g/L"))
                                     .Set("high", Quantity("165", "g/L")))));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Observation")
            .Set("id", "result-2")
            .Set("meta", Meta("CareConnect-GPC-Observation-1"))
            .Set("status", "final")
            .Set("code", Snomed("767002", "White blood cell count"))
            .Set("subject", Ref("Patient/1"))
            .Set("effectiveDateTime", Day(when))
            .Set("issued", absl::StrCat(Day(when + 1), "T12:00:00+00:00"))
            .Set("valueQuantity", Quantity(wbc, "10*9/L")));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "DiagnosticReport")
            .Set("id", "report-1")
            .Set("meta", Meta("CareConnect-GPC-DiagnosticReport-1"))
            .Set("status", "final")
            .Set("category", Concept("http://hl7.org/fhir/v2/0074", "HM", "Haematology"))
            .Set("code", Snomed("721981007", "Diagnostic studies report"))
            .Set("subject", Ref("Patient/1"))
            .Set("issued", absl::StrCat(Day(when + 1), "T12:00:00+00:00"))
            .Set("performer",
                 Json::Arr().Add(Json::Obj().Set("actor", Ref("Organization/2"))))
            .Set("result", Json::Arr()
                               .Add(Ref("Observation/result-1"))
                               .Add(Ref("Observation/result-2"))));
    investigation_items.push_back("DiagnosticReport/report-1");
  }
  resources.push_back(MakeList("887191000000108", "Investigations and results", list_date,
                               investigation_items,
                               in_transit ? Warning::kInTransit : Warning::kNone, transit_date));

  // Consultations (1149501000000101).
  std::vector<std::string> encounter_items;
  int n_enc = rng.Below(3);
  for (int k = 0; k < n_enc; ++k) {
    std::string id = absl::StrCat("enc-", k + 1);
    absl::CivilDay when = today - (7 + 60 * k + rng.Below(50));
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "Encounter")
            .Set("id", id)
            .Set("meta", Meta("CareConnect-GPC-Encounter-1"))
            .Set("status", "finished")
            .Set("type", Json::Arr().Add(Json::Obj().Set(
                             "text", k % 2 ? "Telephone Consultation" : "Surgery Consultation")))
            .Set("subject", Ref("Patient/1"))
            .Set("participant",
                 Json::Arr().Add(
                     Json::Obj()
                         .Set("type", Json::Arr().Add(Concept(
                                          "https://fhir.nhs.uk/STU3/CodeSystem/"
                                          "GPConnect-ParticipantType-1",
                                          "PPRF", "primary performer")))
                         .Set("individual", Ref("Practitioner/3"))))
            .Set("period", Json::Obj()
                               .Set("start", absl::StrCat(Day(when), "T10:30:00+00:00"))
                               .Set("end", absl::StrCat(Day(when), "T10:40:00+00:00")))
            .Set("serviceProvider", Ref("Organization/2")));
    encounter_items.push_back(absl::StrCat("Encounter/", id));
  }
  resources.push_back(MakeList("1149501000000101", "List of consultations", list_date,
                               encounter_items,
                               in_transit ? Warning::kInTransit : Warning::kNone, transit_date));

  // Referrals (792931000000107).
  std::vector<std::string> referral_items;
  if (rng.Chance(35)) {
    const Code& reason = rng.Pick(kReferrals);
    resources.push_back(
        Json::Obj()
            .Set("resourceType", "ReferralRequest")
            .Set("id", "ref-1")
            .Set("meta", Meta("CareConnect-GPC-ReferralRequest-1"))
            .Set("status", "active")
            .Set("intent", "order")
            .Set("priority", "routine")
            .Set("subject", Ref("Patient/1"))
            .Set("authoredOn", Day(today - (30 + rng.Below(100))))
            .Set("requester", Json::Obj().Set("agent", Ref("Practitioner/3")))
            .Set("reasonCode", Json::Arr().Add(Snomed(reason.code, reason.display)))
            .Set("description", reason.display));
    referral_items.push_back("ReferralRequest/ref-1");
  }
  resources.push_back(MakeList("792931000000107", "Outbound referral", list_date, referral_items,
                               in_transit ? Warning::kInTransit : Warning::kNone, transit_date));

  for (auto& r : resources) bundle_entries.Add(Json::Obj().Set("resource", std::move(r)));
  Json bundle = Json::Obj();
  bundle.Set("resourceType", "Bundle")
      .Set("id", absl::StrFormat("demo-%s-%08x", p.nhs, static_cast<uint32_t>(o.seed)))
      .Set("meta", Json::Obj().Set("profile", Json::Arr().Add(Json::Str(absl::StrCat(
                                                  kSdProfile, "GPConnect-StructuredRecord-Bundle-1")))))
      .Set("type", "collection")
      .Set("entry", std::move(bundle_entries));
  return bundle.Dump();
}

// ------------------------------------------------------------ council rows

struct Writer {
  std::ofstream events, contacts;
};

std::vector<std::string> EventsHeader() {
  std::vector<std::string> h;
  for (int c = 0; c < cld_csv::kColumnCount; ++c) h.push_back(std::string(Labels(c).header));
  return h;
}

using Row = std::vector<std::string>;

Row PersonRow(const Person& p, const DemoDataOptions& o) {
  using namespace cld_csv;
  Row r(kColumnCount);
  absl::CivilDay period_end = o.reference_day - 1;
  r[kLaCode] = o.council_code;
  r[kReportingPeriodStartDate] = Day(period_end - 91);
  r[kReportingPeriodEndDate] = Day(period_end);
  r[kNhsNumber] = p.nhs;
  r[kLaPersonId] = p.la_id;
  r[kGpPracticeCode] = kPractices[p.practice].code;
  r[kGpPracticeName] = kPractices[p.practice].name;
  r[kGender] = p.gender;
  r[kEthnicity] = p.ethnicity;
  r[kDateOfBirth] = p.birth;
  r[kDateOfDeath] = p.death;
  r[kClientType] = "Service user";
  r[kPrimarySupportReason] = p.psr;
  r[kPostcode] = p.postcode;
  r[kAccommodationStatus] = p.accommodation;
  r[kEmploymentStatus] = p.employment;
  r[kHasUnpaidCarer] = p.has_carer ? "Yes" : "No";
  r[kDementia] = p.psr == "Support with Memory & Cognition" ? "Yes" : "No";
  r[kClientFundingStatus] = p.funding;
  r[kGivenName] = p.given;
  r[kFamilyName] = p.family;
  r[kAddressLine1] = p.street;
  r[kNhsNumberStatus] = "Verified";
  return r;
}

void WritePerson(const Person& p, const DemoDataOptions& o, Rng& rng, Writer& w) {
  using namespace cld_csv;
  const absl::CivilDay today = o.reference_day;
  absl::CivilDay first_contact = today - (120 + rng.Below(1500));
  // A deceased person's whole history comes before their death.
  if (p.deceased && first_contact > p.death_day - 250) first_contact = p.death_day - 250;
  const std::string death = p.death;
  auto cap = [&](absl::CivilDay d) {
    std::string s = Day(d);
    return !death.empty() && s > death ? death : s;
  };

  // Request and assessment, both closed.
  Row req = PersonRow(p, o);
  req[kEventType] = "Request";
  req[kEventReference] = absl::StrCat(p.la_id, "-REQ-1");
  req[kEventStartDate] = Day(first_contact);
  req[kEventEndDate] = cap(first_contact + 3);
  req[kEventDescription] = "Contact from the Adult Social Care front door";
  req[kEventOutcome] = "Progress to assessment, review or reassessment";
  req[kRouteOfAccess] = rng.Pick(kRoutes);
  w.events << CsvLine(req);

  Row assess = PersonRow(p, o);
  assess[kEventType] = "Assessment";
  assess[kEventReference] = absl::StrCat(p.la_id, "-ASM-1");
  assess[kEventStartDate] = Day(first_contact + 5);
  assess[kEventEndDate] = cap(first_contact + 30);
  assess[kEventDescription] = "Care Act assessment, visit at home";
  assess[kEventOutcome] = "Progress to support planning or services";
  assess[kAssessmentType] = "Long Term Support: First assessment";
  assess[kEligibleNeedsIdentified] = "Yes";
  assess[kMethodOfAssessment] = "Face to face assessment";
  w.events << CsvLine(assess);

  // Services: one to three; some ended, most ongoing; one in five paid as a
  // direct payment.
  int n_services = 1 + rng.Below(3);
  for (int s = 0; s < n_services; ++s) {
    const ServiceKind& kind = rng.Pick(kServices);
    const auto& provider = rng.Pick(kProviders);
    Row svc = PersonRow(p, o);
    bool dp = rng.Chance(20);
    absl::CivilDay start = first_contact + 35 + 20 * s;
    if (start > today) start = today - 1;
    svc[kEventType] = "Service";
    svc[kEventReference] = absl::StrCat(p.la_id, "-SVC-", s + 1);
    svc[kEventStartDate] = Day(start);
    int fate = rng.Below(10);
    if (!death.empty()) {
      svc[kEventEndDate] = death;
      svc[kEventOutcome] = "NFA: Deceased";
    } else if (fate < 2 && start + 30 < today) {
      svc[kEventEndDate] = Day(start + 30);  // ended
      svc[kEventOutcome] = "NFA: Support ended as planned";
    } else if (fate == 2) {
      svc[kEventEndDate] = Day(today + 60);  // ends later
      svc[kEventOutcome] = "Continuation of support or services";
    } else {
      svc[kEventOutcome] = "Continuation of support or services";
    }
    svc[kEventDescription] = kind.component;
    svc[kServiceType] = kind.type;
    svc[kServiceComponent] = dp ? "Direct payment" : kind.component;
    svc[kDeliveryMechanism] = dp ? "Direct payment" : "CASSR commissioned support";
    svc[kProviderCqcLocationId] = dp ? "" : provider[1];
    svc[kProviderName] = dp ? "" : provider[0];
    svc[kUnitCost] = dp ? absl::StrCat(150 + 10 * rng.Below(20), ".00") : kind.cost;
    svc[kCostFrequency] = dp ? "Weekly" : kind.unit;
    svc[kPlannedUnitsPerWeek] = dp ? "1" : kind.units;
    if (dp) {
      static const char* const kManagers[] = {"Person", "Third party", "Council managed account"};
      svc[kDirectPaymentManagedBy] = rng.Pick(kManagers);
    }
    w.events << CsvLine(svc);
  }

  // A planned review for some.
  if (rng.Chance(50) && first_contact + 200 < today) {
    Row review = PersonRow(p, o);
    review[kEventType] = "Review";
    review[kEventReference] = absl::StrCat(p.la_id, "-REV-1");
    review[kEventStartDate] = Day(first_contact + 180);
    review[kEventEndDate] = cap(first_contact + 190);
    review[kEventOutcome] = "Continuation of support or services";
    review[kReviewReason] = "Planned review";
    review[kReviewOutcomesAchieved] = "Outcomes met";
    review[kMethodOfReview] = "Face to face review";
    w.events << CsvLine(review);
  }

  // Contacts file: allocation(s), personal contacts, plan.
  auto contact = [&](Row r) { w.contacts << CsvLine(r); };
  auto blank = [] { return Row(18); };
  const int team = p.psr == "Learning Disability Support" ? 2 : (p.index % 2);
  const bool closed = p.index % 8 == 6;  // known to the council, case closed
  {
    const Worker* key = nullptr;
    for (const Worker& wk : kWorkers) {
      if (wk.team == team) {
        key = &wk;
        if (rng.Chance(50)) break;
      }
    }
    Row a = blank();
    a[0] = "Allocation";
    a[1] = p.la_id;
    a[2] = key->id;
    a[6] = "Yes";
    a[7] = kTeams[team].id;
    a[11] = Day(first_contact + 5);
    if (closed) a[12] = Day(first_contact + 60);
    else if (!death.empty()) a[12] = Day(today - 1) < death ? Day(today - 1) : death;
    contact(a);
    if (!closed && death.empty() && p.index % 4 == 1) {
      // A second worker: the reablement OT.
      Row b = blank();
      b[0] = "Allocation";
      b[1] = p.la_id;
      b[2] = kWorkers[6 + p.index % 2].id;
      b[6] = "No";
      b[7] = kTeams[3].id;
      b[11] = Day(today - 40);
      contact(b);
    }
  }
  if (p.has_carer) {
    int n = 1 + rng.Below(3);
    for (int k = 0; k < n; ++k) {
      Row c = blank();
      bool male = rng.Chance(50);
      c[0] = "Personal Contact";
      c[1] = p.la_id;
      c[2] = absl::StrCat(p.la_id, "-PC-", k + 1);
      c[3] = absl::StrCat(male ? rng.Pick(kMaleNames) : rng.Pick(kFemaleNames), " ",
                          rng.Chance(70) ? p.family : rng.Pick(kFamilyNames));
      c[4] = rng.Pick(kRelationships);
      c[5] = k == 0 ? "CAR NOK" : (k == 1 ? "EC" : "KH");
      c[6] = k == 0 ? "Yes" : "No";
      c[8] = absl::StrFormat("07700 900%03d", rng.Below(1000));
      c[9] = k == 0 ? absl::StrCat("carer", p.index, "@example.org") : "";
      c[10] = k == 0 && rng.Chance(40) ? "Yes" : "No";
      c[11] = Day(first_contact);
      contact(c);
    }
  }
  int plan_kind = p.index % 10;
  if (plan_kind != 0 && plan_kind != 5) {  // 0 and 5: no plan in place
    Row pl = blank();
    pl[0] = "Care Plan";
    pl[1] = p.la_id;
    pl[2] = absl::StrCat(p.la_id, "-PLAN-1");
    pl[11] = Day(first_contact + 32);
    pl[14] = Day(first_contact + 32);
    pl[16] = "Support at home with personal care; carer breaks.";
    pl[17] = "Allocated social worker";
    if (!death.empty() || plan_kind == 3 || closed) {
      pl[13] = "ended";
      pl[12] = death.empty() ? Day(first_contact + 60 < today ? first_contact + 60 : today)
                             : death;
      if (pl[12] < pl[11]) pl[12] = pl[11];
    } else if (plan_kind == 2) {
      pl[13] = "draft";
    } else {
      pl[13] = "active";
      pl[15] = plan_kind == 1 ? Day(today - 30) : Day(today + 180 + 30 * plan_kind);
    }
    contact(pl);
  }
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("demo data: cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

std::string DemoNhsNumber(uint64_t seed, int index) {
  // Walk the 999 range from a seed-dependent start, skipping numbers whose
  // check digit would be 10.
  uint64_t start = (seed * 104729) % 900000;
  int found = -1;
  for (uint64_t k = 0; k < 1000000; ++k) {
    std::string prefix = absl::StrFormat("999%06d", static_cast<int>((start + k) % 1000000));
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (prefix[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;
    if (++found == index) return absl::StrCat(prefix, check);
  }
  return "";
}

absl::Status WriteDemoData(const DemoDataOptions& options, const std::string& out_dir) {
  if (options.people < 1 || options.people > 2000000) {
    return absl::InvalidArgumentError("demo data: people must be between 1 and 2000000");
  }
  std::error_code ec;
  std::filesystem::path dir(out_dir);
  std::filesystem::create_directories(dir / std::string(kGpDir), ec);
  if (ec) return absl::InternalError(absl::StrCat("demo data: cannot create ", out_dir));

  Writer w;
  w.events.open(dir / std::string(kEventsFile), std::ios::binary | std::ios::trunc);
  w.contacts.open(dir / std::string(kContactsFile), std::ios::binary | std::ios::trunc);
  if (!w.events || !w.contacts) {
    return absl::InternalError(absl::StrCat("demo data: cannot write under ", out_dir));
  }
  w.events << CsvLine(EventsHeader());
  w.contacts << CsvLine(cld_csv::ContactsHeader());
  for (const Team& t : kTeams) {
    Row r(18);
    r[0] = "Team";
    r[2] = t.id;
    r[3] = t.name;
    r[8] = t.phone;
    r[9] = t.email;
    w.contacts << CsvLine(r);
  }
  for (size_t i = 0; i < std::size(kWorkers); ++i) {
    const Worker& wk = kWorkers[i];
    Row r(18);
    r[0] = "Worker";
    r[2] = wk.id;
    r[3] = wk.name;
    r[4] = wk.role;
    r[7] = kTeams[wk.team].id;
    r[8] = absl::StrFormat("0191 498 0%03d", 300 + static_cast<int>(i));
    r[9] = absl::StrCat(wk.id, "@x99la.example");
    w.contacts << CsvLine(r);
  }

  Rng rng(options.seed);
  Json index = Json::Obj();
  // NHS numbers: walk the range once.
  uint64_t cursor = (options.seed * 104729) % 900000;
  auto next_nhs = [&]() {
    while (true) {
      std::string prefix = absl::StrFormat("999%06d", static_cast<int>(cursor % 1000000));
      ++cursor;
      int sum = 0;
      for (int i = 0; i < 9; ++i) sum += (prefix[i] - '0') * (10 - i);
      int check = 11 - sum % 11;
      if (check == 11) check = 0;
      if (check != 10) return absl::StrCat(prefix, check);
    }
  };
  for (int i = 0; i < options.people; ++i) {
    Person p;
    p.index = i;
    p.nhs = next_nhs();
    p.la_id = absl::StrFormat("LA%07d", i + 1);
    bool female = rng.Chance(55);
    p.gender = female ? "Female" : "Male";
    p.given = female ? rng.Pick(kFemaleNames) : rng.Pick(kMaleNames);
    p.family = rng.Pick(kFamilyNames);
    int age = 20 + rng.Below(50) + (rng.Chance(70) ? 30 : 0);  // mostly older people
    p.birth = Day(options.reference_day - (365 * age + rng.Below(365)));
    p.street = absl::StrCat(1 + rng.Below(180), " ", rng.Pick(kStreets));
    p.postcode = Postcode(rng);
    p.practice = i % 2;
    p.ethnicity = rng.Pick(kEthnicities);
    p.psr = age < 60 && rng.Chance(40) ? "Learning Disability Support" : rng.Pick(kSupportReasons);
    p.accommodation = rng.Pick(kAccommodation);
    p.employment = rng.Pick(kEmployment);
    p.funding = rng.Pick(kFunding);
    p.has_carer = i % 3 != 0;
    p.deceased = i % 29 == 13;
    if (p.deceased) {
      p.death_day = options.reference_day - (10 + rng.Below(60));
      p.death = Day(p.death_day);
    }
    WritePerson(p, options, rng, w);
    if (options.write_gp_bundles && !p.deceased) {
      // GP Connect answers PATIENT_NOT_FOUND for a deceased patient, so the
      // bundle directory holds living people only.
      std::string file = absl::StrCat(p.nhs, ".json");
      if (auto s = WriteFile(dir / std::string(kGpDir) / file, MakeBundle(p, options, rng));
          !s.ok()) {
        return s;
      }
      index.Set(p.nhs, file);
    }
  }
  w.events.close();
  w.contacts.close();
  if (!w.events || !w.contacts) {
    return absl::InternalError(absl::StrCat("demo data: cannot write under ", out_dir));
  }
  if (options.write_gp_bundles) {
    return WriteFile(dir / std::string(kGpDir) / std::string(kGpIndexFile), index.Dump());
  }
  return absl::OkStatus();
}

absl::StatusOr<cld_csv::ImportStats> ImportDemoData(const std::string& out_dir,
                                                    common::sql::Database& database,
                                                    absl::Time deadline) {
  std::filesystem::path dir(out_dir);
  return cld_csv::ImportCldFiles((dir / std::string(kEventsFile)).string(),
                                 (dir / std::string(kContactsFile)).string(), database,
                                 deadline);
}

}  // namespace caregate::adapters::demo_data
