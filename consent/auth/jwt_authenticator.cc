#include "consent/auth/jwt_authenticator.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "simdjson.h"

namespace caregate::consent::auth {
namespace {

namespace cfg = caregate::config::v1;

absl::Status Invalid(absl::string_view rule) {
  return common::WithReason(absl::UnauthenticatedError(absl::StrCat("token: ", rule)),
                            common::kReasonInvalidToken);
}

absl::Duration ToDuration(const google::protobuf::Duration& d, absl::Duration fallback) {
  if (d.seconds() == 0 && d.nanos() == 0) return fallback;
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// A required string claim.
absl::StatusOr<std::string> StringClaim(simdjson::dom::object& obj, const char* name,
                                        bool required) {
  simdjson::dom::element el;
  if (obj[name].get(el) != simdjson::SUCCESS) {
    if (required) return Invalid(absl::StrCat("missing claim ", name));
    return std::string();
  }
  std::string_view sv;
  if (el.get_string().get(sv) != simdjson::SUCCESS) {
    return Invalid(absl::StrCat("claim ", name, " must be a string"));
  }
  if (required && sv.empty()) return Invalid(absl::StrCat("claim ", name, " is empty"));
  return std::string(sv);
}

// A NumericDate claim; nullopt-like InfinitePast when absent and optional.
absl::StatusOr<absl::Time> TimeClaim(simdjson::dom::object& obj, const char* name, bool required) {
  simdjson::dom::element el;
  if (obj[name].get(el) != simdjson::SUCCESS) {
    if (required) return Invalid(absl::StrCat("missing claim ", name));
    return absl::InfinitePast();
  }
  double v;
  if (el.get_double().get(v) != simdjson::SUCCESS || !std::isfinite(v) || v < 0 || v > 1e11) {
    return Invalid(absl::StrCat("claim ", name, " must be a NumericDate"));
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(std::floor(v)));
}

}  // namespace

std::string ResolveUnder(absl::string_view data_dir, absl::string_view path) {
  if (path.empty() || path[0] == '/' || data_dir.empty()) return std::string(path);
  return absl::StrCat(data_dir, absl::EndsWith(data_dir, "/") ? "" : "/", path);
}

std::string ClaimsToJson(const TokenClaims& c) {
  std::vector<std::string> teams;
  for (const auto& t : c.teams) teams.push_back(JsonQuote(t));
  std::string json = absl::StrCat(
      "{\"iss\":", JsonQuote(c.issuer), ",\"aud\":", JsonQuote(c.audience),
      ",\"sub\":", JsonQuote(c.subject), ",\"name\":", JsonQuote(c.name),
      ",\"org\":", JsonQuote(c.organisation), ",\"rbac_role\":", JsonQuote(c.rbac_role),
      ",\"idassurancelevel\":", JsonQuote(c.assurance_level), ",\"teams\":[",
      absl::StrJoin(teams, ","), "],\"iat\":", absl::ToUnixSeconds(c.issued_at),
      ",\"exp\":", absl::ToUnixSeconds(c.issued_at + c.lifetime));
  if (c.not_before != absl::InfinitePast()) {
    absl::StrAppend(&json, ",\"nbf\":", absl::ToUnixSeconds(c.not_before));
  }
  if (!c.client_id.empty()) absl::StrAppend(&json, ",\"azp\":", JsonQuote(c.client_id));
  if (!c.token_id.empty()) absl::StrAppend(&json, ",\"jti\":", JsonQuote(c.token_id));
  json += "}";
  return json;
}

absl::StatusOr<std::string> MintToken(EVP_PKEY* key, absl::string_view kid,
                                      const TokenClaims& claims) {
  if (!claims.token_id.empty()) return MintJws(key, kid, ClaimsToJson(claims));
  unsigned char id[16];
  if (RAND_bytes(id, sizeof id) != 1) {
    return absl::InternalError("token: no random bytes for a jti");
  }
  TokenClaims with_id = claims;
  with_id.token_id = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(id), sizeof id));
  return MintJws(key, kid, ClaimsToJson(with_id));
}

absl::Duration ClockSkew(const cfg::ConsentConfig& config) {
  return ToDuration(config.clock_skew(), absl::Seconds(30));
}

absl::Duration MaxTokenLifetime(const cfg::ConsentConfig& config) {
  return ToDuration(config.max_token_lifetime(), absl::Hours(1));
}

