#include "consent/principal.h"

namespace caregate::consent {
namespace {
constexpr struct {
  Role role;
  absl::string_view name;
} kRoleNames[] = {
    {Role::kGp, "gp"},
    {Role::kSocialWorker, "social_worker"},
    {Role::kIntMember, "int_member"},
    {Role::kPrivacyOfficer, "privacy_officer"},
    {Role::kConsentAdministrator, "consent_administrator"},
};
}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& r : kRoleNames) {
    if (r.role == role) return r.name;
  }
  return "unknown";
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (const auto& r : kRoleNames) {
    if (r.name == name) return r.role;
  }
  return std::nullopt;
}

}  // namespace caregate::consent
