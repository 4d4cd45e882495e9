#include "common/nhs_number.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace caregate::common {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return InvalidArgumentWithReason(kReasonInvalidNhsNumber,
                                   absl::StrCat(field, ": ", rule));
}

}  // namespace

bool IsValidNhsNumber(absl::string_view digits) {
  if (digits.size() != 10 || !AllDigits(digits)) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  int check = 11 - (sum % 11);
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == digits[9] - '0';
}

absl::StatusOr<std::string> ParseNhsNumber(absl::string_view input,
                                           absl::string_view field) {
  absl::string_view s = absl::StripAsciiWhitespace(input);
  if (s.empty()) return Invalid(field, "is required");
  std::string digits;
  if (s.size() == 12 && s[3] == ' ' && s[7] == ' ') {
    digits = absl::StrCat(s.substr(0, 3), s.substr(4, 3), s.substr(8, 4));
  } else {
    digits = std::string(s);
  }
  if (!AllDigits(digits)) {
    return Invalid(field, "must contain only digits (optionally grouped 3 3 4)");
  }
  if (digits.size() != 10) return Invalid(field, "must be exactly 10 digits");
  if (!IsValidNhsNumber(digits)) {
    return Invalid(field, "fails the Modulus 11 check digit");
  }
  return digits;
}

}  // namespace caregate::common
