#include "adapters/cld_csv/cld_import.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/cld_csv/csv_reader.h"
#include "adapters/council_sql/schema.h"
#include "common/nhs_number.h"
#include "common/status.h"

namespace caregate::adapters::cld_csv {
namespace {

using common::sql::Connection;
using common::sql::Params;
using common::sql::Value;

// Collects row errors; the import fails when any were found.
class Errors {
 public:
  void Add(absl::string_view file, int64_t line, absl::string_view column,
           absl::string_view rule) {
    ++count_;
    if (static_cast<int>(messages_.size()) < kMaxReportedErrors) {
      messages_.push_back(
          column.empty()
              ? absl::StrCat(file, " line ", line, ": ", rule)
              : absl::StrCat(file, " line ", line, ", column \"", column, "\": ", rule));
    }
  }
  // A CSV syntax error; the reader's message already names the line.
  void AddSyntax(absl::string_view file, absl::string_view message) {
    ++count_;
    if (static_cast<int>(messages_.size()) < kMaxReportedErrors) {
      messages_.push_back(absl::StrCat(file, " ", message));
    }
  }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ >= kMaxReportedErrors; }
  absl::Status ToStatus() const {
    std::string message = absl::StrJoin(messages_, "\n");
    if (count_ > static_cast<int64_t>(messages_.size())) {
      absl::StrAppend(&message, "\n... and ", count_ - messages_.size(),
                      " more errors (the import stopped)");
    }
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidArgument,
        absl::StrCat("CLD import refused; nothing was imported:\n", message));
  }

 private:
  int64_t count_ = 0;
  std::vector<std::string> messages_;
};

bool IsIsoDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y, m, d;
  if (!absl::SimpleAtoi(s.substr(0, 4), &y) || !absl::SimpleAtoi(s.substr(5, 2), &m) ||
      !absl::SimpleAtoi(s.substr(8, 2), &d)) {
    return false;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(s[i])) return false;
  }
  absl::CivilDay day(y, m, d);
  return day.year() == y && day.month() == m && day.day() == d;
}

// NUMERIC(18,2): optional minus, at most 16 integer digits, at most 2
// decimals.
bool IsDecimal(absl::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  absl::string_view whole = s.substr(0, dot);
  absl::string_view frac = dot == absl::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 16) return false;
  if (dot != absl::string_view::npos && (frac.empty() || frac.size() > 2)) return false;
  for (char c : whole) if (!absl::ascii_isdigit(c)) return false;
  for (char c : frac) if (!absl::ascii_isdigit(c)) return false;
  return true;
}

bool IsCount(absl::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) if (!absl::ascii_isdigit(c)) return false;
  return true;
}

int AgeOn(absl::string_view birth, absl::string_view on) {
  int by, bm, bd, ty, tm, td;
  if (!absl::SimpleAtoi(birth.substr(0, 4), &by) || !absl::SimpleAtoi(birth.substr(5, 2), &bm) ||
      !absl::SimpleAtoi(birth.substr(8, 2), &bd) || !absl::SimpleAtoi(on.substr(0, 4), &ty) ||
      !absl::SimpleAtoi(on.substr(5, 2), &tm) || !absl::SimpleAtoi(on.substr(8, 2), &td)) {
    return -1;
  }
  int age = ty - by;
  if (tm < bm || (tm == bm && td < bd)) --age;
  return age;
}

Value Opt(const std::string& s) { return Value::TextOrNull(s); }
Value OptReal(const std::string& s) {
  if (s.empty()) return Value::Null();
  double d = 0;
  (void)absl::SimpleAtod(s, &d);
  return Value::Real(d);
}

