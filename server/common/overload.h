// Moved to common/overload.h (shared by server/, db/ and the tools); this name
// stays for code written against it and includes the new one.
#ifndef AGENTD_SERVER_COMMON_OVERLOAD_H_
#define AGENTD_SERVER_COMMON_OVERLOAD_H_
#include "common/overload.h"
#endif  // AGENTD_SERVER_COMMON_OVERLOAD_H_
