// caregatectl token: mints a bearer token with the demo issuer's key (the
// embedded demo configuration, or --config with demo_issuer_private_key_file).
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "consent/auth/jwt_authenticator.h"
#include "consent/principal.h"
#include "gateway/config/config.h"

namespace caregate::cli {
namespace {

const Command& Self() { return CommandNamed("token"); }

}  // namespace

int RunToken(const ConnectionOptions& connection, const std::vector<std::string>& argv) {
  const Command& self = Self();
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (auto s = args->OnlyKnown(
          {"role", "user", "org", "name", "teams", "ttl", "assurance", "config", "data-dir"});
      !s.ok()) {
    return UsageError(self, s.message());
  }
  auto role = args->Require("role");
  auto user = args->Require("user");
  auto org = args->Require("org");
  for (const auto* r : {&role, &user, &org}) {
    if (!r->ok()) return UsageError(self, r->status().message());
  }

  absl::StatusOr<gateway::CaregateConfig> config =
      args->Has("config") ? gateway::LoadConfigFile(args->Get("config"))
                          : gateway::ParseConfig(gateway::EmbeddedDemoConfigYaml());
  if (!config.ok()) {
    std::cerr << "error: " << config.status().message() << "\n";
    return 1;
  }
  std::string data_dir = args->Get("data-dir", config->data_dir());

  // --role takes a caregate role name (mapped back to its national RBAC code
  // through consent.role_mappings) or an RBAC code itself.
  std::string rbac;
  for (const auto& m : config->consent().role_mappings()) {
    if (m.role() == *role || m.rbac_role() == *role) {
      rbac = m.rbac_role();
      break;
    }
  }
  if (rbac.empty()) {
    return UsageError(self, "--role: not a role or RBAC code in consent.role_mappings");
  }

  consent::auth::TokenClaims claims;
  claims.subject = *user;
  claims.name = args->Get("name", *user);
  claims.organisation = *org;
  claims.rbac_role = rbac;
  claims.assurance_level = args->Get("assurance", "3");
  claims.client_id = "caregatectl";
  if (args->Has("teams")) {
    for (absl::string_view t : absl::StrSplit(args->Get("teams"), ',', absl::SkipEmpty())) {
      claims.teams.emplace_back(t);
    }
  }
  claims.issued_at = absl::Now();
  claims.lifetime = absl::Minutes(15);
  if (args->Has("ttl")) {
    absl::Duration ttl;
    if (!absl::ParseDuration(args->Get("ttl"), &ttl) || ttl <= absl::ZeroDuration()) {
      return UsageError(self, "--ttl: must be a positive duration such as 15m or 1h");
    }
    claims.lifetime = ttl;
  }
  const auto& max = config->consent().max_token_lifetime();
  const absl::Duration max_lifetime = absl::Seconds(max.seconds()) + absl::Nanoseconds(max.nanos());
  if (max_lifetime > absl::ZeroDuration() && claims.lifetime > max_lifetime) {
    return UsageError(self,
                      "--ttl: longer than consent.max_token_lifetime; the server would refuse it");
  }

  if (auto s = consent::auth::EnsureDemoIssuerKeys(config->consent(), data_dir); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  auto token = consent::auth::MintDemoToken(config->consent(), data_dir, claims);
  if (!token.ok()) {
    std::cerr << "error: " << token.status().message() << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace caregate::cli
