#include "consent/audit/merkle.h"

#include <openssl/evp.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace caregate::consent::audit {
namespace {

Hash Sha256(const unsigned char* data, size_t size) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up on
  // every call, which costs more than hashing a 64-byte node. Never freed.
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md != nullptr ? md : EVP_sha256();
  }();
  Hash out;
  unsigned int out_size = 0;
  // EVP_Digest cannot fail for SHA-256 on valid memory short of allocation
  // failure; a zero hash would then fail every verification (closed).
  if (EVP_Digest(data, size, out.data(), &out_size, sha256, nullptr) != 1) {
    out.fill(0);
  }
  return out;
}

// The largest power of two strictly below n (n >= 2).
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while ((k << 1) < n) k <<= 1;
  return k;
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

int Log2(uint64_t n) {
  int j = 0;
  while ((uint64_t{1} << j) < n) ++j;
  return j;
}

absl::Status Mismatch(absl::string_view what, absl::string_view why) {
  return absl::DataLossError(absl::StrCat(what, ": ", why));
}

}  // namespace

Hash LeafHash(absl::string_view entry_bytes) {
  std::string buffer;
  buffer.reserve(entry_bytes.size() + 1);
  buffer.push_back('\0');
  buffer.append(entry_bytes.data(), entry_bytes.size());
  return Sha256(reinterpret_cast<const unsigned char*>(buffer.data()), buffer.size());
}

Hash NodeHash(const Hash& left, const Hash& right) {
  unsigned char buffer[65];
  buffer[0] = 0x01;
  std::memcpy(buffer + 1, left.data(), 32);
  std::memcpy(buffer + 33, right.data(), 32);
  return Sha256(buffer, sizeof(buffer));
}

Hash EmptyTreeHash() { return Sha256(nullptr, 0); }

std::string HashToBytes(const Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes, absl::string_view field) {
  if (bytes.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be a 32-byte SHA-256 hash, got ", bytes.size(), " bytes"));
  }
  Hash hash;
  std::memcpy(hash.data(), bytes.data(), 32);
  return hash;
}

std::string HashToHex(const Hash& hash) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  for (size_t j = 0; levels_[j].size() % 2 == 0; ++j) {
    if (levels_.size() == j + 1) levels_.emplace_back();
    const auto& level = levels_[j];
    levels_[j + 1].push_back(NodeHash(level[level.size() - 2], level.back()));
  }
}

Hash MerkleTree::SubtreeHash(uint64_t start, uint64_t count) const {
  if (IsPowerOfTwo(count)) {
    int j = Log2(count);
    // start is a multiple of count here (see the header).
    return levels_[j][start >> j];
  }
  uint64_t k = SplitPoint(count);
  return NodeHash(SubtreeHash(start, k), SubtreeHash(start + k, count - k));
}

absl::StatusOr<Hash> MerkleTree::Root(uint64_t tree_size) const {
  if (tree_size > size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size: ", tree_size, " is beyond the log's ", size(), " entries"));
  }
  if (tree_size == 0) return EmptyTreeHash();
  return SubtreeHash(0, tree_size);
}

void MerkleTree::Path(uint64_t m, uint64_t start, uint64_t n, std::vector<Hash>* out) const {
  if (n <= 1) return;
  uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(m, start, k, out);
    out->push_back(SubtreeHash(start + k, n - k));
  } else {
    Path(m - k, start + k, n - k, out);
    out->push_back(SubtreeHash(start, k));
  }
}

absl::StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t leaf_index,
                                                             uint64_t tree_size) const {
  if (tree_size > size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size: ", tree_size, " is beyond the log's ", size(), " entries"));
  }
  if (leaf_index >= tree_size) {
    return absl::OutOfRangeError(
        absl::StrCat("leaf_index: must be below tree_size (", tree_size, ")"));
  }
  std::vector<Hash> out;
  Path(leaf_index, 0, tree_size, &out);
  return out;
}

void MerkleTree::SubProof(uint64_t m, uint64_t start, uint64_t n, bool complete,
                          std::vector<Hash>* out) const {
  if (m == n) {
    if (!complete) out->push_back(SubtreeHash(start, n));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, start, k, complete, out);
    out->push_back(SubtreeHash(start + k, n - k));
  } else {
    SubProof(m - k, start + k, n - k, false, out);
    out->push_back(SubtreeHash(start, k));
  }
}

absl::StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t first,
                                                               uint64_t second) const {
  if (second > size()) {
    return absl::OutOfRangeError(
        absl::StrCat("second_tree_size: ", second, " is beyond the log's ", size(), " entries"));
  }
  if (first == 0 || first > second) {
    return absl::OutOfRangeError(
        "first_tree_size: must be at least 1 and at most second_tree_size");
  }
  std::vector<Hash> out;
  SubProof(first, 0, second, true, &out);
  return out;
}

absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root) {
  constexpr absl::string_view kWhat = "inclusion proof";
  if (leaf_index >= tree_size) return Mismatch(kWhat, "leaf index beyond tree size");
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Mismatch(kWhat, "too many hashes");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Mismatch(kWhat, "too few hashes");
  if (r != root) return Mismatch(kWhat, "computed root does not match the tree head");
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                               const Hash& second_root, const std::vector<Hash>& proof) {
  constexpr absl::string_view kWhat = "consistency proof";
  if (first > second) return Mismatch(kWhat, "first tree is larger than the second");
  if (first == second) {
    if (!proof.empty()) return Mismatch(kWhat, "must be empty for equal sizes");
    if (first_root != second_root) return Mismatch(kWhat, "roots of equal trees differ");
    return absl::OkStatus();
  }
  if (first == 0) {
    if (!proof.empty()) return Mismatch(kWhat, "must be empty from the empty tree");
    if (first_root != EmptyTreeHash()) return Mismatch(kWhat, "empty tree root is wrong");
    return absl::OkStatus();
  }
  if (proof.empty()) return Mismatch(kWhat, "is empty");
  std::vector<Hash> path;
  if (IsPowerOfTwo(first)) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Mismatch(kWhat, "too many hashes");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Mismatch(kWhat, "too few hashes");
  if (fr != first_root) return Mismatch(kWhat, "does not reproduce the first tree's root");
  if (sr != second_root) return Mismatch(kWhat, "does not reproduce the second tree's root");
  return absl::OkStatus();
}

}  // namespace caregate::consent::audit
