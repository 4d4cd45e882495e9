#include "consent/audit/verifier.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "caregate/v1/audit.pb.h"
#include "consent/audit/merkle.h"
#include "consent/audit/sql_audit_log.h"
#include "consent/audit/tree_head.h"

namespace caregate::consent::audit {

using common::sql::Row;

absl::StatusOr<LogVerification> VerifyStoredLog(common::sql::Database& database,
                                                const caregate::v1::SignedTreeHead& head,
                                                absl::string_view public_key_pem,
                                                absl::Time deadline) {
  LogVerification result;
  result.head_size = head.tree_size();
  if (absl::Status s = VerifyTreeHead(head, public_key_pem); !s.ok()) {
    result.problems.push_back(std::string(s.message()));
  }
  auto head_root = HashFromBytes(head.root_hash(), "tree head root_hash");
  if (head_root.ok()) result.head_root_hex = HashToHex(*head_root);

  auto lease = database.Acquire(deadline);
  if (!lease.ok()) return lease.status();
  MerkleTree tree;
  uint64_t expected = 0;
  constexpr size_t kMaxListed = 20;
  auto note = [&](std::string problem) {
    if (result.problems.size() < kMaxListed) {
      result.problems.push_back(std::move(problem));
    } else if (result.problems.size() == kMaxListed) {
      result.problems.push_back("... more problems not listed");
    }
  };
  absl::Status read = (*lease)->QueryEach(
      "SELECT idx, entry, leaf_hash FROM audit_entries ORDER BY idx", {}, deadline,
      [&](const Row& row) -> absl::Status {
        uint64_t index = static_cast<uint64_t>(row[0].AsInt());
        if (index != expected) {
          note(index > expected ? absl::StrCat("entries ", expected, "..", index - 1,
                                               " are missing (removed entries)")
                                : absl::StrCat("entry index ", index, " is out of order"));
        }
        expected = index + 1;
        const std::string& bytes = row[1].AsText();
        Hash leaf = LeafHash(bytes);
        if (HashToBytes(leaf) != row[2].AsText()) {
          note(absl::StrCat("entry ", index,
                            ": its bytes do not match its stored leaf hash (changed entry)"));
        }
        caregate::v1::AuditEntry entry;
        if (!entry.ParseFromString(bytes)) {
          note(absl::StrCat("entry ", index, ": its bytes are not an AuditEntry"));
        }
        tree.Append(leaf);
        ++result.entries;
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  result.log_root_hex = HashToHex(*tree.Root(tree.size()));
  if (!head_root.ok()) {
    note(std::string(head_root.status().message()));
    return result;
  }
  if (tree.size() < head.tree_size()) {
    note(absl::StrCat("the log holds ", tree.size(), " entries but the signed tree head covers ",
                      head.tree_size(), " (truncated tail, or rolled back to an older state)"));
    return result;
  }
  Hash root = *tree.Root(head.tree_size());
  if (root != *head_root) {
    note(absl::StrCat("the first ", head.tree_size(),
                      " entries do not hash to the signed root: the log is not consistent with "
                      "the saved tree head (changed, removed, reordered or rolled-back entries)"));
    return result;
  }
  if (head.tree_size() > 0 && head.tree_size() < tree.size()) {
    auto proof = tree.ConsistencyProof(head.tree_size(), tree.size());
    absl::Status s = proof.ok() ? VerifyConsistency(head.tree_size(), tree.size(), *head_root,
                                                    *tree.Root(tree.size()), *proof)
                                : proof.status();
    if (!s.ok()) note(std::string(s.message()));
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> CheckAccessReportComplete(
    common::sql::Database& database, const caregate::v1::AccessReport& report,
    absl::string_view nhs_number, absl::Time deadline) {
  std::vector<std::string> problems;
  std::map<uint64_t, std::string> reported;  // index -> bytes it claims
  for (const auto& item : report.entries()) {
    reported[item.entry().index()] =
        item.entry_bytes().empty() ? EntryBytes(item.entry()) : item.entry_bytes();
  }
  auto lease = database.Acquire(deadline);
  if (!lease.ok()) return lease.status();
  std::set<uint64_t> seen;
  absl::Status read = (*lease)->QueryEach(
      "SELECT idx, entry FROM audit_entries WHERE idx < ? ORDER BY idx",
      {common::sql::Value::Int(static_cast<int64_t>(report.tree_head().tree_size()))}, deadline,
      [&](const Row& row) -> absl::Status {
        uint64_t index = static_cast<uint64_t>(row[0].AsInt());
        const std::string& bytes = row[1].AsText();
        caregate::v1::AuditEntry entry;
        bool about = entry.ParseFromString(bytes) && entry.nhs_number() == nhs_number;
        auto it = reported.find(index);
        if (about && it == reported.end()) {
          problems.push_back(
              absl::StrCat("entry ", index, " is about this person but missing from the report"));
        } else if (it != reported.end()) {
          seen.insert(index);
          if (!about) {
            problems.push_back(absl::StrCat("entry ", index,
                                            " in the report is not about this "
                                            "person in the log"));
          } else if (it->second != bytes) {
            problems.push_back(
                absl::StrCat("entry ", index, " in the report differs from the stored entry"));
          }
        }
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  for (const auto& [index, bytes] : reported) {
    if (!seen.count(index)) {
      problems.push_back(absl::StrCat("entry ", index, " in the report is not in the log"));
    }
  }
  return problems;
}

}  // namespace caregate::consent::audit
