#ifndef CAREGATE_ADAPTERS_GPCONNECT_REQUEST_H_
#define CAREGATE_ADAPTERS_GPCONNECT_REQUEST_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "adapters/source_request.h"

namespace caregate::adapters::gpconnect {

// What one $gpc.getstructuredrecord call asks for: the Parameters resource of
// the OperationDefinition GPConnect-GetStructuredRecord-Operation-1. Empty
// optionals and dates are not sent.
struct StructuredRecordQuery {
  std::string nhs_number;

  bool include_allergies = false;
  bool include_resolved_allergies = false;

  bool include_medication = false;
  std::optional<bool> include_prescription_issues;
  std::string medication_search_from_date;  // YYYY-MM-DD

  bool include_problems = false;
  std::string problems_filter_status;  // "active" / "inactive"

  bool include_consultations = false;
  int consultations_most_recent = 0;  // includeNumberOfMostRecent
  std::string consultation_period_start;

  bool include_immunisations = false;
  bool include_uncategorised_data = false;
  std::string uncategorised_period_start;
  bool include_investigations = false;
  std::string investigation_period_start;
  bool include_referrals = false;
  std::string referral_period_start;
};

// Checks the spec's parameter rules before sending, so the provider never
// answers 422: patientNHSNumber present; whole dates not after `today`;
// filterStatus active/inactive; includeNumberOfMostRecent not with
// consultationSearchPeriod; and the combinations that are not permitted
// (with includeConsultations or includeProblems: no medicationSearchFromDate,
// uncategorisedDataSearchPeriod, referralSearchPeriod, and with
// includeConsultations no filterStatus). INVALID_ARGUMENT naming the rule.
absl::Status ValidateQuery(const StructuredRecordQuery& query, absl::CivilDay today);

// The Parameters resource as JSON.
std::string ParametersJson(const StructuredRecordQuery& query);

// The two calls a GP summary needs (the spec forbids a medication date or a
// referral period beside problems or consultations):
//   first:  allergies (with ended ones), medication from today - history_days
//           with prescription issues, immunisations, uncategorised data (blood
//           pressure), investigations and referrals over the same period;
//   second: all problems (active and inactive) and the most recent
//           `recent_consultations` consultations.
std::pair<StructuredRecordQuery, StructuredRecordQuery> SummaryQueries(absl::string_view nhs_number,
                                                                       absl::CivilDay today,
                                                                       int history_days,
                                                                       int recent_consultations);

// The claims of the GP Connect JWT (integration_cross_organisation_audit_and_
// provenance).
struct JwtClaims {
  std::string issuer;            // iss: the consumer system's endpoint URL
  std::string audience;          // aud: the provider's service root
  absl::Time issued_at;          // iat; exp is iat + 300 s, exactly
  Requester requester;           // sub, requesting_practitioner, organisation
  std::string organisation_ods;  // fallback when requester.organisation is empty
  std::string device_id;
  std::string device_version;
};

// An unsigned JWT: {"alg":"none","typ":"JWT"}, the claims, and an empty
// signature, so the token ends with ".".
std::string BuildJwt(const JwtClaims& claims);

// base64url without padding (RFC 4648 section 5).
std::string Base64UrlEncode(absl::string_view data);

// A random (version 4) UUID, lower case, from OpenSSL's RAND_bytes.
std::string NewUuid();

}  // namespace caregate::adapters::gpconnect

#endif  // CAREGATE_ADAPTERS_GPCONNECT_REQUEST_H_
