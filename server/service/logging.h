// Process-wide logging: readable text on a terminal, or one JSON object a
// line ({"ts","level","msg"}) for log collectors.
#ifndef AGENTD_SERVER_SERVICE_LOGGING_H_
#define AGENTD_SERVER_SERVICE_LOGGING_H_

#include <string>

namespace agentd {

// `format` is "text" or "json"; anything else means text. Logs go to stderr.
void ConfigureLogging(const std::string& format);

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_LOGGING_H_
