#ifndef CAREGATE_ADAPTERS_SOURCE_REQUEST_H_
#define CAREGATE_ADAPTERS_SOURCE_REQUEST_H_

#include <string>

#include "absl/time/time.h"

namespace caregate::adapters {

// The person asking, as a source needs to know them (GP Connect puts them in
// its JWT; a council may log them). Taken from the verified token.
struct Requester {
  std::string user_id;
  std::string user_name;
  // ODS code of the requesting organisation.
  std::string organisation;
  // National RBAC role code, e.g. "R8000".
  std::string rbac_role;
};

// One question to a source about one person.
struct SourceRequest {
  // Ten digits, already validated.
  std::string nhs_number;
  Requester requester;
  // The caller's deadline. A source answers (or gives up with
  // DEADLINE_EXCEEDED) by then; it never waits past it.
  absl::Time deadline = absl::InfiniteFuture();
  // For correlation in operational logs; carries no personal data.
  std::string request_id;
};

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_SOURCE_REQUEST_H_
