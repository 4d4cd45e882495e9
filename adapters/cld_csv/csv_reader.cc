#include "adapters/cld_csv/csv_reader.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace caregate::adapters::cld_csv {

int CsvReader::Get() {
  int c = in_->get();
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() { return in_->peek(); }

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (!started_) {
    started_ = true;
    // Skip a UTF-8 byte order mark.
    if (Peek() == 0xEF) {
      char bom[3];
      in_->read(bom, 3);
      if (in_->gcount() != 3 || static_cast<unsigned char>(bom[1]) != 0xBB ||
          static_cast<unsigned char>(bom[2]) != 0xBF) {
        return absl::InvalidArgumentError("line 1: invalid byte order mark");
      }
    }
  }
  if (Peek() == std::char_traits<char>::eof()) return false;
  record_line_ = line_;
  std::string field;
  size_t total = 0;
  bool quoted = false;     // inside a quoted field
  bool was_quoted = false; // the current field was quoted (and closed)
  while (true) {
    int c = Get();
    if (++total > kMaxRecordBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", record_line_, ": record longer than ", kMaxRecordBytes,
                       " bytes"));
    }
    if (quoted) {
      if (c == std::char_traits<char>::eof()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", record_line_, ": quoted field not closed before the end of the file"));
      }
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          field.push_back('"');
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == ',' ) {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
      continue;
    }
    if (c == '\r' && Peek() == '\n') continue;
    if (c == '\n' || c == std::char_traits<char>::eof()) {
      fields->push_back(std::move(field));
      return true;
    }
    if (was_quoted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_, ": text after the closing quote of a field (RFC 4180)"));
    }
    if (c == '"') {
      if (!field.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_, ": quote inside an unquoted field (RFC 4180)"));
      }
      quoted = true;
      continue;
    }
    field.push_back(static_cast<char>(c));
  }
}

}  // namespace caregate::adapters::cld_csv
