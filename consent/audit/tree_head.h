#ifndef CAREGATE_CONSENT_AUDIT_TREE_HEAD_H_
#define CAREGATE_CONSENT_AUDIT_TREE_HEAD_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caregate/v1/audit.pb.h"
#include "consent/audit/merkle.h"

namespace caregate::consent::audit {

// The exact bytes an Ed25519 tree-head signature covers (76 bytes):
//   "caregate.audit.tree_head.v1" (27 ASCII bytes) || 0x00
//   || tree_size (uint64, big-endian)
//   || timestamp (uint64 milliseconds since the Unix epoch, big-endian)
//   || root hash (32 bytes)
std::string TreeHeadSigningInput(uint64_t tree_size, int64_t timestamp_ms, const Hash& root);

// Signs tree heads with the gateway's Ed25519 key (OpenSSL EVP_PKEY_ED25519,
// EVP_DigestSign with no digest). Thread-safe after construction.
class TreeHeadSigner {
 public:
  // Loads the PEM private key at `path`; when the file does not exist,
  // generates a key and writes it there with mode 0600 (creating the parent
  // directory). Fails with FAILED_PRECONDITION naming `config_path` when the
  // file exists but is not an Ed25519 private key.
  static absl::StatusOr<std::unique_ptr<TreeHeadSigner>> LoadOrCreate(
      const std::string& path, absl::string_view config_path);
  // From PEM text (tests).
  static absl::StatusOr<std::unique_ptr<TreeHeadSigner>> FromPrivateKeyPem(absl::string_view pem);
  // A fresh key (tests).
  static absl::StatusOr<std::unique_ptr<TreeHeadSigner>> Generate();
  ~TreeHeadSigner();

  // A signed head; the time is truncated to milliseconds.
  absl::StatusOr<caregate::v1::SignedTreeHead> Sign(uint64_t tree_size, const Hash& root,
                                                    absl::Time time) const;
  const std::string& public_key_pem() const { return public_key_pem_; }
  // SHA-256 of the DER SubjectPublicKeyInfo.
  const std::string& key_id() const { return key_id_; }
  std::string PrivateKeyPem() const;

 private:
  explicit TreeHeadSigner(void* pkey);
  void* pkey_;  // EVP_PKEY*
  std::string public_key_pem_;
  std::string key_id_;
};

// Checks `head`'s signature with `public_key_pem` (a PEM Ed25519 public key)
// and that head.key_id names that key. DATA_LOSS ("tree head: ...") when the
// head is not signed by that key; INVALID_ARGUMENT for a malformed head/key.
absl::Status VerifyTreeHead(const caregate::v1::SignedTreeHead& head,
                            absl::string_view public_key_pem);

}  // namespace caregate::consent::audit

#endif  // CAREGATE_CONSENT_AUDIT_TREE_HEAD_H_
