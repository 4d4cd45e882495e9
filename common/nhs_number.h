#ifndef CAREGATE_COMMON_NHS_NUMBER_H_
#define CAREGATE_COMMON_NHS_NUMBER_H_

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace caregate::common {

// True when `digits` is exactly ten ASCII digits whose tenth is the Modulus 11
// check digit of the first nine (weights 10..2; 11 - remainder, where 11 means
// 0 and 10 means the number is invalid).
bool IsValidNhsNumber(absl::string_view digits);

// Parses an NHS number as a person would type it: ten digits, optionally in
// the printed "943 476 5919" grouping, with surrounding spaces ignored.
// Returns the ten digits, or INVALID_ARGUMENT with ErrorInfo reason
// INVALID_NHS_NUMBER and a message naming `field` and the rule broken. The
// message never echoes the input.
absl::StatusOr<std::string> ParseNhsNumber(absl::string_view input,
                                           absl::string_view field = "nhs_number");

}  // namespace caregate::common

#endif  // CAREGATE_COMMON_NHS_NUMBER_H_
