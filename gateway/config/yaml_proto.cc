#include "gateway/config/yaml_proto.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/reflection.h"
#include "yaml-cpp/yaml.h"

namespace caregate::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Error(const std::string& path, const YAML::Node& node,
                   absl::string_view rule) {
  std::string where = path.empty() ? "config" : path;
  if (node.Mark().line >= 0) {
    absl::StrAppend(&where, " (line ", node.Mark().line + 1, ")");
  }
  return common::InvalidArgumentWithReason(common::kReasonInvalidConfig,
                                           absl::StrCat(where, ": ", rule));
}

std::string Join(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

absl::Status FillMessage(const YAML::Node& node, Message* message,
                         const std::string& path);

absl::Status ParseDurationInto(const YAML::Node& node, Message* message,
                               const std::string& path) {
  absl::Duration d;
  if (!node.IsScalar() || !absl::ParseDuration(node.Scalar(), &d) ||
      d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return Error(path, node, "must be a duration such as 5s, 250ms or 1m30s");
  }
  auto* duration = static_cast<google::protobuf::Duration*>(message);
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  duration->set_seconds(seconds);
  duration->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return absl::OkStatus();
}

// Sets one scalar (or appends it, for a repeated field).
absl::Status SetScalar(const YAML::Node& node, Message* message,
                       const FieldDescriptor* field, const std::string& path) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  if (!node.IsScalar()) return Error(path, node, "must be a single value");
  const std::string& text = node.Scalar();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? r->AddString(message, field, text)
               : r->SetString(message, field, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) {
        return Error(path, node, "must be true or false");
      }
      repeated ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(path, node, "must be an integer");
      repeated ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(path, node, "must be an integer");
      repeated ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return Error(path, node, "must be a non-negative integer");
      }
      repeated ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return Error(path, node, "must be a non-negative integer");
      }
      repeated ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return Error(path, node, "must be a number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
      } else {
        repeated ? r->AddFloat(message, field, static_cast<float>(v))
                 : r->SetFloat(message, field, static_cast<float>(v));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = field->enum_type()->FindValueByName(text);
      if (value == nullptr) {
        std::string names;
        for (int i = 0; i < field->enum_type()->value_count(); ++i) {
          absl::StrAppend(&names, i ? ", " : "", field->enum_type()->value(i)->name());
        }
        return Error(path, node, absl::StrCat("must be one of ", names));
      }
      repeated ? r->AddEnum(message, field, value) : r->SetEnum(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return Error(path, node, "unsupported field type");
}

absl::Status SetField(const YAML::Node& node, Message* message,
                      const FieldDescriptor* field, const std::string& path) {
  const Reflection* r = message->GetReflection();
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return SetScalar(node, message, field, path);
  }
  Message* child = field->is_repeated() ? r->AddMessage(message, field)
                                        : r->MutableMessage(message, field);
  if (child->GetDescriptor()->full_name() == "google.protobuf.Duration") {
    return ParseDurationInto(node, child, path);
  }
  return FillMessage(node, child, path);
}

absl::Status FillMessage(const YAML::Node& node, Message* message,
                         const std::string& path) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return Error(path, node, "must be a mapping of fields");
  const Descriptor* descriptor = message->GetDescriptor();
  for (const auto& item : node) {
    if (!item.first.IsScalar()) {
      return Error(path, item.first, "field names must be plain text");
    }
    const std::string& key = item.first.Scalar();
    const std::string field_path = Join(path, key);
    const FieldDescriptor* field = descriptor->FindFieldByName(key);
    if (field == nullptr) {
      return Error(field_path, item.first,
                   absl::StrCat("unknown field in ", descriptor->name()));
    }
    if (const auto* oneof = field->containing_oneof()) {
      const FieldDescriptor* set =
          message->GetReflection()->GetOneofFieldDescriptor(*message, oneof);
      if (set != nullptr && set != field) {
        return Error(field_path, item.first,
                     absl::StrCat("only one of the ", oneof->name(),
                                  " choices may be set; ", set->name(),
                                  " is already set"));
      }
    }
    const YAML::Node& value = item.second;
    if (field->is_repeated()) {
      if (value.IsNull()) continue;
      if (!value.IsSequence()) return Error(field_path, value, "must be a list");
      int i = 0;
      for (const auto& element : value) {
        absl::Status s = SetField(element, message, field,
                                  absl::StrCat(field_path, "[", i++, "]"));
        if (!s.ok()) return s;
      }
      continue;
    }
    absl::Status s = SetField(value, message, field, field_path);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status YamlToProto(absl::string_view yaml, Message* message) {
  YAML::Node root;
  try {
    // yaml-cpp reports syntax errors by exception; caught here, at the
    // library boundary, and turned into a status.
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return common::InvalidArgumentWithReason(
        common::kReasonInvalidConfig,
        absl::StrCat("config (line ", e.mark.line + 1, "): not valid YAML: ",
                     e.msg));
  }
  return FillMessage(root, message, "");
}

}  // namespace caregate::gateway
