// Appends text as the body of a JSON string: quotes, backslashes and control
// characters escaped (bytes >= 0x80 pass through, so UTF-8 stays UTF-8).
#ifndef AGENTD_COMMON_JSON_ESCAPE_H_
#define AGENTD_COMMON_JSON_ESCAPE_H_

#include <string_view>

namespace agentd {

// `Out` is any buffer with push_back(char) and append(const char*, const char*)
// (std::string, fmt's memory buffer).
template <typename Out>
void AppendJsonEscaped(std::string_view text, Out& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"': out.push_back('\\'); out.push_back('"'); break;
      case '\\': out.push_back('\\'); out.push_back('\\'); break;
      case '\n': out.push_back('\\'); out.push_back('n'); break;
      case '\t': out.push_back('\\'); out.push_back('t'); break;
      case '\r': out.push_back('\\'); out.push_back('r'); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          out.append(esc, esc + 6);
        } else {
          out.push_back(c);
        }
    }
  }
}

}  // namespace agentd

#endif  // AGENTD_COMMON_JSON_ESCAPE_H_
