#ifndef CAREGATE_CONSENT_AUTH_JWT_AUTHENTICATOR_H_
#define CAREGATE_CONSENT_AUTH_JWT_AUTHENTICATOR_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"
#include "consent/auth/jwt.h"
#include "consent/authenticator.h"

namespace caregate::consent::auth {

// The claims caregate reads from a bearer token (a compact JWS, RFC 7519).
// Names follow NHS CIS2 where CIS2 has one:
//
//   iss               required  a consent.trusted_issuers[].issuer
//   aud               required  string or array; must contain consent.audience
//   exp, iat          required  NumericDate; exp - iat <= consent.max_token_lifetime
//   nbf               optional  NumericDate
//   sub               required  the user id (SDS user id for CIS2); "UNK" is refused
//   name              required  the user's display name
//   org               required  ODS code of the user's organisation
//   rbac_role         required  national RBAC role code (e.g. "R8000"), mapped
//                               to a caregate role by consent.role_mappings
//   idassurancelevel  required  identity assurance level, string or number
//   teams             optional  array of team codes
//   azp               optional  the client system (used when no certificate)
//   jti               optional  the token's id, at most 256 characters; emergency
//                               access needs one and uses the token up
//                               (ConsentModule, rule 2)
//
// The header must carry "kid" naming a trusted issuer's key and "alg" equal to
// that key's algorithm (ES256, RS256 or EdDSA); "alg":"none" and any other
// algorithm are refused.
struct TokenClaims {
  std::string issuer;
  std::string audience;
  std::string subject;
  std::string name;
  std::string organisation;
  std::string rbac_role;
  std::vector<std::string> teams;
  std::string assurance_level = "3";
  std::string client_id;
  // "jti". MintToken puts a fresh random one in every token it mints when
  // this is empty.
  std::string token_id;
  absl::Time issued_at;
  absl::Duration lifetime = absl::Minutes(15);
  // Optional not-before; InfinitePast() means absent.
  absl::Time not_before = absl::InfinitePast();
};

// The claims as a JSON object text (for minting).
std::string ClaimsToJson(const TokenClaims& claims);

// Mints a signed token with `key` (algorithm from the key type) and `kid`:
// `claims`, with a random jti when claims.token_id is empty, so that no two
// minted tokens are alike.
absl::StatusOr<std::string> MintToken(EVP_PKEY* key, absl::string_view kid,
                                      const TokenClaims& claims);

// consent.clock_skew and consent.max_token_lifetime, or their defaults (30 s,
// 1 h).
absl::Duration ClockSkew(const caregate::config::v1::ConsentConfig& config);
absl::Duration MaxTokenLifetime(const caregate::config::v1::ConsentConfig& config);

// Verifies bearer tokens against consent.trusted_issuers and builds the
// Principal. Failures are UNAUTHENTICATED with reason INVALID_TOKEN and a
// message naming the rule ("token: expired", "token: unknown kid",
// "token: alg none is not accepted", ...), never the token's content. An
// rbac_role with no mapping is PERMISSION_DENIED, ROLE_NOT_PERMITTED. A
// client certificate whose organisation differs from the token's "org" is
// PERMISSION_DENIED, ORGANISATION_MISMATCH.
//
// A token whose signature and claims have been verified is remembered, by
// its exact bytes, until it expires: the signature check (about 100 µs of
// CPU for ES256) is then done once per token rather than once per call. The
// time rules (exp, iat, nbf with the allowed skew) are checked again on every
// call against the clock, and Authenticate checks the certificate binding on
// every call; only tokens that passed every rule are remembered, and at most
// kMaxRememberedTokens of them (expired ones are dropped first).
//
// Thread-safe; keys are loaded once in Create.
class JwtAuthenticator : public Authenticator {
 public:
  // Loads every trusted issuer's public key (paths relative to data_dir).
  // Fails naming the config field when a key is missing or unsupported.
  // `clock` is not owned and must outlive the authenticator.
  static absl::StatusOr<std::unique_ptr<JwtAuthenticator>> Create(
      const caregate::config::v1::ConsentConfig& config, absl::string_view data_dir,
      const common::Clock* clock);

  absl::StatusOr<Principal> Authenticate(const CallCredentials& call) const override;

  // Verifies a token alone (no certificate binding).
  absl::StatusOr<Principal> VerifyToken(absl::string_view token) const;

  static constexpr size_t kMaxRememberedTokens = 10000;

 private:
  // A token that passed every rule, with the times its validity depends on.
  struct Verified {
    Principal principal;
    absl::Time expires;    // exp
    absl::Time issued;     // iat
    absl::Time not_before; // nbf, or InfinitePast()
  };
  // Signature, header and claims: everything that does not depend on the time.
  absl::StatusOr<Verified> VerifySignatureAndClaims(absl::string_view token) const;
  // The rules that depend on the time.
  absl::Status CheckTimes(const Verified& v) const;
  void Remember(absl::string_view token, const Verified& v) const;

  struct TrustedKey {
    std::string issuer;
    JwsAlgorithm algorithm;
    Pkey key;
  };
  JwtAuthenticator() = default;

  std::map<std::string, TrustedKey> keys_;  // by kid
  std::map<std::string, Role> roles_;       // by RBAC code
  std::string audience_;
  absl::Duration skew_;
  absl::Duration max_lifetime_;
  const common::Clock* clock_ = nullptr;

  mutable absl::Mutex remembered_mu_;
  mutable absl::flat_hash_map<std::string, Verified> remembered_
      ABSL_GUARDED_BY(remembered_mu_);
};

// Resolves a configured path: absolute stays, relative is under data_dir.
std::string ResolveUnder(absl::string_view data_dir, absl::string_view path);

// The embedded demo's token issuer. EnsureDemoIssuerKeys creates the issuer's
// ES256 key pair when consent.demo_issuer_private_key_file is set and the
// private key file is absent: it writes the private key (mode 0600) and the
// public key file of the trusted issuer whose issuer is "caregate-demo-issuer"
// (or, failing that, the first trusted issuer). Idempotent: existing files are
// kept. Does nothing when demo_issuer_private_key_file is empty. The server
// calls it on first start of the embedded default, before
// JwtAuthenticator::Create.
inline constexpr absl::string_view kDemoIssuer = "caregate-demo-issuer";
absl::Status EnsureDemoIssuerKeys(const caregate::config::v1::ConsentConfig& config,
                                  absl::string_view data_dir);

// Mints a token with the demo issuer's private key (issuer, kid and audience
// from the configuration). `claims.issuer`/`audience` are filled in.
absl::StatusOr<std::string> MintDemoToken(const caregate::config::v1::ConsentConfig& config,
                                          absl::string_view data_dir, TokenClaims claims);

}  // namespace caregate::consent::auth

#endif  // CAREGATE_CONSENT_AUTH_JWT_AUTHENTICATOR_H_
