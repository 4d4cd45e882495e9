#include "consent/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace caregate::consent::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const EVP_MD* DigestFor(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kEdDsa ? nullptr : EVP_sha256();
}

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view field) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": cannot read the key file"));
  }
  std::string data;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  return data;
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view in) {
  if (in.size() % 4 == 1) return absl::InvalidArgumentError("base64url: bad length");
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = DecodeChar(c);
    if (v < 0) return absl::InvalidArgumentError("base64url: invalid character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("base64url: non-canonical encoding");
  }
  return out;
}

std::string Base64UrlEncode(absl::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

absl::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kEs256:
      return "ES256";
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "";
}

absl::StatusOr<JwsAlgorithm> AlgorithmForKey(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return JwsAlgorithm::kEdDsa;
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) {
      return absl::InvalidArgumentError("RSA keys must have at least 2048 bits");
    }
    return JwsAlgorithm::kRs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                       &len) == 1 &&
        absl::string_view(curve, len) == "prime256v1") {
      return JwsAlgorithm::kEs256;
    }
    return absl::InvalidArgumentError("EC keys must be on P-256 (ES256)");
  }
  return absl::InvalidArgumentError("unsupported key type (use P-256, RSA or Ed25519)");
}

absl::StatusOr<Pkey> ReadPublicKeyPem(const std::string& path, absl::string_view field) {
  auto pem = ReadFile(path, field);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a PEM public key"));
  }
  if (auto alg = AlgorithmForKey(key.get()); !alg.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", alg.status().message()));
  }
  return key;
}

absl::StatusOr<Pkey> ReadPrivateKeyPem(const std::string& path, absl::string_view field) {
  auto pem = ReadFile(path, field);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a PEM private key"));
  }
  if (auto alg = AlgorithmForKey(key.get()); !alg.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", alg.status().message()));
  }
  return key;
}

namespace {
absl::StatusOr<std::string> BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0) return absl::InternalError("PEM encoding failed");
  return std::string(data, static_cast<size_t>(len));
}
}  // namespace

absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) return absl::InternalError("PEM encoding failed");
  return BioToString(bio.get());
}

absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError("PEM encoding failed");
  }
  return BioToString(bio.get());
}

absl::StatusOr<Pkey> GenerateKey(JwsAlgorithm alg) {
  EVP_PKEY* key = nullptr;
  switch (alg) {
    case JwsAlgorithm::kEs256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case JwsAlgorithm::kRs256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case JwsAlgorithm::kEdDsa:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr) return absl::InternalError("key generation failed");
  return Pkey(key);
}

absl::StatusOr<std::string> SignJws(EVP_PKEY* key, absl::string_view signing_input) {
  auto alg = AlgorithmForKey(key);
  if (!alg.ok()) return alg.status();
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(*alg), nullptr, key) != 1) {
    return absl::InternalError("signing failed");
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, signing_input.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     signing_input.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  sig.resize(len);
  if (*alg != JwsAlgorithm::kEs256) return sig;
  // DER ECDSA-Sig-Value → JOSE r||s, each 32 bytes big-endian.
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  std::unique_ptr<ECDSA_SIG, SigDeleter> ecdsa(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!ecdsa) return absl::InternalError("signing failed");
  std::string jose(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(jose.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa.get()), out + 32, 32) != 32) {
    return absl::InternalError("signing failed");
  }
  return jose;
}

bool VerifyJws(EVP_PKEY* key, absl::string_view signing_input, absl::string_view signature) {
  auto alg = AlgorithmForKey(key);
  if (!alg.ok()) return false;
  std::string der;
  if (*alg == JwsAlgorithm::kEs256) {
    // JOSE r||s → DER, which is what OpenSSL verifies.
    if (signature.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
    std::unique_ptr<ECDSA_SIG, SigDeleter> ecdsa(ECDSA_SIG_new());
    if (r == nullptr || s == nullptr || !ecdsa || ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return false;
    }
    unsigned char* buf = nullptr;
    int len = i2d_ECDSA_SIG(ecdsa.get(), &buf);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    OPENSSL_free(buf);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(*alg), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

absl::StatusOr<std::string> MintJws(EVP_PKEY* key, absl::string_view kid,
                                    absl::string_view payload_json) {
  auto alg = AlgorithmForKey(key);
  if (!alg.ok()) return alg.status();
  std::string header = absl::StrCat("{\"alg\":", JsonQuote(JwsAlgorithmName(*alg)),
                                    ",\"typ\":\"JWT\",\"kid\":", JsonQuote(kid), "}");
  std::string input = absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload_json));
  auto sig = SignJws(key, input);
  if (!sig.ok()) return sig.status();
  return absl::StrCat(input, ".", Base64UrlEncode(*sig));
}

}  // namespace caregate::consent::auth
