// Moved to common/json_escape.h (shared by server/, db/ and the tools); this name
// stays for code written against it and includes the new one.
#ifndef AGENTD_SERVER_COMMON_JSON_ESCAPE_H_
#define AGENTD_SERVER_COMMON_JSON_ESCAPE_H_
#include "common/json_escape.h"
#endif  // AGENTD_SERVER_COMMON_JSON_ESCAPE_H_
