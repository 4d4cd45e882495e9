#ifndef CAREGATE_CONSENT_PRINCIPAL_H_
#define CAREGATE_CONSENT_PRINCIPAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace caregate::consent {

// caregate's roles. A view is released only to the roles that may ask for it
// (DESIGN.md "The audited consent module", rule 1).
enum class Role {
  kGp,                    // social care summary
  kSocialWorker,          // GP summary
  kIntMember,             // combined profile
  kPrivacyOfficer,        // audit
  kConsentAdministrator,  // records consent; gets no data by being one
};

// "gp", "social_worker", "int_member", "privacy_officer",
// "consent_administrator": the names used in configuration and audit.
absl::string_view RoleName(Role role);
std::optional<Role> RoleFromName(absl::string_view name);

// Who is calling, from a verified bearer token (and the client certificate
// where one was presented). Built only by an Authenticator.
struct Principal {
  std::string user_id;
  std::string user_name;
  // ODS code of the user's organisation (GP practice, council, INT).
  std::string organisation;
  // National RBAC role code from the token, e.g. "R8000".
  std::string rbac_role;
  Role role = Role::kConsentAdministrator;
  std::vector<std::string> teams;
  // Identity assurance level from the token, e.g. "3".
  std::string assurance_level;
  // The client system: certificate subject, or the token's client id.
  std::string client_system;
  // The token's own id (its "jti"; "" when it has none) and when it stops
  // being accepted (its exp plus the allowed clock skew). An emergency access
  // uses up the token that asked for it (ConsentModule, rule 2).
  std::string token_id;
  absl::Time token_expires_at = absl::InfiniteFuture();
};

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_PRINCIPAL_H_