constexpr absl::string_view kUpsertPersonSql =
    "INSERT INTO council_person (la_person_id, la_code, nhs_number,"
    " nhs_number_verified, given_names, family_name, date_of_birth, date_of_death,"
    " gender, ethnicity, postcode, address_line1, gp_practice_code, gp_practice_name,"
    " client_type, primary_support_reason, accommodation_status, employment_status,"
    " has_unpaid_carer, autism_spectrum_disorder, visual_impairment,"
    " hearing_impairment, dementia, client_funding_status, total_hrs_caring_per_week,"
    " no_of_adults_cared_for, adult_1_linked_person_id, adult_2_linked_person_id,"
    " adult_3_linked_person_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?, ?, ?)"
    " ON CONFLICT (la_person_id) DO UPDATE SET la_code = excluded.la_code,"
    " nhs_number = excluded.nhs_number,"
    " nhs_number_verified = excluded.nhs_number_verified,"
    " given_names = excluded.given_names, family_name = excluded.family_name,"
    " date_of_birth = excluded.date_of_birth, date_of_death = excluded.date_of_death,"
    " gender = excluded.gender, ethnicity = excluded.ethnicity,"
    " postcode = excluded.postcode, address_line1 = excluded.address_line1,"
    " gp_practice_code = excluded.gp_practice_code,"
    " gp_practice_name = excluded.gp_practice_name,"
    " client_type = excluded.client_type,"
    " primary_support_reason = excluded.primary_support_reason,"
    " accommodation_status = excluded.accommodation_status,"
    " employment_status = excluded.employment_status,"
    " has_unpaid_carer = excluded.has_unpaid_carer,"
    " autism_spectrum_disorder = excluded.autism_spectrum_disorder,"
    " visual_impairment = excluded.visual_impairment,"
    " hearing_impairment = excluded.hearing_impairment,"
    " dementia = excluded.dementia,"
    " client_funding_status = excluded.client_funding_status,"
    " total_hrs_caring_per_week = excluded.total_hrs_caring_per_week,"
    " no_of_adults_cared_for = excluded.no_of_adults_cared_for,"
    " adult_1_linked_person_id = excluded.adult_1_linked_person_id,"
    " adult_2_linked_person_id = excluded.adult_2_linked_person_id,"
    " adult_3_linked_person_id = excluded.adult_3_linked_person_id";

constexpr absl::string_view kUpsertEventSql =
    "INSERT INTO council_event (event_key, la_person_id, la_code,"
    " reporting_period_start_date, reporting_period_end_date, client_type,"
    " event_type, event_reference, event_start_date, event_end_date,"
    " event_description, event_outcome, request_route_of_access, assessment_type,"
    " eligible_needs_identified, method_of_assessment, service_type,"
    " service_component, delivery_mechanism, provider_cqc_location_id,"
    " provider_name, review_reason, review_outcomes_achieved, method_of_review,"
    " unit_cost, cost_frequency_unit_type, planned_units_per_week,"
    " direct_payment_managed_by)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?, ?)"
    " ON CONFLICT (event_key) DO UPDATE SET la_person_id = excluded.la_person_id,"
    " la_code = excluded.la_code,"
    " reporting_period_start_date = excluded.reporting_period_start_date,"
    " reporting_period_end_date = excluded.reporting_period_end_date,"
    " client_type = excluded.client_type, event_type = excluded.event_type,"
    " event_reference = excluded.event_reference,"
    " event_start_date = excluded.event_start_date,"
    " event_end_date = excluded.event_end_date,"
    " event_description = excluded.event_description,"
    " event_outcome = excluded.event_outcome,"
    " request_route_of_access = excluded.request_route_of_access,"
    " assessment_type = excluded.assessment_type,"
    " eligible_needs_identified = excluded.eligible_needs_identified,"
    " method_of_assessment = excluded.method_of_assessment,"
    " service_type = excluded.service_type,"
    " service_component = excluded.service_component,"
    " delivery_mechanism = excluded.delivery_mechanism,"
    " provider_cqc_location_id = excluded.provider_cqc_location_id,"
    " provider_name = excluded.provider_name, review_reason = excluded.review_reason,"
    " review_outcomes_achieved = excluded.review_outcomes_achieved,"
    " method_of_review = excluded.method_of_review, unit_cost = excluded.unit_cost,"
    " cost_frequency_unit_type = excluded.cost_frequency_unit_type,"
    " planned_units_per_week = excluded.planned_units_per_week,"
    " direct_payment_managed_by = excluded.direct_payment_managed_by";

// ---------------------------------------------------------------- events

class EventsImport {
 public:
  EventsImport(Connection& c, absl::Time deadline, absl::string_view file, Errors& errors)
      : c_(c), deadline_(deadline), file_(file), errors_(errors) {}

