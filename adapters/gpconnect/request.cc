#include "adapters/gpconnect/request.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status.h"

namespace caregate::adapters::gpconnect {
namespace {

using common::JsonEscape;

std::string Q(absl::string_view s) { return absl::StrCat("\"", JsonEscape(s), "\""); }

absl::Status ParamError(absl::string_view message) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidArgument, message);
}

// A whole date YYYY-MM-DD not after today.
absl::Status CheckDate(absl::string_view name, const std::string& date, absl::CivilDay today) {
  if (date.empty()) return absl::OkStatus();
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day)) {
    return ParamError(absl::StrCat(name, ": must be a whole date YYYY-MM-DD"));
  }
  if (day > today) return ParamError(absl::StrCat(name, ": must not be in the future"));
  return absl::OkStatus();
}

std::string PartBool(absl::string_view name, bool v) {
  return absl::StrCat("{\"name\":", Q(name), ",\"valueBoolean\":", v ? "true" : "false", "}");
}
std::string PartDate(absl::string_view name, absl::string_view v) {
  return absl::StrCat("{\"name\":", Q(name), ",\"valueDate\":", Q(v), "}");
}
std::string PartPeriod(absl::string_view name, absl::string_view start) {
  return absl::StrCat("{\"name\":", Q(name), ",\"valuePeriod\":{\"start\":", Q(start), "}}");
}
std::string Param(absl::string_view name, const std::vector<std::string>& parts) {
  if (parts.empty()) return absl::StrCat("{\"name\":", Q(name), "}");
  return absl::StrCat("{\"name\":", Q(name), ",\"part\":[", absl::StrJoin(parts, ","), "]}");
}

}  // namespace

absl::Status ValidateQuery(const StructuredRecordQuery& q, absl::CivilDay today) {
  if (q.nhs_number.empty()) return ParamError("patientNHSNumber: is required");
  const bool any = q.include_allergies || q.include_medication || q.include_problems ||
                   q.include_consultations || q.include_immunisations ||
                   q.include_uncategorised_data || q.include_investigations || q.include_referrals;
  if (!any) return ParamError("Parameters: no clinical area requested");
  for (auto [name, date] : std::vector<std::pair<absl::string_view, const std::string*>>{
           {"medicationSearchFromDate", &q.medication_search_from_date},
           {"consultationSearchPeriod.start", &q.consultation_period_start},
           {"uncategorisedDataSearchPeriod.start", &q.uncategorised_period_start},
           {"investigationSearchPeriod.start", &q.investigation_period_start},
           {"referralSearchPeriod.start", &q.referral_period_start}}) {
    if (absl::Status s = CheckDate(name, *date, today); !s.ok()) return s;
  }
  if (!q.problems_filter_status.empty() && q.problems_filter_status != "active" &&
      q.problems_filter_status != "inactive") {
    return ParamError("includeProblems.filterStatus: must be active or inactive");
  }
  if (q.consultations_most_recent < 0) {
    return ParamError("includeConsultations.includeNumberOfMostRecent: must be positive");
  }
  if (q.consultations_most_recent > 0 && !q.consultation_period_start.empty()) {
    return ParamError(
        "includeConsultations: includeNumberOfMostRecent cannot be sent with "
        "consultationSearchPeriod");
  }
  // The combinations that are not permitted.
  for (auto [on, area] :
       {std::pair<bool, absl::string_view>{q.include_consultations, "includeConsultations"},
        {q.include_problems, "includeProblems"}}) {
    if (!on) continue;
    if (!q.medication_search_from_date.empty()) {
      return ParamError(absl::StrCat(area, ": not permitted with medicationSearchFromDate"));
    }
    if (!q.uncategorised_period_start.empty()) {
      return ParamError(absl::StrCat(area, ": not permitted with uncategorisedDataSearchPeriod"));
    }
    if (!q.referral_period_start.empty()) {
      return ParamError(absl::StrCat(area, ": not permitted with referralSearchPeriod"));
    }
  }
  if (q.include_consultations && !q.problems_filter_status.empty()) {
    return ParamError("includeConsultations: not permitted with filterStatus");
  }
  return absl::OkStatus();
}

