#ifndef CAREGATE_CONSENT_AUDIT_SQL_AUDIT_LOG_H_
#define CAREGATE_CONSENT_AUDIT_SQL_AUDIT_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "caregate/config/v1/config.pb.h"
#include "caregate/v1/audit.pb.h"
#include "common/clock.h"
#include "common/sql/database.h"
#include "consent/audit/merkle.h"
#include "consent/audit/tree_head.h"
#include "consent/audit_log.h"

namespace caregate::consent::audit {

// The bytes the log stores and hashes for `entry`: protobuf's deterministic
// serialisation of the AuditEntry with `index` cleared. Verifiers never
// re-serialise; they hash the stored bytes (docs/audit-log.md).
std::string EntryBytes(const caregate::v1::AuditEntry& entry);

// The SQL schema of the audit log, shared by the log and the offline verifier.
absl::Status CreateAuditSchema(common::sql::Connection& connection, absl::Time deadline);

struct SqlAuditLogOptions {
  // Group commit: at most this many entries in one transaction.
  uint32_t max_batch = 256;
  // How long the writer waits for more entries to join a batch that is not
  // full (0: commit as soon as the previous commit has finished).
  absl::Duration max_batch_delay = absl::ZeroDuration();
  // The longest one commit may take before it fails (and its waiters get
  // UNAVAILABLE).
  absl::Duration commit_timeout = absl::Seconds(10);
  // Entry timestamps (when the caller left AuditEntry.time unset) and tree
  // head timestamps. Not owned; never null.
  const common::Clock* clock = common::Clock::Real();
  // PostgreSQL: how long Open waits for another sequencer to let go.
  absl::Duration sequencer_wait = absl::Seconds(10);
};

// The filters of ListAuditEventsRequest, as the log understands them.
struct AuditQuery {
  std::string nhs_number;
  std::string user_id;
  std::string organisation;
  absl::Time from_time = absl::InfinitePast();
  absl::Time to_time = absl::InfiniteFuture();  // exclusive
  caregate::v1::AuditOutcome outcome = caregate::v1::AUDIT_OUTCOME_UNSPECIFIED;
  uint32_t page_size = 100;
  // Index of the first entry to consider (from a page token).
  uint64_t start_index = 0;
};

// The audit log on a SQL store (SQLite or PostgreSQL through common/sql).
//
// Writes: AppendAsync queues the entry; one writer thread takes every queued
// entry (up to max_batch), writes them in ONE transaction with a synchronous
// commit (SQLite WAL synchronous=FULL, PostgreSQL synchronous_commit=on), then
// hands each caller's answer (its index) to the log's answer thread, which
// gives them in commit order while the writer goes on to the next commit
// (group commit).
// An entry whose deadline has passed when the writer comes to it is not
// written; its caller gets UNAVAILABLE. If the transaction fails, it is
// rolled back and every caller in the batch gets UNAVAILABLE with reason
// AUDIT_UNAVAILABLE: an entry is in the log whole or not at all.
//
// Reads: the Merkle tree's leaf hashes live in memory (loaded at Open, 64
// bytes per entry with the cached subtrees), so tree heads and proofs cost
// O(log^2 n) hashes; entries are read from the store.
//
// One process appends to a store at a time (the writer assigns indices). On
// PostgreSQL the log holds a session advisory lock (pg_try_advisory_lock) on a
// connection it keeps for its lifetime, as Trillian's sequencer does; a second
// gateway opening the same log waits up to `sequencer_wait` and then fails
// with FAILED_PRECONDITION. (Forwarding entries to the sequencing gateway is
// not built: other gateways cannot append meanwhile.) On SQLite the file's
// write lock and BEGIN IMMEDIATE serialise writers; run one gateway per file.
//
// Thread-safety: every method is safe to call from many threads.
class SqlAuditLog final : public AuditLog {
 public:
  // Opens (creating the schema if needed) and loads the tree. Fails with
  // DATA_LOSS when the stored indices are not contiguous from 0.
  static absl::StatusOr<std::unique_ptr<SqlAuditLog>> Open(
      std::unique_ptr<common::sql::Database> database, std::unique_ptr<TreeHeadSigner> signer,
      SqlAuditLogOptions options = {});
  // From configuration: opens audit.store and loads (or creates, 0600) the
  // signing key audit.signing_key_file (default "audit-signing-key.pem"), both
  // relative to `data_dir`.
  static absl::StatusOr<std::unique_ptr<SqlAuditLog>> Create(
      const caregate::config::v1::AuditConfig& config, const std::string& data_dir,
      const common::Clock* clock = common::Clock::Real());
  ~SqlAuditLog() override;

  // AuditLog.
  void AppendAsync(caregate::v1::AuditEntry entry, absl::Time deadline,
                   Committed committed) override;