absl::StatusOr<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(
    const cfg::ConsentConfig& config, absl::string_view data_dir, const common::Clock* clock) {
  std::unique_ptr<JwtAuthenticator> a(new JwtAuthenticator());
  a->clock_ = clock != nullptr ? clock : common::Clock::Real();
  a->audience_ = config.audience().empty() ? "caregate" : config.audience();
  a->skew_ = ClockSkew(config);
  a->max_lifetime_ = MaxTokenLifetime(config);
  if (config.trusted_issuers().empty()) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidConfig, "consent.trusted_issuers: at least one issuer is required");
  }
  for (int i = 0; i < config.trusted_issuers_size(); ++i) {
    const auto& ti = config.trusted_issuers(i);
    const std::string field = absl::StrCat("consent.trusted_issuers[", i, "].public_key_file");
    auto key = ReadPublicKeyPem(ResolveUnder(data_dir, ti.public_key_file()), field);
    if (!key.ok()) return common::WithReason(key.status(), common::kReasonInvalidConfig);
    auto alg = AlgorithmForKey(key->get());
    if (!alg.ok()) return alg.status();
    if (a->keys_.count(ti.key_id()) > 0) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidConfig,
          absl::StrCat("consent.trusted_issuers[", i, "].key_id: must be unique"));
    }
    a->keys_.emplace(ti.key_id(), TrustedKey{ti.issuer(), *alg, std::move(*key)});
  }
  for (int i = 0; i < config.role_mappings_size(); ++i) {
    const auto& m = config.role_mappings(i);
    auto role = RoleFromName(m.role());
    if (!role.has_value()) {
      return common::InvalidArgumentWithReason(
          common::kReasonInvalidConfig,
          absl::StrCat("consent.role_mappings[", i, "].role: unknown role"));
    }
    a->roles_[m.rbac_role()] = *role;
  }
  return a;
}

absl::StatusOr<Principal> JwtAuthenticator::VerifyToken(absl::string_view token) const {
  {
    absl::ReaderMutexLock lock(&remembered_mu_);
    auto it = remembered_.find(token);
    if (it != remembered_.end()) {
      if (auto s = CheckTimes(it->second); !s.ok()) return s;
      return it->second.principal;
    }
  }
  auto verified = VerifySignatureAndClaims(token);
  if (!verified.ok()) return verified.status();
  if (auto s = CheckTimes(*verified); !s.ok()) return s;
  Remember(token, *verified);
  return std::move(verified->principal);
}

absl::Status JwtAuthenticator::CheckTimes(const Verified& v) const {
  const absl::Time now = clock_->Now();
  if (now >= v.expires + skew_) return Invalid("expired");
  if (v.issued > now + skew_) return Invalid("issued in the future");
  if (v.not_before != absl::InfinitePast() && v.not_before > now + skew_) {
    return Invalid("not yet valid");
  }
  return absl::OkStatus();
}

void JwtAuthenticator::Remember(absl::string_view token, const Verified& v) const {
  absl::MutexLock lock(&remembered_mu_);
  if (remembered_.size() >= kMaxRememberedTokens) {
    const absl::Time now = clock_->Now();
    absl::erase_if(remembered_, [&](const auto& entry) {
      return now >= entry.second.expires + skew_;
    });
    // Still full of live tokens: start again rather than grow without bound.
    if (remembered_.size() >= kMaxRememberedTokens) remembered_.clear();
  }
  remembered_.emplace(std::string(token), v);
}

