#include "server/observability/trace.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"

namespace agentd {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// `digits` random lowercase hex digits, not all zero.
std::string RandomHex(int digits) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string out(digits, '0');
  for (;;) {
    bool zero = true;
    for (int i = 0; i < digits; i += 16) {
      uint64_t bits = random();
      for (int j = i; j < std::min(digits, i + 16); ++j, bits >>= 4) {
        out[j] = kHex[bits & 0xf];
        zero = zero && out[j] == '0';
      }
    }
    if (!zero) return out;
  }
}

bool HexDigits(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Trace and span ids: lowercase hex, not all zero.
bool ValidId(std::string_view s) { return HexDigits(s) && s.find_first_not_of('0') != std::string_view::npos; }

}  // namespace

std::string TraceContext::traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, sampled ? "-01" : "-00");
}

TraceContext TraceFromHeader(std::string_view header) {
  TraceContext trace;
  trace.span_id = RandomHex(16);
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55
  // characters; a later version may add fields after another "-".
  if (header.size() >= 55 && header[2] == '-' && header[35] == '-' && header[52] == '-') {
    std::string_view version = header.substr(0, 2), trace_id = header.substr(3, 32);
    std::string_view parent_id = header.substr(36, 16), flags = header.substr(53, 2);
    bool length_ok = version == "00" ? header.size() == 55 : (header.size() == 55 || header[55] == '-');
    if (HexDigits(version) && version != "ff" && length_ok && ValidId(trace_id) && ValidId(parent_id) &&
        HexDigits(flags)) {
      trace.trace_id = std::string(trace_id);
      trace.sampled = (std::string_view(kHex).find(flags[1]) & 1) != 0;
      return trace;
    }
  }
  trace.trace_id = RandomHex(32);
  return trace;
}

}  // namespace agentd
