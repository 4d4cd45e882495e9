#ifndef CAREGATE_GATEWAY_CALL_CREDENTIALS_H_
#define CAREGATE_GATEWAY_CALL_CREDENTIALS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "consent/authenticator.h"
#include "grpcpp/server_context.h"

namespace caregate::gateway {

// A call's credentials copied out of its gRPC context: the authorization
// metadata and, under mutual TLS, the verified client certificate's subject
// and organisation. Owns its strings; view() lends them to the Authenticator.
struct ReceivedCredentials {
  std::string authorization;
  std::string certificate_subject;
  std::string certificate_organisation;

  consent::CallCredentials view() const {
    return {authorization, certificate_organisation, certificate_subject};
  }
};

ReceivedCredentials CredentialsOf(const grpc::CallbackServerContext& context);

// The O= value of an RFC 2253 subject ("O=A99001,CN=client"); "" if none.
std::string SubjectOrganisation(absl::string_view subject);

}  // namespace caregate::gateway

#endif  // CAREGATE_GATEWAY_CALL_CREDENTIALS_H_
