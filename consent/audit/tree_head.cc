#include "consent/audit/tree_head.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace caregate::consent::audit {
namespace {

constexpr char kSigningPrefix[] = "caregate.audit.tree_head.v1";

EVP_PKEY* AsKey(void* p) { return static_cast<EVP_PKEY*>(p); }

void PutUint64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, size > 0 ? static_cast<size_t>(size) : 0);
}

absl::StatusOr<std::string> PublicKeyDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return absl::InternalError("tree head key: cannot encode public key");
  std::string out(reinterpret_cast<char*>(der), size);
  OPENSSL_free(der);
  return out;
}

std::string Sha256Bytes(absl::string_view bytes) {
  unsigned char out[32];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), 32);
}

absl::StatusOr<EVP_PKEY*> ReadPublicKey(absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    if (key) EVP_PKEY_free(key);
    return absl::InvalidArgumentError("public key: must be a PEM Ed25519 public key");
  }
  return key;
}

}  // namespace

std::string TreeHeadSigningInput(uint64_t tree_size, int64_t timestamp_ms, const Hash& root) {
  std::string out(kSigningPrefix, sizeof(kSigningPrefix) - 1);
  out.push_back('\0');
  PutUint64(tree_size, &out);
  PutUint64(static_cast<uint64_t>(timestamp_ms), &out);
  out.append(reinterpret_cast<const char*>(root.data()), root.size());
  return out;
}

TreeHeadSigner::TreeHeadSigner(void* pkey) : pkey_(pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, AsKey(pkey_));
  public_key_pem_ = BioToString(bio);
  BIO_free(bio);
  auto der = PublicKeyDer(AsKey(pkey_));
  if (der.ok()) key_id_ = Sha256Bytes(*der);
}

TreeHeadSigner::~TreeHeadSigner() { EVP_PKEY_free(AsKey(pkey_)); }

std::string TreeHeadSigner::PrivateKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, AsKey(pkey_), nullptr, nullptr, 0, nullptr, nullptr);
  std::string out = BioToString(bio);
  BIO_free(bio);
  return out;
}

absl::StatusOr<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::Generate() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return absl::InternalError("tree head key: Ed25519 key generation failed");
  return std::unique_ptr<TreeHeadSigner>(new TreeHeadSigner(key));
}

absl::StatusOr<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::FromPrivateKeyPem(
    absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    if (key) EVP_PKEY_free(key);
    return absl::FailedPreconditionError("must be a PEM Ed25519 private key");
  }
  return std::unique_ptr<TreeHeadSigner>(new TreeHeadSigner(key));
}

absl::StatusOr<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::LoadOrCreate(
    const std::string& path, absl::string_view config_path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return absl::FailedPreconditionError(
          absl::StrCat(config_path, ": cannot read the signing key file"));
    }
    auto signer = FromPrivateKeyPem(text.str());
    if (!signer.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(config_path, ": ", signer.status().message()));
    }
    return signer;
  }
  auto signer = Generate();
  if (!signer.ok()) return signer.status();
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(config_path, ": cannot create the signing key file: ", std::strerror(errno)));
  }
  std::string pem = (*signer)->PrivateKeyPem();
  bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat(config_path, ": cannot write the signing key file"));
  }
  return signer;
}

absl::StatusOr<caregate::v1::SignedTreeHead> TreeHeadSigner::Sign(uint64_t tree_size,
                                                                  const Hash& root,
                                                                  absl::Time time) const {
  int64_t ms = absl::ToUnixMillis(time);
  std::string input = TreeHeadSigningInput(tree_size, ms, root);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char signature[64];
  size_t signature_size = sizeof(signature);
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, AsKey(pkey_)) == 1 &&
            EVP_DigestSign(ctx, signature, &signature_size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::InternalError("tree head: Ed25519 signing failed");
  caregate::v1::SignedTreeHead head;
  head.set_tree_size(tree_size);
  head.set_root_hash(HashToBytes(root));
  head.mutable_timestamp()->set_seconds(ms / 1000);
  head.mutable_timestamp()->set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
  head.set_signature(reinterpret_cast<char*>(signature), signature_size);
  head.set_key_id(key_id_);
  head.set_public_key_pem(public_key_pem_);
  return head;
}

absl::Status VerifyTreeHead(const caregate::v1::SignedTreeHead& head,
                            absl::string_view public_key_pem) {
  auto root = HashFromBytes(head.root_hash(), "tree head root_hash");
  if (!root.ok()) return root.status();
  auto key = ReadPublicKey(public_key_pem);
  if (!key.ok()) return key.status();
  auto der = PublicKeyDer(*key);
  if (!der.ok() || Sha256Bytes(*der) != head.key_id()) {
    EVP_PKEY_free(*key);
    return absl::DataLossError("tree head: key_id does not name the given public key");
  }
  int64_t ms = head.timestamp().seconds() * 1000 + head.timestamp().nanos() / 1000000;
  std::string input = TreeHeadSigningInput(head.tree_size(), ms, *root);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, *key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(head.signature().data()),
                       head.signature().size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(*key);
  if (!ok) return absl::DataLossError("tree head: signature does not verify");
  return absl::OkStatus();
}

}  // namespace caregate::consent::audit
