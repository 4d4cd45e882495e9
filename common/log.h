#ifndef CAREGATE_COMMON_LOG_H_
#define CAREGATE_COMMON_LOG_H_

#include "absl/strings/string_view.h"
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace caregate::common {

// Structured operational logs: one line per event on stderr, as JSON (the
// default) or as text. Callers pass an event name and fields. Fields must
// never hold personal data: no NHS numbers, names, addresses or record
// content — log request ids, counts, codes and statuses instead.

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kJson, kText };

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);

using LogField = std::pair<absl::string_view, absl::string_view>;

void Log(LogLevel level, absl::string_view event,
         std::initializer_list<LogField> fields = {});

inline void LogInfo(absl::string_view event,
                    std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarning(absl::string_view event,
                       std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, event, fields);
}
inline void LogError(absl::string_view event,
                     std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, event, fields);
}

// JSON string escaping (without the quotes); control characters become \uXXXX.
std::string JsonEscape(absl::string_view s);

}  // namespace caregate::common

#endif  // CAREGATE_COMMON_LOG_H_
