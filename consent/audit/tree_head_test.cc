#include "consent/audit/tree_head.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::consent::audit {
namespace {

TEST(TreeHeadTest, SigningInputIsTheDocumentedLayout) {
  Hash root;
  for (int i = 0; i < 32; ++i) root[i] = static_cast<unsigned char>(i);
  std::string input = TreeHeadSigningInput(0x0102, 0x0A0B, root);
  ASSERT_EQ(input.size(), 76u);
  EXPECT_EQ(input.substr(0, 28), std::string("caregate.audit.tree_head.v1\0", 28));
  EXPECT_EQ(input.substr(28, 8), std::string("\0\0\0\0\0\0\x01\x02", 8));
  EXPECT_EQ(input.substr(36, 8), std::string("\0\0\0\0\0\0\x0A\x0B", 8));
  EXPECT_EQ(input.substr(44), HashToBytes(root));
}

TEST(TreeHeadTest, SignedHeadVerifiesAndAnyChangeFails) {
  auto signer = TreeHeadSigner::Generate();
  ASSERT_TRUE(signer.ok());
  Hash root = LeafHash("x");
  auto head = (*signer)->Sign(7, root, absl::FromUnixMillis(1700000000123));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->signature().size(), 64u);
  EXPECT_EQ(head->key_id().size(), 32u);
  EXPECT_EQ(head->timestamp().nanos(), 123000000);
  ASSERT_TRUE(VerifyTreeHead(*head, (*signer)->public_key_pem()).ok());

  auto bigger = *head;
  bigger.set_tree_size(8);
  EXPECT_EQ(VerifyTreeHead(bigger, (*signer)->public_key_pem()).code(),
            absl::StatusCode::kDataLoss);
  auto later = *head;
  later.mutable_timestamp()->set_seconds(head->timestamp().seconds() + 1);
  EXPECT_FALSE(VerifyTreeHead(later, (*signer)->public_key_pem()).ok());
  auto other_root = *head;
  other_root.set_root_hash(HashToBytes(LeafHash("y")));
  EXPECT_FALSE(VerifyTreeHead(other_root, (*signer)->public_key_pem()).ok());

  auto stranger = TreeHeadSigner::Generate();
  EXPECT_EQ(VerifyTreeHead(*head, (*stranger)->public_key_pem()).code(),
            absl::StatusCode::kDataLoss);
}

TEST(TreeHeadTest, KeyIsGeneratedOnceWithMode0600AndReloaded) {
  caregate::testing::TempDir dir;
  std::string path = dir.path() + "/keys/audit-signing.pem";
  auto first = TreeHeadSigner::LoadOrCreate(path, "audit.signing_key_file");
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto second = TreeHeadSigner::LoadOrCreate(path, "audit.signing_key_file");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)->key_id(), (*second)->key_id());
  auto head = (*second)->Sign(1, LeafHash(""), absl::Now());
  EXPECT_TRUE(VerifyTreeHead(*head, (*first)->public_key_pem()).ok());
}

TEST(TreeHeadTest, NonKeyFileIsRefusedNamingTheField) {
  caregate::testing::TempDir dir;
  std::string path = dir.path() + "/bad.pem";
  FILE* f = fopen(path.c_str(), "w");
  fputs("not a key\n", f);
  fclose(f);
  auto signer = TreeHeadSigner::LoadOrCreate(path, "audit.signing_key_file");
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(signer.status().message().find("audit.signing_key_file"), std::string::npos);
}

}  // namespace
}  // namespace caregate::consent::audit
