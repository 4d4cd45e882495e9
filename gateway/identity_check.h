#ifndef CAREGATE_GATEWAY_IDENTITY_CHECK_H_
#define CAREGATE_GATEWAY_IDENTITY_CHECK_H_

#include "caregate/v1/common.pb.h"
#include "caregate/v1/records.pb.h"

namespace caregate::gateway {

// Compares the GP's and the council's demographics for one person, field by
// field, as GP Connect asks consumers to ("compare the returned Patient with
// local demographics and alert the user on any mismatch"):
//
//   NHS number     equal digits → MATCH, else MISMATCH
//   name           family and first given name equal (ignoring case, spaces
//                  and punctuation) → MATCH; each within two edits, or the
//                  given name matching only by initial → PARTIAL; else MISMATCH
//   date of birth  equal → MATCH; day and month swapped, or equal at the
//                  coarser precision when one is partial → PARTIAL; else
//                  MISMATCH
//   postcode       equal ignoring case and spaces → MATCH; same outward code
//                  (district) → PARTIAL; else MISMATCH
//
// A field either source left empty is MISSING. The overall result is MISMATCH
// if any field mismatches, else PARTIAL if any is partial, else MISSING if any
// is missing, else MATCH. Pass nullptr for a source that did not answer.
caregate::v1::IdentityCheck CheckIdentity(const caregate::v1::Demographics* gp,
                                          const caregate::v1::Demographics* council);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_IDENTITY_CHECK_H_
