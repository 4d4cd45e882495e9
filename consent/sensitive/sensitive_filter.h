#ifndef CAREGATE_CONSENT_SENSITIVE_SENSITIVE_FILTER_H_
#define CAREGATE_CONSENT_SENSITIVE_SENSITIVE_FILTER_H_

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "caregate/config/v1/config.pb.h"
#include "caregate/v1/gp_summary.pb.h"
#include "caregate/v1/social_care.pb.h"

namespace caregate::consent::sensitive {

// The four RCGP sensitive sets (GP summary data sharing exclusions, SNOMED CT
// refsets; reference consent_audit.md section 5.1): assisted fertilisation
// 999004371000000100, sexually transmitted infection 999004381000000103,
// termination of pregnancy 999004361000000107, gender identity
// 999004351000000109. caregate ships the refset identifiers only (the
// reference gives no member lists): a deployment lists the member concepts it
// receives in consent.sensitive_code_sets, which then replace these defaults.
std::vector<caregate::config::v1::SensitiveCodeSet> DefaultSensitiveCodeSets();

// Drops sensitive items from summaries before release (DESIGN.md rule 5).
//
// An item is sensitive when any coding anywhere in it — its own code and
// every related code: a problem's code and related codes, a medication's code
// and reasons, an allergy's code and reactions, a referral's specialty and
// reasons, an encounter's type and topics, an investigation's code, its
// results' codes and interpretations, a warning's, procedure's or blood
// pressure panel's code — matches a code of a configured set (same code and,
// when the set names a system, the same system). A sensitive investigation
// result drops only that result; every other sensitive item is dropped whole.
// Items the source marked confidential never reach caregate's summary (the
// adapter leaves them out and sets SECTION_STATE_ITEMS_WITHHELD).
//
// The caller learns only whether anything was withheld; each affected section
// gets SECTION_STATE_ITEMS_WITHHELD (replacing COMPLETE), with no count and no
// category. Thread-safe (immutable after Create).
class SensitiveFilter {
 public:
  // Empty consent.sensitive_code_sets means DefaultSensitiveCodeSets().
  static absl::StatusOr<std::unique_ptr<SensitiveFilter>> Create(
      const caregate::config::v1::ConsentConfig& config);

  bool IsSensitive(const caregate::v1::Coding& coding) const;
  bool IsSensitive(const caregate::v1::CodeableConcept& cc) const;

  // Returns true when anything was withheld.
  bool FilterGpSummary(caregate::v1::GpSummary* summary) const;
  // The social care summary carries no coded clinical items today, so nothing
  // applies and this returns false; it is the place for safeguarding and refuge
  // address rules when the council source exposes them.
  bool FilterSocialCareSummary(caregate::v1::SocialCareSummary* summary) const;

 private:
  SensitiveFilter() = default;
  std::set<std::pair<std::string, std::string>> system_codes_;  // (system, code)
  std::set<std::string> any_system_codes_;
};

}  // namespace caregate::consent::sensitive

#endif  // CAREGATE_CONSENT_SENSITIVE_SENSITIVE_FILTER_H_
