#include "consent/audit/merkle.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace caregate::consent::audit {
namespace {

std::vector<std::string> Hexes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

// RFC 6962 / RFC 9162 reference data (certificate-transparency test vectors):
// the eight leaves and the roots of the trees of sizes 1..8.
const char* const kVectorLeaves[] = {"",
                                     "00",
                                     "10",
                                     "2021",
                                     "3031",
                                     "40414243",
                                     "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"};
const char* const kVectorRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

MerkleTree VectorTree() {
  MerkleTree tree;
  for (const char* leaf : kVectorLeaves) tree.Append(LeafHash(absl::HexStringToBytes(leaf)));
  return tree;
}

TEST(MerkleTest, EmptyTreeIsSha256OfNothing) {
  EXPECT_EQ(HashToHex(EmptyTreeHash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree tree;
  EXPECT_EQ(*tree.Root(0), EmptyTreeHash());
}

TEST(MerkleTest, RootsMatchRfc6962Vectors) {
  MerkleTree tree = VectorTree();
  for (uint64_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(HashToHex(*tree.Root(n)), kVectorRoots[n - 1]) << "size " << n;
  }
}

TEST(MerkleTest, InclusionProofsMatchRfc6962Vectors) {
  MerkleTree tree = VectorTree();
  EXPECT_EQ(Hexes(*tree.InclusionProof(0, 8)),
            (std::vector<std::string>{
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(Hexes(*tree.InclusionProof(5, 8)),
            (std::vector<std::string>{
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
}

TEST(MerkleTest, ConsistencyProofsMatchRfc6962Vectors) {
  MerkleTree tree = VectorTree();
  EXPECT_TRUE(tree.ConsistencyProof(1, 1)->empty());
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(1, 8)),
            (std::vector<std::string>{
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(6, 8)),
            (std::vector<std::string>{
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(2, 5)),
            (std::vector<std::string>{
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}));
}

// Every root and a sample of proofs (all of them for sizes up to 64) for tree
// sizes 1..1000, compared with an independent Python implementation of the
// RFC's recursive definitions; every proof must also verify, and a proof with
// one hash changed must not.
TEST(MerkleTest, MatchesIndependentReferenceForSizes1To1000) {
  constexpr int kMax = 1000;
  std::string command =
      absl::StrCat("/usr/bin/python3 ", CAREGATE_AUDIT_TESTDATA, "/merkle_reference.py ", kMax);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[1 << 16];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, got);
  ASSERT_EQ(pclose(pipe), 0) << "the Python reference failed";

  MerkleTree tree;
  for (int i = 0; i < kMax; ++i) tree.Append(LeafHash(absl::StrCat("leaf-", i)));

  int roots = 0, inclusions = 0, consistencies = 0;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    if (parts[0] == "root") {
      uint64_t n;
      ASSERT_TRUE(absl::SimpleAtoi(parts[1], &n));
      ASSERT_EQ(HashToHex(*tree.Root(n)), parts[2]) << "root of size " << n;
      ++roots;
      continue;
    }
    uint64_t m, n;
    ASSERT_TRUE(absl::SimpleAtoi(parts[1], &m));
    ASSERT_TRUE(absl::SimpleAtoi(parts[2], &n));
    std::vector<std::string> want;
    if (parts.size() > 3 && !parts[3].empty()) want = absl::StrSplit(parts[3], ',');
    Hash root_n = *tree.Root(n);
    if (parts[0] == "incl") {
      auto proof = tree.InclusionProof(m, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(Hexes(*proof), want) << "inclusion " << m << " in " << n;
      ASSERT_TRUE(VerifyInclusion(m, n, tree.leaf(m), *proof, root_n).ok());
      if (!proof->empty()) {
        auto bad = *proof;
        bad[bad.size() / 2][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(m, n, tree.leaf(m), bad, root_n).ok());
      }
      if (n > 1) {
        // The right leaf hash at the wrong index does not verify.
        EXPECT_FALSE(VerifyInclusion((m + 1) % n, n, tree.leaf(m), *proof, root_n).ok());
      }
      ++inclusions;
    } else {
      ASSERT_EQ(parts[0], "cons");
      auto proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(Hexes(*proof), want) << "consistency " << m << " to " << n;
      Hash root_m = *tree.Root(m);
      ASSERT_TRUE(VerifyConsistency(m, n, root_m, root_n, *proof).ok())
          << "consistency " << m << " to " << n;
      if (!proof->empty()) {
        auto bad = *proof;
        bad.back()[31] ^= 1;
        EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, bad).ok());
      }
      if (m < n) {
        // A different first root (a rewritten history) does not verify.
        Hash other = root_m;
        other[0] ^= 1;
        EXPECT_FALSE(VerifyConsistency(m, n, other, root_n, *proof).ok());
      }
      ++consistencies;
    }
  }
  EXPECT_EQ(roots, kMax);
  EXPECT_GT(inclusions, 5000);
  EXPECT_GT(consistencies, 5000);
}

TEST(MerkleTest, ProofArgumentsOutOfRangeAreRefused) {
  MerkleTree tree = VectorTree();
  EXPECT_EQ(tree.InclusionProof(8, 8).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(tree.InclusionProof(0, 9).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(tree.ConsistencyProof(0, 8).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(tree.ConsistencyProof(5, 4).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(tree.Root(9).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(MerkleTest, LargeTreeAnswersProofsFromCachedSubtrees) {
  MerkleTree tree;
  for (int i = 0; i < 100000; ++i) tree.Append(LeafHash(absl::StrCat("e", i)));
  Hash root = *tree.Root(100000);
  for (uint64_t m : {0ull, 1ull, 65535ull, 65536ull, 99999ull}) {
    auto proof = tree.InclusionProof(m, 100000);
    ASSERT_TRUE(proof.ok());
    EXPECT_LE(proof->size(), 17u);
    EXPECT_TRUE(VerifyInclusion(m, 100000, tree.leaf(m), *proof, root).ok());
  }
  auto consistency = tree.ConsistencyProof(77777, 100000);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(VerifyConsistency(77777, 100000, *tree.Root(77777), root, *consistency).ok());
}

}  // namespace
}  // namespace caregate::consent::audit
