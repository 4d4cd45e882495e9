#ifndef CAREGATE_ADAPTERS_DEMO_DATA_JSON_WRITER_H_
#define CAREGATE_ADAPTERS_DEMO_DATA_JSON_WRITER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace caregate::adapters::demo_data {

// A small JSON value for writing generated documents: objects keep their
// insertion order, so output is byte-for-byte deterministic.
class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  static Json Str(absl::string_view s) {
    Json j;
    j.kind_ = Kind::kString;
    j.text_ = std::string(s);
    return j;
  }
  // A number written exactly as given (e.g. "120", "7.5").
  static Json Num(absl::string_view literal) {
    Json j;
    j.kind_ = Kind::kNumber;
    j.text_ = std::string(literal);
    return j;
  }
  static Json Bool(bool b) {
    Json j;
    j.kind_ = Kind::kBool;
    j.text_ = b ? "true" : "false";
    return j;
  }
  static Json Arr() {
    Json j;
    j.kind_ = Kind::kArray;
    return j;
  }
  static Json Obj() {
    Json j;
    j.kind_ = Kind::kObject;
    return j;
  }

  // Object member (appends; keys are not de-duplicated).
  Json& Set(absl::string_view key, Json value) {
    members_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  Json& Set(absl::string_view key, absl::string_view s) { return Set(key, Str(s)); }
  Json& Set(absl::string_view key, const char* s) { return Set(key, Str(s)); }
  // Array element.
  Json& Add(Json value) {
    members_.emplace_back(std::string(), std::move(value));
    return *this;
  }
  bool empty() const { return members_.empty(); }

  // Two-space indented JSON with a trailing newline at top level.
  std::string Dump() const {
    std::string out;
    Write(&out, 0);
    out.push_back('\n');
    return out;
  }

 private:
  static void Quote(absl::string_view s, std::string* out) {
    out->push_back('"');
    for (char c : s) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char* hex = "0123456789abcdef";
            out->append("\\u00");
            out->push_back(hex[(c >> 4) & 0xf]);
            out->push_back(hex[c & 0xf]);
          } else {
            out->push_back(c);
          }
      }
    }
    out->push_back('"');
  }

  void Write(std::string* out, int indent) const {
    switch (kind_) {
      case Kind::kNull: out->append("null"); return;
      case Kind::kBool:
      case Kind::kNumber: out->append(text_); return;
      case Kind::kString: Quote(text_, out); return;
      case Kind::kArray:
      case Kind::kObject: {
        const bool obj = kind_ == Kind::kObject;
        out->push_back(obj ? '{' : '[');
        if (members_.empty()) {
          out->push_back(obj ? '}' : ']');
          return;
        }
        bool first = true;
        for (const auto& [key, value] : members_) {
          if (!first) out->push_back(',');
          first = false;
          out->push_back('\n');
          out->append(indent + 2, ' ');
          if (obj) {
            Quote(key, out);
            out->append(": ");
          }
          value.Write(out, indent + 2);
        }
        out->push_back('\n');
        out->append(indent, ' ');
        out->push_back(obj ? '}' : ']');
        return;
      }
    }
  }

  Kind kind_ = Kind::kNull;
  std::string text_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace caregate::adapters::demo_data

#endif  // CAREGATE_ADAPTERS_DEMO_DATA_JSON_WRITER_H_
