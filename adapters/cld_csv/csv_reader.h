#ifndef CAREGATE_ADAPTERS_CLD_CSV_CSV_READER_H_
#define CAREGATE_ADAPTERS_CLD_CSV_CSV_READER_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace caregate::adapters::cld_csv {

// A streaming RFC 4180 reader: comma-separated fields, double-quoted fields
// may hold commas, CR/LF line breaks and doubled quotes (""). Records end at
// LF or CRLF. A UTF-8 byte order mark at the start is skipped. Memory use is
// bounded by the longest record; the whole file is never held.
class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}

  // Reads the next record into `fields`. Returns false at the end of input.
  // Fails (INVALID_ARGUMENT, naming the line and the rule) on a quote in the
  // middle of an unquoted field, text after a closing quote, an unterminated
  // quoted field, or a record longer than `max_record_bytes`.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields);

  // The 1-based line on which the last record returned by Next() started.
  int64_t record_line() const { return record_line_; }

  static constexpr size_t kMaxRecordBytes = 1 << 20;

 private:
  int Get();
  int Peek();

  std::istream* in_;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
  bool started_ = false;
};

}  // namespace caregate::adapters::cld_csv

#endif  // CAREGATE_ADAPTERS_CLD_CSV_CSV_READER_H_