  absl::Status Run(std::istream& in, int64_t* rows) {
    CsvReader reader(&in);
    std::vector<std::string> fields;
    auto has = reader.Next(&fields);
    if (!has.ok()) return Fail(has.status());
    if (!*has) {
      errors_.Add(file_, 1, "", "the file is empty; a header row with the 46 CLD columns is required");
      return absl::OkStatus();
    }
    if (!MapHeader(fields)) return absl::OkStatus();
    while (!errors_.full()) {
      has = reader.Next(&fields);
      if (!has.ok()) return Fail(has.status());
      if (!*has) break;
      line_ = reader.record_line();
      if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
      ++*rows;
      if (fields.size() != positions_.size()) {
        errors_.Add(file_, line_, "",
                    absl::StrCat("has ", fields.size(), " fields; the header has ",
                                 positions_.size()));
        continue;
      }
      std::vector<std::string> v(kColumnCount);
      for (size_t i = 0; i < fields.size(); ++i) v[positions_[i]] = std::move(fields[i]);
      if (!ValidateRow(v)) continue;
      if (!errors_.empty()) continue;  // validate the rest, write nothing
      if (auto s = Write(v); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(const absl::Status& s) {
    errors_.AddSyntax(file_, s.message());
    return absl::OkStatus();
  }

  bool MapHeader(const std::vector<std::string>& header) {
    std::vector<int> seen(kColumnCount, 0);
    bool ok = true;
    for (size_t i = 0; i < header.size(); ++i) {
      std::string cell(absl::StripAsciiWhitespace(header[i]));
      int column = ColumnForHeader(cell);
      if (column < 0) {
        errors_.Add(file_, 1, "", absl::StrCat("header column ", i + 1,
                                               " is not a CLD column or a known extension"
                                               " column (headers are exact, case-sensitive)"));
        ok = false;
        continue;
      }
      if (seen[column]++) {
        errors_.Add(file_, 1, Labels(column).header, "column appears more than once");
        ok = false;
      }
      positions_.push_back(column);
    }
    for (int c = 0; c < kCldColumnCount; ++c) {
      if (!seen[c]) {
        errors_.Add(file_, 1, Labels(c).header,
                    "required CLD column missing from the header");
        ok = false;
      }
    }
    return ok;
  }

  void Error(int column, absl::string_view rule) {
    errors_.Add(file_, line_, Labels(column).header, rule);
    row_ok_ = false;
  }

  void Require(std::vector<std::string>& v, int column, bool when, absl::string_view why) {
    if (when && v[column].empty()) Error(column, absl::StrCat("required ", why));
  }

  bool ValidateRow(std::vector<std::string>& v) {
    row_ok_ = true;
    for (auto& s : v) {
      absl::string_view t = absl::StripAsciiWhitespace(s);
      if (t.size() != s.size()) s = std::string(t);
    }
    // Formats.
    if (!v[kNhsNumber].empty()) {
      auto nhs = common::ParseNhsNumber(v[kNhsNumber]);
      if (!nhs.ok()) {
        Error(kNhsNumber, "not a valid NHS number (10 digits with a Modulus 11 check digit)");
      } else {
        v[kNhsNumber] = *nhs;
      }
    }
    for (int c : {kReportingPeriodStartDate, kReportingPeriodEndDate, kDateOfBirth,
                  kDateOfDeath, kEventStartDate, kEventEndDate}) {
      if (!v[c].empty() && !IsIsoDate(v[c])) {
        Error(c, "not a valid ISO 8601 date (YYYY-MM-DD)");
      }
    }
    for (int c : {kUnitCost, kPlannedUnitsPerWeek}) {
      if (!v[c].empty() && !IsDecimal(v[c])) {
        Error(c, "not a decimal number with at most 2 decimal places (NUMERIC(18,2))");
      }
    }
    if (!v[kNoOfAdultsCaredFor].empty() && !IsCount(v[kNoOfAdultsCaredFor])) {
      Error(kNoOfAdultsCaredFor, "not a whole number");
    }
    for (int c = 0; c < kCldColumnCount; ++c) {
      const CodeList* list = CodeListFor(c);
      if (list == nullptr || v[c].empty()) continue;
      std::string canonical = Canonical(*list, v[c]);
      if (canonical.empty()) {
        Error(c, absl::StrCat("not a value of the CLD \"", list->name,
                              "\" list (exact Release 1 or Release 2 labels)"));
      } else {
        v[c] = std::move(canonical);
      }
    }
    if (!v[kNhsNumberStatus].empty() && v[kNhsNumberStatus] != "Verified" &&
        v[kNhsNumberStatus] != "Traced" && v[kNhsNumberStatus] != "Unverified") {
      Error(kNhsNumberStatus, "must be Verified, Traced or Unverified");
    }

    // Mandatory-when rules (CLD Release 1 DQ rules, socialcare.md 1.2).
    for (int c : {kLaCode, kReportingPeriodStartDate, kReportingPeriodEndDate, kNhsNumber,
                  kLaPersonId, kGender, kEthnicity, kDateOfBirth, kClientType, kPostcode,
                  kAccommodationStatus, kHasUnpaidCarer}) {
      Require(v, c, true, "on every row");
    }
    const std::string& client = v[kClientType];
    const std::string& type = v[kEventType];
    const bool ckba = client == kCarerKnownByAssociation;
    const bool service_user = client == kServiceUser;
    const bool financial = v[kAssessmentType] == "Financial Assessment";
    Require(v, kEventType, !ckba && !client.empty(),
            "unless Client Type is a carer known by association");
    Require(v, kEventStartDate, !ckba && !client.empty(),
            "unless Client Type is a carer known by association");
    Require(v, kPrimarySupportReason, type != "Request" && !type.empty(),
            "unless Event Type is Request");
    Require(v, kEventEndDate, type == "Request" || type == "Assessment" || type == "Review",
            "for Request, Assessment and Review events");
    Require(v, kEventEndDate, !v[kDateOfDeath].empty(), "when Date of Death is recorded");
    Require(v, kEventOutcome, !type.empty() && !ckba && !financial,
            "unless a carer known by association or a financial assessment");
    Require(v, kRouteOfAccess, type == "Request", "for Request events");
    Require(v, kAssessmentType, type == "Assessment", "for Assessment events");
    Require(v, kMethodOfAssessment, type == "Assessment" && !financial,
            "for non-financial Assessment events");
    Require(v, kServiceType, type == "Service", "for Service events");
    Require(v, kServiceComponent, type == "Service", "for Service events");
    Require(v, kReviewReason, type == "Review", "for Review events");
    Require(v, kMethodOfReview, type == "Review", "for Review events");
    Require(v, kReviewOutcomesAchieved,
            type == "Review" && absl::StartsWith(v[kReviewReason], "Planned"),
            "for planned Review events");
    if (service_user && v[kPrimarySupportReason] == "Learning Disability Support" &&
        !v[kDateOfBirth].empty() && !v[kReportingPeriodEndDate].empty()) {
      int age = AgeOn(v[kDateOfBirth], v[kReportingPeriodEndDate]);
      Require(v, kEmploymentStatus, age >= 18 && age <= 64,
              "for service users aged 18-64 with Learning Disability Support");
    }
    Require(v, kClientFundingStatus,
            service_user && (financial || type == "Service" || type == "Review"),
            "for service users with a Service or Review event or a financial assessment");
    const std::string& st = v[kServiceType];
    const std::string& comp = v[kServiceComponent];
    bool costs = type == "Service" && v[kDeliveryMechanism] != "CASSR commissioned support" &&
                 (absl::StartsWith(st, "Long term support") ||
                  absl::StartsWith(st, "Unpaid carer support") ||
                  comp == "Short term residential care" || comp == "Short term nursing care" ||
                  comp == "Unpaid carer respite");
    for (int c : {kUnitCost, kCostFrequency, kPlannedUnitsPerWeek}) {
      Require(v, c, costs,
              "for long-term, short-term residential or nursing, and unpaid carer "
              "services not commissioned by the council");
    }
    // Consistency.
    if (!v[kReportingPeriodStartDate].empty() && !v[kReportingPeriodEndDate].empty() &&
        v[kReportingPeriodEndDate] < v[kReportingPeriodStartDate]) {
      Error(kReportingPeriodEndDate, "before Reporting Period Start Date");
    }
    if (!v[kEventStartDate].empty() && !v[kEventEndDate].empty() &&
        v[kEventEndDate] < v[kEventStartDate]) {
      Error(kEventEndDate, "before Event Start Date");
    }
    if (!v[kDateOfBirth].empty() && !v[kDateOfDeath].empty() &&
        v[kDateOfDeath] < v[kDateOfBirth]) {
      Error(kDateOfDeath, "before Date of Birth");
    }
    return row_ok_;
  }

  absl::Status Write(const std::vector<std::string>& v) {
    // Person columns repeat on every row: write them when they change.
    std::string person = absl::StrJoin(v.begin(), v.begin() + kClientFundingStatus + 1, "\x1f");
    absl::StrAppend(&person, "\x1f", v[kGivenName], "\x1f", v[kFamilyName], "\x1f",
                    v[kAddressLine1], "\x1f", v[kGpPracticeName], "\x1f",
                    v[kNhsNumberStatus], "\x1f", v[kTotalHrsCaring], "\x1f",
                    v[kNoOfAdultsCaredFor], "\x1f", v[kAdult1LinkedPersonId], "\x1f",
                    v[kAdult2LinkedPersonId], "\x1f", v[kAdult3LinkedPersonId]);
    if (person != last_person_) {
      Params p = {
          Value::Text(v[kLaPersonId]),
          Value::Text(v[kLaCode]),
          Value::Text(v[kNhsNumber]),
          Value::Int(v[kNhsNumberStatus] == "Verified" || v[kNhsNumberStatus] == "Traced"),
          Opt(v[kGivenName]),
          Opt(v[kFamilyName]),
          Value::Text(v[kDateOfBirth]),
          Opt(v[kDateOfDeath]),
          Value::Text(v[kGender]),
          Opt(v[kEthnicity]),
          Opt(v[kPostcode]),
          Opt(v[kAddressLine1]),
          Opt(v[kGpPracticeCode]),
          Opt(v[kGpPracticeName]),
          Opt(v[kClientType]),
          Opt(v[kPrimarySupportReason]),
          Opt(v[kAccommodationStatus]),
          Opt(v[kEmploymentStatus]),
          Opt(v[kHasUnpaidCarer]),
          Opt(v[kAutism]),
          Opt(v[kVisualImpairment]),
          Opt(v[kHearingImpairment]),
          Opt(v[kDementia]),
          Opt(v[kClientFundingStatus]),
          Opt(v[kTotalHrsCaring]),
          v[kNoOfAdultsCaredFor].empty() ? Value::Null()
                                         : Value::Int(std::stoll(v[kNoOfAdultsCaredFor])),
          Opt(v[kAdult1LinkedPersonId]),
          Opt(v[kAdult2LinkedPersonId]),
          Opt(v[kAdult3LinkedPersonId]),
      };
      auto r = c_.Execute(kUpsertPersonSql, p, deadline_);
      if (!r.ok()) return r.status();
      last_person_ = std::move(person);
    }
    if (v[kEventType].empty()) return absl::OkStatus();  // a carer known by association
    std::string key;
    if (!v[kEventReference].empty()) {
      key = absl::StrCat(v[kLaCode], "|ref|", v[kEventReference]);
    } else {
      // DHSC unique-event fields (methodology 6-deduplication.md).
      key = absl::StrJoin(
          {std::string("derived"), v[kLaCode], v[kLaPersonId], v[kEventStartDate],
           v[kEventType] == "Service" ? std::string() : v[kEventEndDate], v[kClientType],
           v[kEventType], v[kRouteOfAccess], v[kAssessmentType], v[kServiceType],
           v[kServiceComponent], v[kDeliveryMechanism]},
          "|");
    }
    Params p = {
        Value::Text(key),
        Value::Text(v[kLaPersonId]),
        Value::Text(v[kLaCode]),
        Opt(v[kReportingPeriodStartDate]),
        Opt(v[kReportingPeriodEndDate]),
        Opt(v[kClientType]),
        Opt(v[kEventType]),
        Opt(v[kEventReference]),
        Opt(v[kEventStartDate]),
        Opt(v[kEventEndDate]),
        Opt(v[kEventDescription]),
        Opt(v[kEventOutcome]),
        Opt(v[kRouteOfAccess]),
        Opt(v[kAssessmentType]),
        Opt(v[kEligibleNeedsIdentified]),
        Opt(v[kMethodOfAssessment]),
        Opt(v[kServiceType]),
        Opt(v[kServiceComponent]),
        Opt(v[kDeliveryMechanism]),
        Opt(v[kProviderCqcLocationId]),
        Opt(v[kProviderName]),
        Opt(v[kReviewReason]),
        Opt(v[kReviewOutcomesAchieved]),
        Opt(v[kMethodOfReview]),
        OptReal(v[kUnitCost]),
        Opt(v[kCostFrequency]),
        OptReal(v[kPlannedUnitsPerWeek]),
        Opt(v[kDirectPaymentManagedBy]),
    };
    auto r = c_.Execute(kUpsertEventSql, p, deadline_);
    return r.status();
  }

  Connection& c_;
  absl::Time deadline_;
  std::string file_;
  Errors& errors_;
  std::vector<int> positions_;
  int64_t line_ = 0;
  bool row_ok_ = true;
  std::string last_person_;
};

// ---------------------------------------------------------------- contacts

enum ContactColumn {
  kRecordType,
  kCPerson,
  kIdentifier,
  kName,
  kRoleOrRelationship,
  kSupportRoles,
  kKeyWorkerOrMainCarer,
  kTeamIdentifier,
  kPhone,
  kEmail,
  kLivesWithPerson,
  kStartDate,
  kEndDate,
  kPlanStatus,
  kLastUpdated,
  kNextReviewDate,
  kSummary,
  kReviewResponsible,
  kContactColumnCount,
};

const char* const kSupportRoleCodes[] = {"ADV", "AF",  "AS", "CF",  "CAR", "DEP",
                                         "EC",  "FA",  "HM", "IC",  "INV", "KH",
                                         "LPA", "MC",  "NR", "NOK", "OTH"};

class ContactsImport {
 public:
  ContactsImport(Connection& c, absl::Time deadline, absl::string_view file, Errors& errors)
      : c_(c), deadline_(deadline), file_(file), errors_(errors) {}

  absl::Status Run(std::istream& in, int64_t* rows) {
    CsvReader reader(&in);
    std::vector<std::string> f;
    auto has = reader.Next(&f);
    if (!has.ok()) {
      errors_.AddSyntax(file_, has.status().message());
      return absl::OkStatus();
    }
    if (!*has) {
      errors_.Add(file_, 1, "", "the file is empty; the contacts header row is required");
      return absl::OkStatus();
    }
    const auto& expected = ContactsHeader();
    for (auto& cell : f) cell = std::string(absl::StripAsciiWhitespace(cell));
    if (f != expected) {
      errors_.Add(file_, 1, "",
                  absl::StrCat("the header must be exactly: ", absl::StrJoin(expected, ",")));
      return absl::OkStatus();
    }
    while (!errors_.full()) {
      has = reader.Next(&f);
      if (!has.ok()) {
        errors_.AddSyntax(file_, has.status().message());
        return absl::OkStatus();
      }
      if (!*has) break;
      line_ = reader.record_line();
      if (f.size() == 1 && f[0].empty()) continue;
      ++*rows;
      if (f.size() != kContactColumnCount) {
        errors_.Add(file_, line_, "",
                    absl::StrCat("has ", f.size(), " fields; the header has ",
                                 static_cast<int>(kContactColumnCount)));
        continue;
      }
      for (auto& s : f) s = std::string(absl::StripAsciiWhitespace(s));
      row_ok_ = true;
      if (auto s = Row(f); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  void Error(int column, absl::string_view rule) {
    errors_.Add(file_, line_, ContactsHeader()[column], rule);
    row_ok_ = false;
  }
  void Require(const std::vector<std::string>& f, int column, absl::string_view record) {
    if (f[column].empty()) Error(column, absl::StrCat("required for ", record, " records"));
  }
  bool Flag(const std::vector<std::string>& f, int column) {
    if (f[column].empty() || f[column] == "No") return false;
    if (f[column] == "Yes") return true;
    Error(column, "must be Yes, No or empty");
    return false;
  }
  void Dates(const std::vector<std::string>& f, std::initializer_list<int> columns) {
    for (int c : columns) {
      if (!f[c].empty() && !IsIsoDate(f[c])) Error(c, "not a valid ISO 8601 date (YYYY-MM-DD)");
    }
    if (!f[kStartDate].empty() && !f[kEndDate].empty() && f[kEndDate] < f[kStartDate]) {
      Error(kEndDate, "before Start Date");
    }
  }
  void Email(const std::vector<std::string>& f) {
    if (!f[kEmail].empty() && f[kEmail].find('@') == std::string::npos) {
      Error(kEmail, "not an email address");
    }
  }
  absl::Status KnownPerson(const std::vector<std::string>& f) {
    if (f[kCPerson].empty() || !errors_.empty()) return absl::OkStatus();
    auto rows = c_.Query("SELECT 1 FROM council_person WHERE la_person_id = ?",
                         {Value::Text(f[kCPerson])}, deadline_);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) Error(kCPerson, "no person with this identifier in the events file or the store");
    return absl::OkStatus();
  }

  absl::Status Exec(absl::string_view sql, const Params& p) {
    if (!row_ok_ || !errors_.empty()) return absl::OkStatus();
    return c_.Execute(sql, p, deadline_).status();
  }

  absl::Status Row(const std::vector<std::string>& f) {
    const std::string& type = f[kRecordType];
    if (type == "Team") {
      Require(f, kIdentifier, type);
      Require(f, kName, type);
      Email(f);
      return Exec(
          "INSERT INTO council_team (team_id, name, phone, email) VALUES (?, ?, ?, ?)"
          " ON CONFLICT (team_id) DO UPDATE SET name = excluded.name,"
          " phone = excluded.phone, email = excluded.email",
          {Value::Text(f[kIdentifier]), Value::Text(f[kName]), Opt(f[kPhone]),
           Opt(f[kEmail])});
    }
    if (type == "Worker") {
      Require(f, kIdentifier, type);
      Require(f, kName, type);
      Email(f);
      return Exec(
          "INSERT INTO council_worker (worker_id, name, role, team_id, phone, email)"
          " VALUES (?, ?, ?, ?, ?, ?)"
          " ON CONFLICT (worker_id) DO UPDATE SET name = excluded.name,"
          " role = excluded.role, team_id = excluded.team_id, phone = excluded.phone,"
          " email = excluded.email",
          {Value::Text(f[kIdentifier]), Value::Text(f[kName]), Opt(f[kRoleOrRelationship]),
           Opt(f[kTeamIdentifier]), Opt(f[kPhone]), Opt(f[kEmail])});
    }
    if (type == "Allocation") {
      Require(f, kCPerson, type);
      Require(f, kStartDate, type);
      if (f[kIdentifier].empty() && f[kTeamIdentifier].empty()) {
        Error(kIdentifier, "an allocation names a worker (Identifier), a team, or both");
      }
      bool key = Flag(f, kKeyWorkerOrMainCarer);
      Dates(f, {kStartDate, kEndDate});
      if (auto s = KnownPerson(f); !s.ok()) return s;
      std::string id = absl::StrJoin(
          {f[kCPerson], f[kIdentifier], f[kTeamIdentifier], f[kStartDate]}, "|");
      return Exec(
          "INSERT INTO council_allocation (allocation_id, la_person_id, worker_id,"
          " team_id, key_worker, start_date, end_date) VALUES (?, ?, ?, ?, ?, ?, ?)"
          " ON CONFLICT (allocation_id) DO UPDATE SET key_worker = excluded.key_worker,"
          " end_date = excluded.end_date",
          {Value::Text(id), Value::Text(f[kCPerson]), Opt(f[kIdentifier]),
           Opt(f[kTeamIdentifier]), Value::Int(key), Opt(f[kStartDate]), Opt(f[kEndDate])});
    }
    if (type == "Personal Contact") {
      Require(f, kCPerson, type);
      Require(f, kIdentifier, type);
      Require(f, kName, type);
      bool main = Flag(f, kKeyWorkerOrMainCarer);
      bool lives = Flag(f, kLivesWithPerson);
      Dates(f, {kStartDate, kEndDate});
      Email(f);
      std::vector<std::string> roles =
          absl::StrSplit(f[kSupportRoles], ' ', absl::SkipEmpty());
      for (const auto& role : roles) {
        if (std::find(std::begin(kSupportRoleCodes), std::end(kSupportRoleCodes), role) ==
            std::end(kSupportRoleCodes)) {
          Error(kSupportRoles,
                "codes must be Interweave support roles (ADV AF AS CF CAR DEP EC FA HM IC "
                "INV KH LPA MC NR NOK OTH), separated by spaces");
          break;
        }
      }
      if (main && std::find(roles.begin(), roles.end(), "MC") == roles.end()) {
        roles.push_back("MC");
      }
      if (auto s = KnownPerson(f); !s.ok()) return s;
      return Exec(
          "INSERT INTO council_personal_contact (contact_id, la_person_id, name,"
          " relationship, support_roles, main_carer, phone, email, lives_with_person,"
          " start_date, end_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          " ON CONFLICT (contact_id) DO UPDATE SET la_person_id = excluded.la_person_id,"
          " name = excluded.name, relationship = excluded.relationship,"
          " support_roles = excluded.support_roles, main_carer = excluded.main_carer,"
          " phone = excluded.phone, email = excluded.email,"
          " lives_with_person = excluded.lives_with_person,"
          " start_date = excluded.start_date, end_date = excluded.end_date",
          {Value::Text(f[kIdentifier]), Value::Text(f[kCPerson]), Value::Text(f[kName]),
           Opt(f[kRoleOrRelationship]), Opt(absl::StrJoin(roles, " ")), Value::Int(main),
           Opt(f[kPhone]), Opt(f[kEmail]), Value::Int(lives), Opt(f[kStartDate]),
           Opt(f[kEndDate])});
    }
    if (type == "Care Plan") {
      Require(f, kCPerson, type);
      Require(f, kIdentifier, type);
      Require(f, kPlanStatus, type);
      if (!f[kPlanStatus].empty() && f[kPlanStatus] != "active" &&
          f[kPlanStatus] != "draft" && f[kPlanStatus] != "ended") {
        Error(kPlanStatus, "must be active, draft or ended");
      }
      Dates(f, {kStartDate, kEndDate, kLastUpdated, kNextReviewDate});
      if (auto s = KnownPerson(f); !s.ok()) return s;
      return Exec(
          "INSERT INTO council_care_plan (plan_id, la_person_id, status, start_date,"
          " end_date, last_updated, next_review_due, summary, review_responsible)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
          " ON CONFLICT (plan_id) DO UPDATE SET la_person_id = excluded.la_person_id,"
          " status = excluded.status, start_date = excluded.start_date,"
          " end_date = excluded.end_date, last_updated = excluded.last_updated,"
          " next_review_due = excluded.next_review_due, summary = excluded.summary,"
          " review_responsible = excluded.review_responsible",
          {Value::Text(f[kIdentifier]), Value::Text(f[kCPerson]), Value::Text(f[kPlanStatus]),
           Opt(f[kStartDate]), Opt(f[kEndDate]), Opt(f[kLastUpdated]),
           Opt(f[kNextReviewDate]), Opt(f[kSummary]), Opt(f[kReviewResponsible])});
    }
    Error(kRecordType, "must be Team, Worker, Allocation, Personal Contact or Care Plan");
    return absl::OkStatus();
  }

  Connection& c_;
  absl::Time deadline_;
  std::string file_;
  Errors& errors_;
  int64_t line_ = 0;
  bool row_ok_ = true;
};

}  // namespace

const std::vector<std::string>& ContactsHeader() {
  static const std::vector<std::string>* const header = new std::vector<std::string>{
      "Record Type", "LA Person Unique Identifier", "Identifier", "Name",
      "Role or Relationship", "Support Roles", "Key Worker or Main Carer",
      "Team Identifier", "Phone", "Email", "Lives With Person", "Start Date", "End Date",
      "Plan Status", "Last Updated", "Next Review Date", "Summary", "Review Responsible"};
  return *header;
}

absl::StatusOr<ImportStats> ImportCld(const ImportInput& input,
                                      common::sql::Database& database,
                                      absl::Time deadline) {
  if (input.events == nullptr) {
    return common::InvalidArgumentWithReason(common::kReasonInvalidArgument,
                                             "CLD import: an events file is required");
  }
  ImportStats stats;
  Errors errors;
  bool refused = false;
  // One attempt: the input streams are read once.
  absl::Status s = database.InTransaction(
      deadline,
      [&](Connection& c) -> absl::Status {
        if (auto st = council_sql::CreateCouncilSchema(c, deadline); !st.ok()) return st;
        EventsImport events(c, deadline, input.events_name, errors);
        if (auto st = events.Run(*input.events, &stats.event_rows); !st.ok()) return st;
        if (input.contacts != nullptr && !errors.full()) {
          ContactsImport contacts(c, deadline, input.contacts_name, errors);
          if (auto st = contacts.Run(*input.contacts, &stats.contact_rows); !st.ok()) {
            return st;
          }
        }
        if (!errors.empty()) {
          refused = true;
          return absl::CancelledError("rolled back");
        }
        return absl::OkStatus();
      },
      /*attempts=*/1);
  if (refused) return errors.ToStatus();
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("CLD import: council store: ", s.message()));
  }
  return stats;
}

absl::StatusOr<ImportStats> ImportCldFiles(const std::string& events_path,
                                           const std::string& contacts_path,
                                           common::sql::Database& database,
                                           absl::Time deadline) {
  std::ifstream events(events_path, std::ios::binary);
  if (!events) {
    return absl::NotFoundError(absl::StrCat("cannot open the events file ", events_path));
  }
  std::ifstream contacts;
  ImportInput input;
  input.events = &events;
  input.events_name = events_path;
  if (!contacts_path.empty()) {
    contacts.open(contacts_path, std::ios::binary);
    if (!contacts) {
      return absl::NotFoundError(
          absl::StrCat("cannot open the contacts file ", contacts_path));
    }
    input.contacts = &contacts;
    input.contacts_name = contacts_path;
  }
  return ImportCld(input, database, deadline);
}

}  // namespace caregate::adapters::cld_csv