absl::StatusOr<JwtAuthenticator::Verified> JwtAuthenticator::VerifySignatureAndClaims(
    absl::string_view token) const {
  if (token.empty()) return Invalid("missing bearer token");
  if (token.size() > 16384) return Invalid("too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Invalid("not a compact JWS (three parts)");

  auto header_json = Base64UrlDecode(parts[0]);
  if (!header_json.ok()) return Invalid("header is not base64url");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object header;
  if (parser.parse(header_json->data(), header_json->size()).get(header) != simdjson::SUCCESS) {
    return Invalid("header is not a JSON object");
  }
  auto alg = StringClaim(header, "alg", false);
  if (!alg.ok()) return alg.status();
  if (alg->empty()) return Invalid("header has no alg");
  if (absl::AsciiStrToLower(*alg) == "none") return Invalid("alg none is not accepted");
  auto kid = StringClaim(header, "kid", false);
  if (!kid.ok()) return kid.status();
  if (kid->empty()) return Invalid("header has no kid");
  simdjson::dom::element crit;
  if (header["crit"].get(crit) == simdjson::SUCCESS) {
    return Invalid("crit header parameters are not supported");
  }
  auto it = keys_.find(*kid);
  if (it == keys_.end()) return Invalid("unknown kid");
  const TrustedKey& trusted = it->second;
  if (*alg != JwsAlgorithmName(trusted.algorithm)) {
    return Invalid("alg does not match the issuer's key");
  }

  auto signature = Base64UrlDecode(parts[2]);
  if (!signature.ok()) return Invalid("signature is not base64url");
  absl::string_view signing_input(parts[0].data(), parts[0].size() + 1 + parts[1].size());
  if (!VerifyJws(trusted.key.get(), signing_input, *signature)) {
    return Invalid("bad signature");
  }

  // Only now is the payload trusted enough to read.
  auto payload_json = Base64UrlDecode(parts[1]);
  if (!payload_json.ok()) return Invalid("payload is not base64url");
  simdjson::dom::object claims;
  if (parser.parse(payload_json->data(), payload_json->size()).get(claims) != simdjson::SUCCESS) {
    return Invalid("payload is not a JSON object");
  }

  auto iss = StringClaim(claims, "iss", true);
  if (!iss.ok()) return iss.status();
  if (*iss != trusted.issuer) return Invalid("iss does not match the key's issuer");

  simdjson::dom::element aud;
  if (claims["aud"].get(aud) != simdjson::SUCCESS) return Invalid("missing claim aud");
  bool aud_ok = false;
  std::string_view sv;
  if (aud.get_string().get(sv) == simdjson::SUCCESS) {
    aud_ok = sv == audience_;
  } else if (aud.is_array()) {
    for (simdjson::dom::element e : aud.get_array()) {
      if (e.get_string().get(sv) == simdjson::SUCCESS && sv == audience_) aud_ok = true;
    }
  } else {
    return Invalid("claim aud must be a string or an array");
  }
  if (!aud_ok) return Invalid("wrong audience");

  auto exp = TimeClaim(claims, "exp", true);
  if (!exp.ok()) return exp.status();
  auto iat = TimeClaim(claims, "iat", true);
  if (!iat.ok()) return iat.status();
  auto nbf = TimeClaim(claims, "nbf", false);
  if (!nbf.ok()) return nbf.status();
  if (*exp <= *iat) return Invalid("exp must be after iat");
  if (*exp - *iat > max_lifetime_) return Invalid("lifetime exceeds the maximum");

  Verified verified;
  verified.expires = *exp;
  verified.issued = *iat;
  verified.not_before = *nbf;
  Principal& p = verified.principal;
  for (auto [name, field] : {std::pair<const char*, std::string*>{"sub", &p.user_id},
                             {"name", &p.user_name},
                             {"org", &p.organisation},
                             {"rbac_role", &p.rbac_role}}) {
    auto v = StringClaim(claims, name, true);
    if (!v.ok()) return v.status();
    *field = std::move(*v);
  }
  // A generic or unknown user (GP Connect allows "UNK") never gets a record.
  if (absl::EqualsIgnoreCase(p.user_id, "UNK")) return Invalid("sub must identify a user");
  simdjson::dom::element level;
  if (claims["idassurancelevel"].get(level) != simdjson::SUCCESS) {
    return Invalid("missing claim idassurancelevel");
  }
  int64_t n;
  if (level.get_string().get(sv) == simdjson::SUCCESS && !sv.empty()) {
    p.assurance_level = std::string(sv);
  } else if (level.get_int64().get(n) == simdjson::SUCCESS) {
    p.assurance_level = absl::StrCat(n);
  } else {
    return Invalid("claim idassurancelevel must be a string or an integer");
  }
  simdjson::dom::element teams;
  if (claims["teams"].get(teams) == simdjson::SUCCESS) {
    simdjson::dom::array arr;
    if (teams.get_array().get(arr) != simdjson::SUCCESS) {
      return Invalid("claim teams must be an array of strings");
    }
    for (simdjson::dom::element e : arr) {
      if (e.get_string().get(sv) != simdjson::SUCCESS) {
        return Invalid("claim teams must be an array of strings");
      }
      p.teams.emplace_back(sv);
    }
  }
  auto azp = StringClaim(claims, "azp", false);
  if (!azp.ok()) return azp.status();
  p.client_system = std::move(*azp);
  auto jti = StringClaim(claims, "jti", false);
  if (!jti.ok()) return jti.status();
  if (jti->size() > 256) return Invalid("claim jti is longer than 256 characters");
  p.token_id = std::move(*jti);
  p.token_expires_at = *exp + skew_;  // accepted until then (see CheckTimes)

  auto role = roles_.find(p.rbac_role);
  if (role == roles_.end()) {
    return common::PermissionDeniedWithReason(common::kReasonRoleNotPermitted,
                                              "token: rbac_role is not mapped to a caregate role");
  }
  p.role = role->second;
  return verified;
}

absl::StatusOr<Principal> JwtAuthenticator::Authenticate(const CallCredentials& call) const {
  absl::string_view auth = call.authorization;
  if (auth.empty()) return Invalid("missing bearer token");
  if (auth.size() < 7 || !absl::EqualsIgnoreCase(auth.substr(0, 7), "bearer ")) {
    return Invalid("authorization must be a Bearer token");
  }
  auto principal = VerifyToken(absl::StripAsciiWhitespace(auth.substr(7)));
  if (!principal.ok()) return principal.status();
  if (!call.certificate_organisation.empty() &&
      call.certificate_organisation != principal->organisation) {
    return common::PermissionDeniedWithReason(
        common::kReasonOrganisationMismatch,
        "token: org does not match the client certificate's organisation");
  }
  if (!call.certificate_subject.empty()) {
    principal->client_system = std::string(call.certificate_subject);
  }
  return principal;
}

namespace {

absl::Status WriteFileAtomically(const std::string& path, const std::string& data, bool secret) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::FailedPreconditionError("cannot write a demo issuer key file");
    out << data;
    if (!out.flush()) return absl::FailedPreconditionError("cannot write a demo issuer key file");
  }
  if (secret) ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::FailedPreconditionError("cannot write a demo issuer key file");
  return absl::OkStatus();
}