  uint64_t size() const;
  // Transactions committed since Open (each holds one or more entries).
  uint64_t commits() const { return commits_.load(); }
  // A tree head over every committed entry, signed now.
  absl::StatusOr<caregate::v1::SignedTreeHead> SignedTreeHead() const;
  // tree_size 0 means the current size.
  absl::StatusOr<caregate::v1::InclusionProof> InclusionProof(uint64_t leaf_index,
                                                              uint64_t tree_size) const;
  absl::StatusOr<caregate::v1::ConsistencyProof> ConsistencyProof(uint64_t first_tree_size,
                                                                  uint64_t second_tree_size) const;

  // Entries matching `query`, oldest first; `next_start` is set to the index
  // to continue from, or 0 when there is no more.
  absl::StatusOr<std::vector<caregate::v1::AuditEntry>> List(const AuditQuery& query,
                                                             absl::Time deadline,
                                                             uint64_t* next_start) const;
  // Every entry about one person, each with its inclusion proof against one
  // signed tree head (entries committed after that head are left out).
  absl::StatusOr<caregate::v1::AccessReport> AccessReport(absl::string_view nhs_number,
                                                          absl::Time deadline) const;

  // Emergency accesses (entries with emergency_access set and outcome
  // PERMIT) with their review state, awaiting review first, then by index.
  // `state` UNSPECIFIED lists all. `start` is an offset into that order.
  absl::StatusOr<std::vector<caregate::v1::EmergencyAccessRecord>> EmergencyAccesses(
      caregate::v1::ReviewState state, uint32_t page_size, uint64_t start, absl::Time deadline,
      uint64_t* next_start) const;
  // The emergency accesses (as above: emergency_access set, outcome PERMIT)
  // logged at or after `since`, oldest first. After a restart the gateway
  // gives them to the consent module, so that a token that broke the glass
  // stays used and each user's emergency allowance stays taken.
  absl::StatusOr<std::vector<caregate::v1::AuditEntry>> EmergencyAccessesSince(
      absl::Time since, absl::Time deadline) const;
  // Records a review as a new audit entry and returns the access's new
  // state. NOT_FOUND when `access_index` is not an emergency access;
  // PERMISSION_DENIED (SELF_REVIEW_NOT_PERMITTED) when the reviewer made the
  // access; FAILED_PRECONDITION when it is already closed; INVALID_ARGUMENT
  // for a bad outcome or note.
  absl::StatusOr<caregate::v1::EmergencyAccessRecord> ReviewEmergencyAccess(
      uint64_t access_index, caregate::v1::ReviewState outcome, absl::string_view note,
      const caregate::v1::AuditActor& reviewer, absl::Time deadline);

  common::sql::Database& database() { return *database_; }
  const TreeHeadSigner& signer() const { return *signer_; }

 private:
  struct Pending;

  SqlAuditLog(std::unique_ptr<common::sql::Database> database,
              std::unique_ptr<TreeHeadSigner> signer, SqlAuditLogOptions options);
  absl::Status Load(absl::Time deadline);
  void WriterLoop();
  // Gives the answers of decided appends, in order, on the answer thread, so
  // that the writer goes straight on to the next commit.
  using Answer = std::pair<Committed, absl::StatusOr<uint64_t>>;
  void GiveAnswers(std::vector<Answer> answers);
  void AnswerLoop();
  absl::Status WriteBatch(const std::vector<std::unique_ptr<Pending>>& batch,
                          uint64_t first_index);
  // After a failed commit, adopts any rows the store did commit after all.
  void Resync();
  absl::StatusOr<caregate::v1::AuditEntry> ReadEntry(uint64_t index, absl::Time deadline) const;
  absl::StatusOr<caregate::v1::EmergencyAccessRecord> RecordFor(
      const caregate::v1::AuditEntry& access, absl::Time deadline) const;

  std::unique_ptr<common::sql::Database> database_;
  // PostgreSQL: the connection holding the sequencer's advisory lock
  // (declared after database_, so it is returned before the pool goes).
  std::optional<common::sql::Lease> sequencer_lease_;
  std::unique_ptr<TreeHeadSigner> signer_;
  const SqlAuditLogOptions options_;

  // Queue of appends and the writer's state.
  mutable absl::Mutex queue_mu_;
  absl::CondVar work_cv_;
  std::deque<std::unique_ptr<Pending>> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  // The committed tree. Written only by the writer thread.
  mutable absl::Mutex tree_mu_;
  MerkleTree tree_ ABSL_GUARDED_BY(tree_mu_);

  // Serialises reviews so two reviewers cannot both act on one state.
  absl::Mutex review_mu_;

  std::atomic<uint64_t> commits_{0};
  std::thread writer_;

  // Answers waiting for the answer thread.
  absl::Mutex answers_mu_;
  absl::CondVar answers_cv_;
  std::vector<Answer> answers_ ABSL_GUARDED_BY(answers_mu_);
  bool answers_closed_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
};

}  // namespace caregate::consent::audit

#endif  // CAREGATE_CONSENT_AUDIT_SQL_AUDIT_LOG_H_
