#include "gateway/call_credentials.h"

#include <grpc/grpc_security_constants.h>

#include "absl/strings/ascii.h"

namespace caregate::gateway {

std::string SubjectOrganisation(absl::string_view subject) {
  // Split on unescaped commas; values may escape commas as "\,".
  std::string component;
  auto organisation_of = [](const std::string& c) -> std::string {
    absl::string_view s = absl::StripAsciiWhitespace(c);
    return s.substr(0, 2) == "O=" ? std::string(s.substr(2)) : std::string();
  };
  for (size_t i = 0; i <= subject.size(); ++i) {
    if (i == subject.size() || subject[i] == ',') {
      std::string o = organisation_of(component);
      if (!o.empty()) return o;
      component.clear();
    } else if (subject[i] == '\\' && i + 1 < subject.size()) {
      component += subject[++i];
    } else {
      component += subject[i];
    }
  }
  return "";
}

ReceivedCredentials CredentialsOf(const grpc::CallbackServerContext& context) {
  ReceivedCredentials out;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    out.authorization.assign(it->second.data(), it->second.size());
  }
  auto auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    auto subjects = auth->FindPropertyValues(GRPC_X509_SUBJECT_PROPERTY_NAME);
    if (!subjects.empty()) {
      out.certificate_subject.assign(subjects.front().data(), subjects.front().size());
      out.certificate_organisation = SubjectOrganisation(out.certificate_subject);
    }
  }
  return out;
}

}  // namespace caregate::gateway
