#include "consent/audit/fhir_export.h"

#include "consent/audit/audit_test_util.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace caregate::consent::audit {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Struct Parse(const std::string& json) {
  Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

const Value& At(const Struct& s, const std::string& key) { return s.fields().at(key); }

// The agent that made the request (the user).
Struct Requestor(const Struct& event) {
  for (const auto& agent : At(event, "agent").list_value().values()) {
    if (agent.struct_value().fields().at("requestor").bool_value()) return agent.struct_value();
  }
  ADD_FAILURE() << "no requestor agent";
  return {};
}

TEST(FhirExportTest, RecordReadIsBalpPatientReadShape) {
  auto entry = testing::Access(5);
  entry.set_index(42);
  Struct event = Parse(ToFhirAuditEvent(entry, "gw-1"));
  EXPECT_EQ(At(event, "resourceType").string_value(), "AuditEvent");
  EXPECT_EQ(At(event, "id").string_value(), "caregate-audit-42");
  EXPECT_EQ(
      At(event, "meta").struct_value().fields().at("profile").list_value().values(0).string_value(),
      "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead");
  EXPECT_EQ(At(At(event, "type").struct_value(), "code").string_value(), "rest");
  EXPECT_EQ(At(At(event, "subtype").list_value().values(0).struct_value(), "code").string_value(),
            "read");
  EXPECT_EQ(At(event, "action").string_value(), "R");
  EXPECT_EQ(At(event, "outcome").string_value(), "0");
  EXPECT_EQ(At(event, "recorded").string_value(), "2023-11-14T22:13:25.000Z");
  EXPECT_EQ(At(At(At(event, "purposeOfEvent").list_value().values(0).struct_value(), "coding")
                   .list_value()
                   .values(0)
                   .struct_value(),
               "code")
                .string_value(),
            "TREAT");

  // Exactly one requestor: the user, identified by their SDS user id.
  int requestors = 0;
  for (const auto& agent : At(event, "agent").list_value().values()) {
    const auto& f = agent.struct_value().fields();
    if (f.at("requestor").bool_value()) {
      ++requestors;
      EXPECT_EQ(
          At(At(f.at("who").struct_value(), "identifier").struct_value(), "value").string_value(),
          "u-gp-1");
    }
  }
  EXPECT_EQ(requestors, 1);
  // The patient entity by NHS number, and the log index entity.
  const auto& entities = At(event, "entity").list_value().values();
  ASSERT_EQ(entities.size(), 2);
  const auto& patient = entities[0].struct_value();
  EXPECT_EQ(At(At(patient, "role").struct_value(), "code").string_value(), "1");
  const auto& id = At(At(patient, "what").struct_value(), "identifier").struct_value();
  EXPECT_EQ(At(id, "system").string_value(), "https://fhir.nhs.uk/Id/nhs-number");
  EXPECT_EQ(At(id, "value").string_value(), "9990000018");
  EXPECT_EQ(
      At(At(At(entities[1].struct_value(), "what").struct_value(), "identifier").struct_value(),
         "value")
          .string_value(),
      "42");
  EXPECT_EQ(At(At(At(event, "source").struct_value(), "observer").struct_value(), "display")
                .string_value(),
            "gw-1");
}

TEST(FhirExportTest, DenialAndEmergencyAccessAreMarked) {
  auto denied = testing::Access(1);
  denied.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
  denied.set_reason("NO_CONSENT");
  Struct d = Parse(ToFhirAuditEvent(denied));
  EXPECT_EQ(At(d, "outcome").string_value(), "4");
  EXPECT_EQ(At(d, "outcomeDesc").string_value(), "NO_CONSENT");

  // An entry without a token id has no agent policy.
  EXPECT_EQ(Requestor(d).fields().count("policy"), 0u);

  auto emergency = testing::EmergencyAccessEntry(2, "u-gp-9");
  emergency.mutable_actor()->set_token_id("3f9c0a7d2e6b4c1a8d5e7f9012345678");
  Struct e = Parse(ToFhirAuditEvent(emergency));
  // The token that broke the glass, as the requesting agent's policy (BALP).
  const Struct user = Requestor(e);
  ASSERT_EQ(user.fields().count("policy"), 1u);
  EXPECT_EQ(At(user, "policy").list_value().values(0).string_value(),
            "3f9c0a7d2e6b4c1a8d5e7f9012345678");
  std::vector<std::string> codes;
  for (const auto& c : At(e, "purposeOfEvent").list_value().values()) {
    codes.push_back(At(At(c.struct_value(), "coding").list_value().values(0).struct_value(), "code")
                        .string_value());
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"ETREAT", "BTG"}));

  auto consent = testing::Access(3);
  consent.set_action(caregate::v1::AUDIT_ACTION_RECORD_CONSENT);
  Struct c = Parse(ToFhirAuditEvent(consent));
  EXPECT_EQ(At(c, "action").string_value(), "C");
}

TEST(FhirExportTest, FreeTextIsEscapedNotInjected) {
  auto emergency = testing::EmergencyAccessEntry(2, "u-gp-9");
  emergency.mutable_emergency_access()->set_justification("line1\n\"},{\"x\":1");
  std::string json = ToFhirAuditEvent(emergency);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  Struct e = Parse(json);
  EXPECT_EQ(At(e, "resourceType").string_value(), "AuditEvent");
}

}  // namespace
}  // namespace caregate::consent::audit
