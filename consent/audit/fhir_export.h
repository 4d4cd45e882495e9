#ifndef CAREGATE_CONSENT_AUDIT_FHIR_EXPORT_H_
#define CAREGATE_CONSENT_AUDIT_FHIR_EXPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "caregate/v1/audit.pb.h"

namespace caregate::consent::audit {

// One audit entry as a FHIR R4 AuditEvent resource (JSON, one line) in the
// shape of the IHE Basic Audit Log Patterns (BALP): record reads follow
// IHE.BasicAudit.PatientRead, consent changes IHE.BasicAudit.PatientCreate /
// PatientUpdate, and emergency-access reviews IHE.BasicAudit.PatientUpdate;
// the patient is an entity identified by NHS number, the user an agent
// flagged requestor, the client system the source-role agent, the gateway the
// observer, the purpose of use is TREAT (ETREAT + BTG for an emergency
// access), outcome 0 (permit), 4 (deny) or 8 (error). `gateway_id` names the
// observer (the gateway node). For a SIEM feed: the entry's log index is an
// entity of type "System Object" so a finding can be checked against the
// Merkle log.
std::string ToFhirAuditEvent(const caregate::v1::AuditEntry& entry,
                             absl::string_view gateway_id = "caregate");

}  // namespace caregate::consent::audit

#endif  // CAREGATE_CONSENT_AUDIT_FHIR_EXPORT_H_
