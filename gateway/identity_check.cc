#include "gateway/identity_check.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace caregate::gateway {
namespace {

using caregate::v1::Demographics;
using caregate::v1::IdentityCheck;
using caregate::v1::MatchResult;

// Upper-case letters and digits only.
std::string Canonical(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c)) out += absl::ascii_toupper(c);
  }
  return out;
}

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct Name {
  std::string family;
  std::string given;
};

Name NameOf(const Demographics& d) {
  Name n{Canonical(d.family_name()),
         d.given_names().empty() ? "" : Canonical(d.given_names(0))};
  if (n.family.empty() && !d.display_name().empty()) {
    // "SURNAME, Given" or "Given Surname" as a source may display it.
    std::vector<std::string> parts = absl::StrSplit(d.display_name(), absl::ByAnyChar(" ,"),
                                                    absl::SkipEmpty());
    if (!parts.empty()) {
      const bool comma = d.display_name().find(',') != std::string::npos;
      n.family = Canonical(comma ? parts.front() : parts.back());
      if (parts.size() > 1) n.given = Canonical(comma ? parts[1] : parts.front());
    }
  }
  return n;
}

MatchResult CompareNhsNumber(const Demographics& a, const Demographics& b) {
  if (a.nhs_number().empty() || b.nhs_number().empty()) return caregate::v1::MATCH_RESULT_MISSING;
  return a.nhs_number() == b.nhs_number() ? caregate::v1::MATCH_RESULT_MATCH
                                          : caregate::v1::MATCH_RESULT_MISMATCH;
}

MatchResult CompareName(const Demographics& a, const Demographics& b) {
  const Name x = NameOf(a), y = NameOf(b);
  if (x.family.empty() || y.family.empty()) return caregate::v1::MATCH_RESULT_MISSING;
  if (x.family == y.family && x.given == y.given) return caregate::v1::MATCH_RESULT_MATCH;
  const bool family_close = EditDistance(x.family, y.family) <= 2;
  const bool given_close = EditDistance(x.given, y.given) <= 2 ||
                           (!x.given.empty() && !y.given.empty() && x.given[0] == y.given[0]);
  return family_close && given_close ? caregate::v1::MATCH_RESULT_PARTIAL
                                     : caregate::v1::MATCH_RESULT_MISMATCH;
}

MatchResult CompareDateOfBirth(const Demographics& a, const Demographics& b) {
  // Dates only (a date-time's time part is ignored).
  const std::string x = a.date_of_birth().substr(0, 10), y = b.date_of_birth().substr(0, 10);
  if (x.empty() || y.empty()) return caregate::v1::MATCH_RESULT_MISSING;
  if (x == y) return caregate::v1::MATCH_RESULT_MATCH;
  if (x.size() != y.size()) {
    const size_t common = std::min(x.size(), y.size());
    return x.substr(0, common) == y.substr(0, common) ? caregate::v1::MATCH_RESULT_PARTIAL
                                                      : caregate::v1::MATCH_RESULT_MISMATCH;
  }
  if (x.size() == 10 && x.substr(0, 4) == y.substr(0, 4) && x.substr(5, 2) == y.substr(8, 2) &&
      x.substr(8, 2) == y.substr(5, 2)) {
    return caregate::v1::MATCH_RESULT_PARTIAL;  // day and month transposed
  }
  return caregate::v1::MATCH_RESULT_MISMATCH;
}

MatchResult ComparePostcode(const Demographics& a, const Demographics& b) {
  const std::string x = Canonical(a.postcode()), y = Canonical(b.postcode());
  if (x.empty() || y.empty()) return caregate::v1::MATCH_RESULT_MISSING;
  if (x == y) return caregate::v1::MATCH_RESULT_MATCH;
  // The inward code is always the last three characters.
  if (x.size() > 3 && y.size() > 3 && x.substr(0, x.size() - 3) == y.substr(0, y.size() - 3)) {
    return caregate::v1::MATCH_RESULT_PARTIAL;
  }
  return caregate::v1::MATCH_RESULT_MISMATCH;
}

}  // namespace

IdentityCheck CheckIdentity(const Demographics* gp, const Demographics* council) {
  IdentityCheck check;
  const Demographics empty;
  const Demographics& a = gp ? *gp : empty;
  const Demographics& b = council ? *council : empty;
  const std::pair<caregate::v1::IdentityField, MatchResult> fields[] = {
      {caregate::v1::IDENTITY_FIELD_NHS_NUMBER, CompareNhsNumber(a, b)},
      {caregate::v1::IDENTITY_FIELD_NAME, CompareName(a, b)},
      {caregate::v1::IDENTITY_FIELD_DATE_OF_BIRTH, CompareDateOfBirth(a, b)},
      {caregate::v1::IDENTITY_FIELD_POSTCODE, ComparePostcode(a, b)},
  };
  bool mismatch = false, partial = false, missing = false;
  for (const auto& [field, result] : fields) {
    auto* f = check.add_fields();
    f->set_field(field);
    f->set_result(result);
    mismatch |= result == caregate::v1::MATCH_RESULT_MISMATCH;
    partial |= result == caregate::v1::MATCH_RESULT_PARTIAL;
    missing |= result == caregate::v1::MATCH_RESULT_MISSING;
  }
  check.set_overall(mismatch  ? caregate::v1::MATCH_RESULT_MISMATCH
                    : partial ? caregate::v1::MATCH_RESULT_PARTIAL
                    : missing ? caregate::v1::MATCH_RESULT_MISSING
                              : caregate::v1::MATCH_RESULT_MATCH);
  return check;
}

}  // namespace caregate::gateway
