#include "consent/sensitive/sensitive_filter.h"

#include <algorithm>

namespace caregate::consent::sensitive {
namespace {

namespace v1 = caregate::v1;
namespace cfg = caregate::config::v1;

constexpr char kSnomed[] = "http://snomed.info/sct";

// Removes the elements of `items` for which `drop` is true; returns whether
// any was removed. Keeps the order of the rest.
template <typename T, typename Pred>
bool RemoveIf(google::protobuf::RepeatedPtrField<T>* items, Pred drop) {
  int kept = 0;
  for (int i = 0; i < items->size(); ++i) {
    if (!drop(items->Get(i))) {
      if (kept != i) items->SwapElements(kept, i);
      ++kept;
    }
  }
  const bool removed = kept != items->size();
  while (items->size() > kept) items->RemoveLast();
  return removed;
}

void MarkWithheld(v1::GpSummary* summary, v1::GpSection section) {
  v1::SectionStatus* status = nullptr;
  for (auto& s : *summary->mutable_section_statuses()) {
    if (s.section() == section) status = &s;
  }
  if (status == nullptr) {
    status = summary->add_section_statuses();
    status->set_section(section);
  }
  auto* states = status->mutable_states();
  for (int i = states->size() - 1; i >= 0; --i) {
    if (states->Get(i) == v1::SECTION_STATE_COMPLETE) states->erase(states->begin() + i);
  }
  if (std::find(states->begin(), states->end(), v1::SECTION_STATE_ITEMS_WITHHELD) ==
      states->end()) {
    status->add_states(v1::SECTION_STATE_ITEMS_WITHHELD);
  }
}

}  // namespace

std::vector<cfg::SensitiveCodeSet> DefaultSensitiveCodeSets() {
  std::vector<cfg::SensitiveCodeSet> sets;
  for (auto [name, code] :
       {std::pair<const char*, const char*>{"assisted_fertilisation", "999004371000000100"},
        {"sexually_transmitted_infection", "999004381000000103"},
        {"termination_of_pregnancy", "999004361000000107"},
        {"gender_identity", "999004351000000109"}}) {
    cfg::SensitiveCodeSet set;
    set.set_name(name);
    set.set_system(kSnomed);
    set.add_codes(code);
    sets.push_back(set);
  }
  return sets;
}

absl::StatusOr<std::unique_ptr<SensitiveFilter>> SensitiveFilter::Create(
    const cfg::ConsentConfig& config) {
  std::unique_ptr<SensitiveFilter> f(new SensitiveFilter());
  std::vector<cfg::SensitiveCodeSet> sets(config.sensitive_code_sets().begin(),
                                          config.sensitive_code_sets().end());
  if (sets.empty()) sets = DefaultSensitiveCodeSets();
  for (const auto& set : sets) {
    for (const auto& code : set.codes()) {
      if (set.system().empty()) {
        f->any_system_codes_.insert(code);
      } else {
        f->system_codes_.emplace(set.system(), code);
      }
    }
  }
  return f;
}

bool SensitiveFilter::IsSensitive(const v1::Coding& coding) const {
  if (coding.code().empty()) return false;
  return any_system_codes_.count(coding.code()) > 0 ||
         system_codes_.count({coding.system(), coding.code()}) > 0;
}

bool SensitiveFilter::IsSensitive(const v1::CodeableConcept& cc) const {
  for (const auto& c : cc.codings()) {
    if (IsSensitive(c)) return true;
  }
  return false;
}

bool SensitiveFilter::FilterGpSummary(v1::GpSummary* s) const {
  auto any = [this](const auto& concepts) {
    for (const auto& c : concepts) {
      if (IsSensitive(c)) return true;
    }
    return false;
  };
  bool withheld = false;
  auto section = [&](bool removed, v1::GpSection sec) {
    if (removed) {
      MarkWithheld(s, sec);
      withheld = true;
    }
  };
  auto problem = [&](const v1::Problem& p) {
    return IsSensitive(p.code()) || any(p.related_codes());
  };
  section(RemoveIf(s->mutable_problems(), problem), v1::GP_SECTION_PROBLEMS);
  section(RemoveIf(s->mutable_diagnoses(), problem), v1::GP_SECTION_DIAGNOSES);
  section(RemoveIf(s->mutable_medications(),
                   [&](const v1::Medication& m) {
                     return IsSensitive(m.medication()) || any(m.reasons());
                   }),
          v1::GP_SECTION_MEDICATIONS);
  section(
      RemoveIf(s->mutable_allergies(),
               [&](const v1::Allergy& a) { return IsSensitive(a.code()) || any(a.reactions()); }),
      v1::GP_SECTION_ALLERGIES);
  section(
      RemoveIf(s->mutable_warnings(), [&](const v1::Warning& w) { return IsSensitive(w.code()); }),
      v1::GP_SECTION_WARNINGS);
  section(RemoveIf(s->mutable_procedures(),
                   [&](const v1::Procedure& p) { return IsSensitive(p.code()); }),
          v1::GP_SECTION_PROCEDURES);
  bool results_removed = false;
  for (auto& inv : *s->mutable_investigations()) {
    results_removed |= RemoveIf(inv.mutable_results(), [&](const v1::InvestigationResult& r) {
      return IsSensitive(r.code()) || IsSensitive(r.interpretation());
    });
  }
  section(RemoveIf(s->mutable_investigations(),
                   [&](const v1::Investigation& i) { return IsSensitive(i.code()); }) ||
              results_removed,
          v1::GP_SECTION_INVESTIGATIONS);
  section(RemoveIf(s->mutable_blood_pressure_readings(),
                   [&](const v1::BloodPressureReading& b) { return IsSensitive(b.panel()); }),
          v1::GP_SECTION_BLOOD_PRESSURE);
  section(
      RemoveIf(s->mutable_encounters(),
               [&](const v1::Encounter& e) { return IsSensitive(e.type()) || any(e.topics()); }),
      v1::GP_SECTION_ENCOUNTERS);
  section(RemoveIf(s->mutable_referrals(),
                   [&](const v1::Referral& r) {
                     return IsSensitive(r.specialty()) || any(r.reasons());
                   }),
          v1::GP_SECTION_REFERRALS);
  return withheld;
}

bool SensitiveFilter::FilterSocialCareSummary(v1::SocialCareSummary* summary) const {
  return false;
}

}  // namespace caregate::consent::sensitive