std::string ParametersJson(const StructuredRecordQuery& q) {
  std::vector<std::string> params;
  params.push_back(
      absl::StrCat("{\"name\":\"patientNHSNumber\",\"valueIdentifier\":{\"system\":"
                   "\"https://fhir.nhs.uk/Id/nhs-number\",\"value\":",
                   Q(q.nhs_number), "}}"));
  if (q.include_allergies) {
    params.push_back(Param("includeAllergies",
                           {PartBool("includeResolvedAllergies", q.include_resolved_allergies)}));
  }
  if (q.include_medication) {
    std::vector<std::string> parts;
    if (!q.medication_search_from_date.empty())
      parts.push_back(PartDate("medicationSearchFromDate", q.medication_search_from_date));
    if (q.include_prescription_issues.has_value())
      parts.push_back(PartBool("includePrescriptionIssues", *q.include_prescription_issues));
    params.push_back(Param("includeMedication", parts));
  }
  if (q.include_problems) {
    std::vector<std::string> parts;
    if (!q.problems_filter_status.empty()) {
      parts.push_back(absl::StrCat(
          "{\"name\":\"filterStatus\",\"valueCode\":", Q(q.problems_filter_status), "}"));
    }
    params.push_back(Param("includeProblems", parts));
  }
  if (q.include_consultations) {
    std::vector<std::string> parts;
    if (!q.consultation_period_start.empty())
      parts.push_back(PartPeriod("consultationSearchPeriod", q.consultation_period_start));
    if (q.consultations_most_recent > 0) {
      parts.push_back(absl::StrCat("{\"name\":\"includeNumberOfMostRecent\",\"valuePositiveInt\":",
                                   q.consultations_most_recent, "}"));
    }
    params.push_back(Param("includeConsultations", parts));
  }
  if (q.include_immunisations) params.push_back(Param("includeImmunisations", {}));
  if (q.include_uncategorised_data) {
    std::vector<std::string> parts;
    if (!q.uncategorised_period_start.empty())
      parts.push_back(PartPeriod("uncategorisedDataSearchPeriod", q.uncategorised_period_start));
    params.push_back(Param("includeUncategorisedData", parts));
  }
  if (q.include_investigations) {
    std::vector<std::string> parts;
    if (!q.investigation_period_start.empty())
      parts.push_back(PartPeriod("investigationSearchPeriod", q.investigation_period_start));
    params.push_back(Param("includeInvestigations", parts));
  }
  if (q.include_referrals) {
    std::vector<std::string> parts;
    if (!q.referral_period_start.empty())
      parts.push_back(PartPeriod("referralSearchPeriod", q.referral_period_start));
    params.push_back(Param("includeReferrals", parts));
  }
  return absl::StrCat("{\"resourceType\":\"Parameters\",\"parameter\":[",
                      absl::StrJoin(params, ","), "]}");
}

std::pair<StructuredRecordQuery, StructuredRecordQuery> SummaryQueries(absl::string_view nhs_number,
                                                                       absl::CivilDay today,
                                                                       int history_days,
                                                                       int recent_consultations) {
  const std::string from = absl::FormatCivilTime(today - history_days);
  StructuredRecordQuery first;
  first.nhs_number = std::string(nhs_number);
  first.include_allergies = true;
  first.include_resolved_allergies = true;
  first.include_medication = true;
  first.include_prescription_issues = true;
  first.medication_search_from_date = from;
  first.include_immunisations = true;
  first.include_uncategorised_data = true;
  first.uncategorised_period_start = from;
  first.include_investigations = true;
  first.investigation_period_start = from;
  first.include_referrals = true;
  first.referral_period_start = from;
  StructuredRecordQuery second;
  second.nhs_number = std::string(nhs_number);
  second.include_problems = true;
  second.include_consultations = true;
  second.consultations_most_recent = recent_consultations;
  return {first, second};
}

std::string Base64UrlEncode(absl::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string NewUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // RAND_bytes failing means the process has no entropy; a trace id that
    // repeats is still safe (it only correlates), so fall back to the time.
    int64_t t = absl::ToUnixNanos(absl::Now());
    for (int i = 0; i < 16; ++i) b[i] = static_cast<unsigned char>(t >> ((i % 8) * 8));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return absl::StrFormat("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

std::string BuildJwt(const JwtClaims& c) {
  const int64_t iat = absl::ToUnixSeconds(c.issued_at);
  const Requester& r = c.requester;
  // The practitioner's name: the last word is the family name.
  std::vector<std::string> words = absl::StrSplit(r.user_name, ' ', absl::SkipWhitespace());
  std::string family = words.empty() ? std::string("UNK") : words.back();
  std::vector<std::string> given;
  for (size_t i = 0; i + 1 < words.size(); ++i) given.push_back(Q(words[i]));
  const std::string ods = r.organisation.empty() ? c.organisation_ods : r.organisation;
  const std::string device = absl::StrCat(
      "{\"resourceType\":\"Device\",\"identifier\":[{\"system\":"
      "\"https://caregate.nhs.uk/Id/device\",\"value\":",
      Q(c.device_id.empty() ? "caregate" : c.device_id), "}],\"model\":\"caregate\",\"version\":",
      Q(c.device_version.empty() ? "0.1.0" : c.device_version), "}");
  const std::string organisation =
      absl::StrCat("{\"resourceType\":\"Organization\",\"name\":", Q(ods),
                   ",\"identifier\":[{\"system\":\"https://fhir.nhs.uk/Id/ods-organization-code\","
                   "\"value\":",
                   Q(ods), "}]}");
  const std::string practitioner = absl::StrCat(
      "{\"resourceType\":\"Practitioner\",\"id\":", Q(r.user_id),
      ",\"name\":[{\"family\":", Q(family), ",\"given\":[", absl::StrJoin(given, ","),
      "]}],\"identifier\":[{\"system\":\"https://fhir.nhs.uk/Id/sds-user-id\",\"value\":"
      "\"UNK\"},{\"system\":\"https://fhir.nhs.uk/Id/sds-role-profile-id\",\"value\":\"UNK\"},"
      "{\"system\":\"https://caregate.nhs.uk/Id/user-id\",\"value\":",
      Q(r.user_id), "}]}");
  const std::string payload =
      absl::StrCat("{\"iss\":", Q(c.issuer), ",\"sub\":", Q(r.user_id), ",\"aud\":", Q(c.audience),
                   ",\"exp\":", iat + 300, ",\"iat\":", iat,
                   ",\"reason_for_request\":\"directcare\",\"requested_scope\":\"patient/*.read\","
                   "\"requesting_device\":",
                   device, ",\"requesting_organization\":", organisation,
                   ",\"requesting_practitioner\":", practitioner, "}");
  return absl::StrCat(Base64UrlEncode("{\"alg\":\"none\",\"typ\":\"JWT\"}"), ".",
                      Base64UrlEncode(payload), ".");
}

}  // namespace caregate::adapters::gpconnect
