#ifndef CAREGATE_ADAPTERS_GPCONNECT_STRUCTURED_RECORD_H_
#define CAREGATE_ADAPTERS_GPCONNECT_STRUCTURED_RECORD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caregate/v1/gp_summary.pb.h"

namespace caregate::adapters::gpconnect {

// The parser and mapper for a GP Connect Access Record: Structured response
// (FHIR STU3 Bundle) -> caregate.v1.GpSummary. The mapping rules (which
// resources feed which section, how section statuses, diagnoses, procedures,
// warnings and admissions are derived) are in docs/gp-summary.md.

// Bytes of padding the parser needs readable after the bundle to parse it in
// place (simdjson reads up to this far past the end; their content does not
// matter). See ParseOptions::readable_padding.
inline constexpr size_t kInputPadding = 64;

struct ParseOptions {
  // Largest bundle accepted, in bytes. Larger input is refused before parsing.
  size_t max_bytes = 16 * 1024 * 1024;
  // Deepest JSON nesting accepted. Real bundles nest about 16 deep.
  size_t max_depth = 64;
  // When true, a primary List item whose reference does not resolve is an
  // INVALID_BUNDLE error. When false (the default, because real providers and
  // the spec's own examples send such references), the item is skipped and the
  // section says so (SECTION_STATE_ITEMS_UNRESOLVED, and a mapping note).
  bool strict_references = false;
  // "Today" for the patient's age. InfinitePast means the real clock.
  absl::Time now = absl::InfinitePast();
  // How many bytes after the end of `json` belong to the caller's buffer and
  // may be read (never written). With at least kInputPadding the bundle is
  // parsed in place; otherwise it is first copied into a padded per-thread
  // buffer. The sources read their bundles with the padding.
  size_t readable_padding = 0;
};

// What the parser saw besides the summary.
struct ParseReport {
  // Bundle.id (GP Connect sets it to the request's Ssp-TraceID).
  std::string bundle_id;
  // Number of Bundle.entry elements.
  int entries = 0;
};

// Parses `json` (a whole Bundle) and maps it. Errors are INVALID_ARGUMENT with
// ErrorInfo reason INVALID_BUNDLE and a message naming the place and the rule,
// e.g. "Bundle.entry[3]: duplicate id for a MedicationStatement (first at
// Bundle.entry[1])". Messages never contain record content or identifiers.
// Refused: not JSON or truncated, nesting deeper than max_depth, over
// max_bytes, not a Bundle, no Patient or more than one, a clinical resource
// without an id or with a duplicate Type/id, and (strict mode) dangling List
// references. Thread-safe (no shared state).
absl::StatusOr<caregate::v1::GpSummary> ParseStructuredRecord(absl::string_view json,
                                                              const ParseOptions& options = {},
                                                              ParseReport* report = nullptr);

// The same, mapping into `out` (cleared first, and cleared again on error so
// nothing partial is kept). A caller that reuses `out` saves most heap
// allocations: protobuf's Clear() keeps sub-messages and string buffers.
absl::Status ParseStructuredRecordInto(absl::string_view json, const ParseOptions& options,
                                       caregate::v1::GpSummary* out, ParseReport* report = nullptr);

// Merges two summaries from the two GP Connect calls: `problems_call` supplies
// problems, diagnoses and encounters (and their section statuses); everything
// else comes from `main_call`.
caregate::v1::GpSummary MergeSummaries(caregate::v1::GpSummary main_call,
                                       const caregate::v1::GpSummary& problems_call);

// The same merge in place: `*main_call` takes the problems, diagnoses and
// encounters of `*problems_call` (moved out of it, so it is left with
// unspecified contents) and their section statuses and mapping notes. Both
// may live on an Arena (the same one saves copying).
void MergeProblemsCallInto(caregate::v1::GpSummary* problems_call,
                           caregate::v1::GpSummary* main_call);

}  // namespace caregate::adapters::gpconnect

#endif  // CAREGATE_ADAPTERS_GPCONNECT_STRUCTURED_RECORD_H_
