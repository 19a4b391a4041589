// Moved to common/thread_pool.h (shared by server/, db/ and the tools); this name
// stays for code written against it and includes the new one.
#ifndef AGENTD_SERVER_COMMON_THREAD_POOL_H_
#define AGENTD_SERVER_COMMON_THREAD_POOL_H_
#include "common/thread_pool.h"
#endif  // AGENTD_SERVER_COMMON_THREAD_POOL_H_
