#ifndef CAREGATE_CONSENT_AUTHENTICATOR_H_
#define CAREGATE_CONSENT_AUTHENTICATOR_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "consent/principal.h"

namespace caregate::consent {

// What the transport tells us about a call, for authentication.
struct CallCredentials {
  // The "authorization" metadata value, e.g. "Bearer eyJ...". Empty if absent.
  absl::string_view authorization;
  // The organisation (O=) of the verified client certificate, empty when the
  // caller presented none.
  absl::string_view certificate_organisation;
  // The client certificate's subject, for the audit's client system.
  absl::string_view certificate_subject;
};

// Turns a call's credentials into a Principal (implementation: consent/auth/).
// Fails with UNAUTHENTICATED, reason INVALID_TOKEN, and a message naming the
// rule (e.g. "token: expired", "token: alg none is not accepted"), never the
// token's content. An organisation mismatch between certificate and token is
// PERMISSION_DENIED.
//
// Thread-safety: safe to call from many threads at once.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual absl::StatusOr<Principal> Authenticate(const CallCredentials& call) const = 0;
};

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_AUTHENTICATOR_H_
