#include "consent/audit/fhir_export.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace caregate::consent::audit {
namespace {

using caregate::v1::AuditEntry;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}
Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}
Value Obj(Struct s) {
  Value v;
  *v.mutable_struct_value() = std::move(s);
  return v;
}
Value List(std::initializer_list<Value> items) {
  Value v;
  for (const Value& item : items) *v.mutable_list_value()->add_values() = item;
  return v;
}
Struct Fields(std::initializer_list<std::pair<const char*, Value>> fields) {
  Struct s;
  for (const auto& [k, v] : fields) (*s.mutable_fields())[k] = v;
  return s;
}
Value Coding(absl::string_view system, absl::string_view code, absl::string_view display) {
  return Obj(Fields({{"system", Str(system)}, {"code", Str(code)}, {"display", Str(display)}}));
}
Value Concept(std::initializer_list<Value> codings) {
  return Obj(Fields({{"coding", List(codings)}}));
}

constexpr char kDcm[] = "http://dicom.nema.org/resources/ontology/DCM";
constexpr char kActReason[] = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr char kBalp[] = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/";

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

}  // namespace

std::string ToFhirAuditEvent(const AuditEntry& entry, absl::string_view gateway_id) {
  using namespace caregate::v1;  // NOLINT: enum values only
  bool read = entry.action() == AUDIT_ACTION_GET_GP_SUMMARY ||
              entry.action() == AUDIT_ACTION_GET_SOCIAL_CARE_SUMMARY ||
              entry.action() == AUDIT_ACTION_GET_COMBINED_PROFILE;
  bool create = entry.action() == AUDIT_ACTION_RECORD_CONSENT;
  const char* profile =
      read ? "IHE.BasicAudit.PatientRead"
           : (create ? "IHE.BasicAudit.PatientCreate" : "IHE.BasicAudit.PatientUpdate");
  const char* interaction = read ? "read" : (create ? "create" : "update");
  const char* action = read ? "R" : (create ? "C" : "U");
  const char* outcome = entry.outcome() == AUDIT_OUTCOME_PERMIT
                            ? "0"
                            : (entry.outcome() == AUDIT_OUTCOME_DENY ? "4" : "8");
  bool emergency = entry.has_emergency_access();

  Value purpose = emergency ? List({Concept({Coding(kActReason, "ETREAT", "Emergency Treatment")}),
                                    Concept({Coding(kActReason, "BTG", "break the glass")})})
                            : List({Concept({Coding(kActReason, "TREAT", "treatment")})});

  Struct user = Fields({
      {"type", Concept({Coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PROV",
                               "healthcare provider")})},
      {"role", List({Concept({Coding("https://caregate.nhs.uk/CodeSystem/role",
                                     entry.actor().role(), entry.actor().role())}),
                     Concept({Coding("https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode",
                                     entry.actor().rbac_role(), entry.actor().rbac_role())})})},
      {"who",
       Obj(Fields({{"identifier", Obj(Fields({{"system", Str("https://fhir.nhs.uk/Id/sds-user-id")},
                                              {"value", Str(entry.actor().user_id())}}))},
                   {"display", Str(entry.actor().user_name())}}))},
      {"requestor", Bool(true)},
      {"purposeOfUse", purpose},
  });
  // BALP: the agent's policy is the id of the token that authorised it.
  if (!entry.actor().token_id().empty()) {
    (*user.mutable_fields())["policy"] = List({Str(entry.actor().token_id())});
  }
  Struct organisation = Fields({
      {"who",
       Obj(Fields({{"identifier",
                    Obj(Fields({{"system", Str("https://fhir.nhs.uk/Id/ods-organization-code")},
                                {"value", Str(entry.actor().organisation())}}))}}))},
      {"requestor", Bool(false)},
  });
  Struct client = Fields({
      {"type", Concept({Coding(kDcm, "110153", "Source Role ID")})},
      {"who", Obj(Fields({{"display", Str(entry.actor().client_system())}}))},
      {"requestor", Bool(false)},
  });
  Struct server = Fields({
      {"type", Concept({Coding(kDcm, "110152", "Destination Role ID")})},
      {"who", Obj(Fields({{"display", Str(gateway_id)}}))},
      {"requestor", Bool(false)},
  });
  Struct patient = Fields({
      {"type", Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person")},
      {"role", Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")},
      {"what",
       Obj(Fields({{"identifier", Obj(Fields({{"system", Str("https://fhir.nhs.uk/Id/nhs-number")},
                                              {"value", Str(entry.nhs_number())}}))}}))},
  });
  Value detail;
  detail.mutable_list_value();
  auto add_detail = [&](absl::string_view type, absl::string_view value) {
    *detail.mutable_list_value()->add_values() =
        Obj(Fields({{"type", Str(type)}, {"valueString", Str(value)}}));
  };
  add_detail("reason", entry.reason());
  add_detail("policy_version", entry.policy_version());
  add_detail("consent_version", absl::StrCat(entry.consent_version()));
  add_detail("withheld", entry.withheld() ? "true" : "false");
  for (const auto& section : entry.sections_released()) add_detail("section_released", section);
  if (emergency) add_detail("emergency_justification", entry.emergency_access().justification());
  if (entry.action() == AUDIT_ACTION_REVIEW_EMERGENCY_ACCESS) {
    add_detail("reviewed_audit_index", absl::StrCat(entry.reviewed_audit_index()));
    add_detail("review_outcome", ReviewState_Name(entry.review_outcome()));
    add_detail("review_note", entry.review_note());
  }
  Struct log_entry = Fields({
      {"type",
       Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object")},
      {"role",
       Coding("http://terminology.hl7.org/CodeSystem/object-role", "13", "Security Resource")},
      {"what",
       Obj(Fields({{"identifier", Obj(Fields({{"system", Str("urn:caregate:audit-log-index")},
                                              {"value", Str(absl::StrCat(entry.index()))}}))}}))},
      {"detail", detail},
  });

  Struct event = Fields({
      {"resourceType", Str("AuditEvent")},
      {"id", Str(absl::StrCat("caregate-audit-", entry.index()))},
      {"meta", Obj(Fields({{"profile", List({Str(absl::StrCat(kBalp, profile))})}}))},
      {"type", Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest",
                      "Restful Operation")},
      {"subtype",
       List({Coding("http://hl7.org/fhir/restful-interaction", interaction, interaction)})},
      {"action", Str(action)},
      {"recorded", Str(Rfc3339(entry.time()))},
      {"outcome", Str(outcome)},
      {"outcomeDesc", Str(entry.reason())},
      {"purposeOfEvent", purpose},
      {"agent", List({Obj(client), Obj(server), Obj(user), Obj(organisation)})},
      {"source",
       Obj(Fields(
           {{"observer", Obj(Fields({{"display", Str(gateway_id)}}))},
            {"type", List({Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4",
                                  "Application Server")})}}))},
      {"entity", List({Obj(patient), Obj(log_entry)})},
  });
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(event, &json);
  return json;
}

}  // namespace caregate::consent::audit
