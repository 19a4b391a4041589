// Moved to common/status_macros.h (shared by server/, db/ and the tools); this name
// stays for code written against it and includes the new one.
#ifndef AGENTD_SERVER_COMMON_STATUS_MACROS_H_
#define AGENTD_SERVER_COMMON_STATUS_MACROS_H_
#include "common/status_macros.h"
#endif  // AGENTD_SERVER_COMMON_STATUS_MACROS_H_
