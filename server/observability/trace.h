// W3C Trace Context (https://www.w3.org/TR/trace-context/): the
// `traceparent` a caller sends is honoured, a new trace starts otherwise.
// The call gets a span of its own, whose traceparent is what agentd passes
// on to whatever this call calls.
#ifndef AGENTD_SERVER_OBSERVABILITY_TRACE_H_
#define AGENTD_SERVER_OBSERVABILITY_TRACE_H_

#include <string>
#include <string_view>

namespace agentd {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, never all zero
  std::string span_id;   // this call's span: 16 lowercase hex digits
  bool sampled = false;  // the caller's sampled flag, passed on

  // "00-<trace_id>-<span_id>-<flags>", for whoever this call calls.
  std::string traceparent() const;
};

// The caller's trace with a new span, when `header` is a valid version-00
// traceparent (or a later version's first four fields); otherwise a new trace.
TraceContext TraceFromHeader(std::string_view header);

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_TRACE_H_
