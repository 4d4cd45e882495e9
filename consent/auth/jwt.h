#ifndef CAREGATE_CONSENT_AUTH_JWT_H_
#define CAREGATE_CONSENT_AUTH_JWT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace caregate::consent::auth {

// JWS compact serialisation pieces (RFC 7515) on OpenSSL 3 EVP. No
// cryptography is written here: OpenSSL signs and verifies; this file only
// encodes, decodes and converts ES256 signatures between JOSE (r||s) and DER.

// Strict base64url without padding (RFC 7515 section 2): rejects '=', '+',
// '/', whitespace, and a final group whose unused bits are not zero.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view in);
std::string Base64UrlEncode(absl::string_view in);

// The JWS algorithms caregate accepts. The algorithm is fixed by the issuer's
// key type (P-256 EC → ES256, RSA ≥ 2048 bits → RS256, Ed25519 → EdDSA); a
// token whose header names another algorithm is refused, so a key can never be
// used with an algorithm it was not meant for.
enum class JwsAlgorithm { kEs256, kRs256, kEdDsa };
absl::string_view JwsAlgorithmName(JwsAlgorithm alg);

// An owned EVP_PKEY.
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// The algorithm for a key, or INVALID_ARGUMENT for an unsupported key
// (e.g. an EC key on another curve, RSA below 2048 bits).
absl::StatusOr<JwsAlgorithm> AlgorithmForKey(EVP_PKEY* key);

// PEM files and strings. Errors name `field` (a config path) and never the
// key material.
absl::StatusOr<Pkey> ReadPublicKeyPem(const std::string& path, absl::string_view field);
absl::StatusOr<Pkey> ReadPrivateKeyPem(const std::string& path, absl::string_view field);
absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* key);
absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key);

// Fresh key pairs (for the demo issuer and tests).
absl::StatusOr<Pkey> GenerateKey(JwsAlgorithm alg);

// Signs `signing_input` ("<b64 header>.<b64 payload>") with `key`; the result is
// the raw JWS signature (ES256 in JOSE r||s form, 64 bytes).
absl::StatusOr<std::string> SignJws(EVP_PKEY* key, absl::string_view signing_input);

// Verifies a raw JWS signature. Returns false for a bad signature (including a
// malformed ES256 signature); an error only when OpenSSL itself fails.
bool VerifyJws(EVP_PKEY* key, absl::string_view signing_input, absl::string_view signature);

// Writes `s` as a JSON string literal with every control character escaped.
std::string JsonQuote(absl::string_view s);

// Builds and signs a compact JWS: header {"alg","typ":"JWT","kid"} and the
// given payload (a JSON object text).
absl::StatusOr<std::string> MintJws(EVP_PKEY* key, absl::string_view kid,
                                    absl::string_view payload_json);

}  // namespace caregate::consent::auth

#endif  // CAREGATE_CONSENT_AUTH_JWT_H_
