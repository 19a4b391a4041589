#include "server/definitions/agents_settings.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace agentd {
namespace {

constexpr std::uintmax_t kMaxSettingsBytes = 64 << 10;

absl::Status Invalid(absl::string_view path, int line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", reason));
}

}  // namespace

absl::StatusOr<AgentsSettings> ParseAgentsSettings(absl::string_view text, absl::string_view path) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Invalid(path, e.mark.line + 1, e.msg);
  }
  AgentsSettings settings;
  if (root.IsNull()) return settings;
  if (!root.IsMap()) return Invalid(path, 1, "settings must be a map of key: value");
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) continue;
    const std::string key = entry.first.Scalar();
    std::string* out = key == "review_title" ? &settings.review_title
                       : key == "default_plugin" ? &settings.default_plugin
                                                 : nullptr;
    if (out == nullptr) continue;
    if (!entry.second.IsScalar()) {
      return Invalid(path, entry.first.Mark().line + 1, absl::StrCat("'", key, "' must be a single value"));
    }
    *out = entry.second.Scalar();
  }
  return settings;
}

absl::StatusOr<AgentsSettings> LoadAgentsSettings(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / kAgentsSettingsFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return AgentsSettings();
  if (std::filesystem::file_size(path, ec) > kMaxSettingsBytes || ec) {
    return Invalid(path.string(), 1, "too large or unreadable for a settings file");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in.good() && !in.eof()) return Invalid(path.string(), 1, "cannot read");
  return ParseAgentsSettings(content.str(), path.string());
}

}  // namespace agentd
