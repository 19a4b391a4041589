/* agentd plugin ABI, version 1.
 *
 * A plugin is a shared library that hosts one kind of agent. It exports
 * exactly one symbol, agentd_plugin_entry_v1, which returns a static table of
 * functions. Everything else crosses this boundary as plain C: opaque
 * handles, pointer + length byte strings, and integer status codes. Requests
 * and responses are serialized protobuf messages (agentd.v1.AgentConfig,
 * agentd.v1.AgentRequest, agentd.v1.AgentResponse in plugin.proto): the same
 * bytes a remote plugin receives over gRPC, and stable across compilers.
 *
 * Ownership: every pointer the host passes is owned by the host and valid
 * only for the duration of the call; a plugin that needs the bytes later
 * copies them. Bytes a plugin hands to a sink are copied by the host before
 * the sink returns. No C++ types, exceptions or heap ownership cross.
 *
 * Versioning (as Triton's backend API): adding an optional field at the end
 * of agentd_plugin_v1 bumps AGENTD_PLUGIN_ABI_MINOR; changing or removing
 * anything bumps AGENTD_PLUGIN_ABI_MAJOR, and the host refuses a major it
 * does not know. A host reads only the fields that exist in the minor the
 * plugin declares.
 */
#ifndef AGENTD_PLUGIN_H_
#define AGENTD_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AGENTD_PLUGIN_ABI_MAJOR 1
#define AGENTD_PLUGIN_ABI_MINOR 1

#if defined(__GNUC__)
#define AGENTD_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define AGENTD_PLUGIN_EXPORT
#endif

/* Status codes: the numbers are gRPC's canonical codes. */
typedef int32_t agentd_status;
#define AGENTD_OK 0
#define AGENTD_CANCELLED 1
#define AGENTD_UNKNOWN 2
#define AGENTD_INVALID_ARGUMENT 3
#define AGENTD_DEADLINE_EXCEEDED 4
#define AGENTD_RESOURCE_EXHAUSTED 8
#define AGENTD_FAILED_PRECONDITION 9
#define AGENTD_UNIMPLEMENTED 12
#define AGENTD_INTERNAL 13
#define AGENTD_UNAVAILABLE 14

/* One agent served by the plugin; created and destroyed by the plugin. */
typedef struct agentd_instance agentd_instance;

/* Where a plugin writes its answer. Set up by the host for one call.
 * emit: the serialized AgentResponse (at most once per handle call).
 * fail: a human-readable reason for a non-OK return (optional). */
typedef struct agentd_sink {
  void* ctx;
  void (*emit)(void* ctx, const uint8_t* bytes, size_t len);
  void (*fail)(void* ctx, const char* message, size_t len);
} agentd_sink;

/* Lets a long-running handle call stop early: is_cancelled returns nonzero
 * once the caller cancelled or the deadline passed. Cheap; poll it freely. */
typedef struct agentd_cancel_token {
  void* ctx;
  int (*is_cancelled)(void* ctx);
} agentd_cancel_token;

/* Since ABI 1.1: where a plugin reports progress while it works, e.g. the
 * tokens of a model's answer as they arrive. The host copies the text before
 * the call returns; progress may be reported any number of times, from the
 * thread running handle, until handle returns. */
typedef struct agentd_progress {
  void* ctx;
  void (*report)(void* ctx, const char* text, size_t len);
} agentd_progress;

/* Flags in agentd_plugin_v1.flags. */
#define AGENTD_PLUGIN_THREAD_SAFE 0x1u /* handle() may run concurrently on one instance */

typedef struct agentd_plugin_v1 {
  uint32_t abi_major; /* AGENTD_PLUGIN_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;
  const char* name;   /* plugin name, e.g. "backend_architect"; static */
  uint32_t flags;

  /* Creates an instance from a serialized agentd.v1.AgentConfig. On error
   * returns non-OK, leaves *out NULL and explains through err->fail. */
  agentd_status (*create)(const uint8_t* config, size_t config_len,
                          agentd_instance** out, const agentd_sink* err);

  /* Answers one serialized agentd.v1.AgentRequest through sink->emit.
   * Thread-safe when AGENTD_PLUGIN_THREAD_SAFE is set. */
  agentd_status (*handle)(agentd_instance* instance, const uint8_t* request,
                          size_t request_len, const agentd_cancel_token* cancel,
                          const agentd_sink* sink);

  /* Frees the instance. No handle call on it is running. */
  void (*destroy)(agentd_instance* instance);

  /* ABI 1.1, optional (NULL when the plugin reports no progress): handle()
   * with a progress channel. A host that knows 1.1 calls it instead of
   * handle() when it is set; an older host never reads it. */
  agentd_status (*handle_with_progress)(agentd_instance* instance, const uint8_t* request,
                                        size_t request_len, const agentd_cancel_token* cancel,
                                        const agentd_sink* sink, const agentd_progress* progress);
} agentd_plugin_v1;

/* The entry symbol. Returns a pointer to a static table; never NULL. */
typedef const agentd_plugin_v1* (*agentd_plugin_entry_v1_fn)(void);
#define AGENTD_PLUGIN_ENTRY_SYMBOL "agentd_plugin_entry_v1"
AGENTD_PLUGIN_EXPORT const agentd_plugin_v1* agentd_plugin_entry_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AGENTD_PLUGIN_H_ */
