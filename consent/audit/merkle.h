#ifndef CAREGATE_CONSENT_AUDIT_MERKLE_H_
#define CAREGATE_CONSENT_AUDIT_MERKLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace caregate::consent::audit {

// RFC 9162 section 2.1 Merkle tree hashing with SHA-256 (OpenSSL EVP).
//   leaf hash = SHA-256(0x00 || entry bytes)
//   node hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256("")
using Hash = std::array<unsigned char, 32>;

Hash LeafHash(absl::string_view entry_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyTreeHash();

std::string HashToBytes(const Hash& hash);
// Fails (INVALID_ARGUMENT naming `field`) unless `bytes` is 32 bytes long.
absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes, absl::string_view field);
std::string HashToHex(const Hash& hash);

// An append-only Merkle tree over leaf hashes that answers roots and proofs
// for any tree size up to size() in O(log^2 n) hash operations: it keeps
// every complete, aligned subtree hash (2n hashes in all, 64 bytes each), so a
// proof only combines cached subtrees along the right edge.
//
// Not thread-safe: the owner serialises access.
class MerkleTree {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash& leaf(uint64_t index) const { return levels_[0][index]; }

  // MTH of the first `tree_size` leaves. OUT_OF_RANGE past size().
  absl::StatusOr<Hash> Root(uint64_t tree_size) const;
  // RFC 9162 PATH(leaf_index, D[tree_size]): sibling hashes, leaf upwards.
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t leaf_index, uint64_t tree_size) const;
  // RFC 9162 PROOF(first, D[second]); 0 < first <= second <= size().
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second) const;

 private:
  // MTH(D[start:start+count]) where the RFC's recursion guarantees `start`
  // is a multiple of the largest power of two below `count`.
  Hash SubtreeHash(uint64_t start, uint64_t count) const;
  void Path(uint64_t m, uint64_t start, uint64_t n, std::vector<Hash>* out) const;
  void SubProof(uint64_t m, uint64_t start, uint64_t n, bool complete,
                std::vector<Hash>* out) const;

  // levels_[j][i] = hash of the complete subtree of 2^j leaves starting at
  // leaf i * 2^j.
  std::vector<std::vector<Hash>> levels_;
};

// RFC 9162 section 2.1.3.2: checks that `leaf_hash` is leaf `leaf_index` of
// the tree of `tree_size` leaves whose root is `root`. Fails with
// DATA_LOSS ("inclusion proof: ...") when it is not.
absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 section 2.1.4.2: checks that the tree of `first` leaves with root
// `first_root` is a prefix of the tree of `second` leaves with root
// `second_root`. Fails with DATA_LOSS ("consistency proof: ...") when not.
absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                               const Hash& second_root, const std::vector<Hash>& proof);

}  // namespace caregate::consent::audit

#endif  // CAREGATE_CONSENT_AUDIT_MERKLE_H_