const cfg::TrustedIssuer* DemoIssuer(const cfg::ConsentConfig& config) {
  for (const auto& ti : config.trusted_issuers()) {
    if (ti.issuer() == kDemoIssuer) return &ti;
  }
  return config.trusted_issuers().empty() ? nullptr : &config.trusted_issuers(0);
}

}  // namespace

absl::Status EnsureDemoIssuerKeys(const cfg::ConsentConfig& config, absl::string_view data_dir) {
  if (config.demo_issuer_private_key_file().empty()) return absl::OkStatus();
  const cfg::TrustedIssuer* issuer = DemoIssuer(config);
  if (issuer == nullptr) {
    return absl::FailedPreconditionError("consent.trusted_issuers: no demo issuer");
  }
  const std::string priv = ResolveUnder(data_dir, config.demo_issuer_private_key_file());
  const std::string pub = ResolveUnder(data_dir, issuer->public_key_file());
  if (std::filesystem::exists(priv)) {
    if (std::filesystem::exists(pub)) return absl::OkStatus();
    auto key = ReadPrivateKeyPem(priv, "consent.demo_issuer_private_key_file");
    if (!key.ok()) return key.status();
    auto pem = PublicKeyToPem(key->get());
    if (!pem.ok()) return pem.status();
    return WriteFileAtomically(pub, *pem, false);
  }
  auto key = GenerateKey(JwsAlgorithm::kEs256);
  if (!key.ok()) return key.status();
  auto priv_pem = PrivateKeyToPem(key->get());
  auto pub_pem = PublicKeyToPem(key->get());
  if (!priv_pem.ok()) return priv_pem.status();
  if (!pub_pem.ok()) return pub_pem.status();
  if (auto s = WriteFileAtomically(pub, *pub_pem, false); !s.ok()) return s;
  return WriteFileAtomically(priv, *priv_pem, true);
}

absl::StatusOr<std::string> MintDemoToken(const cfg::ConsentConfig& config,
                                          absl::string_view data_dir, TokenClaims claims) {
  if (config.demo_issuer_private_key_file().empty()) {
    return absl::FailedPreconditionError(
        "consent.demo_issuer_private_key_file: not set (only the demo configuration mints tokens)");
  }
  const cfg::TrustedIssuer* issuer = DemoIssuer(config);
  if (issuer == nullptr) {
    return absl::FailedPreconditionError("consent.trusted_issuers: no demo issuer");
  }
  auto key = ReadPrivateKeyPem(ResolveUnder(data_dir, config.demo_issuer_private_key_file()),
                               "consent.demo_issuer_private_key_file");
  if (!key.ok()) return key.status();
  claims.issuer = issuer->issuer();
  claims.audience = config.audience().empty() ? "caregate" : config.audience();
  return MintToken(key->get(), issuer->key_id(), claims);
}

}  // namespace caregate::consent::auth
