#include "server/observability/access_log.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/observability/status_codes.h"
#include "server/common/json_escape.h"
#include "spdlog/async.h"
#include "spdlog/async_logger.h"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace agentd {
namespace {

constexpr const auto& kCodes = kStatusCodeNames;

void Field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out.append(name);
  out += "\":\"";
  AppendJsonEscaped(value, out);
  out.push_back('"');
}

}  // namespace

std::string_view StatusCodeName(int code) {
  return code >= 0 && code < static_cast<int>(kCodes.size()) ? kCodes[code] : "UNKNOWN";
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path, size_t queue_lines) {
  std::unique_ptr<AccessLog> log(new AccessLog());
  spdlog::sink_ptr sink;
  try {
    if (path == "-") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return absl::UnavailableError(absl::StrCat("--access_log: cannot open ", path, ": ", e.what()));
  }
  log->pool_ = std::make_shared<spdlog::details::thread_pool>(queue_lines, 1);
  log->logger_ = std::make_shared<spdlog::async_logger>("access", std::move(sink), log->pool_,
                                                        spdlog::async_overflow_policy::overrun_oldest);
  log->logger_->set_pattern("%v");
  // Flushed line by line, on the writer thread: a reader sees each call soon.
  log->logger_->flush_on(spdlog::level::info);
  return log;
}

AccessLog::~AccessLog() {
  if (logger_ != nullptr) logger_->flush();
}

uint64_t AccessLog::dropped() const { return pool_->overrun_counter(); }

std::string AccessLog::Format(const AccessEntry& e) {
  std::string out = absl::StrCat("{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e.start, absl::UTCTimeZone()),
                                 "\"");
  Field(out, "method", e.method);
  Field(out, "principal", e.principal);
  Field(out, "session", e.session);
  absl::StrAppend(&out, ",\"turn\":", e.turn, ",\"agents\":[");
  for (size_t i = 0; i < e.agents.size(); ++i) {
    out += i == 0 ? "{\"agent\":\"" : ",{\"agent\":\"";
    AppendJsonEscaped(e.agents[i].first, out);
    out += "\",\"status\":\"";
    AppendJsonEscaped(e.agents[i].second, out);
    out += "\"}";
  }
  out += "]";
  Field(out, "code", StatusCodeName(e.code));
  absl::StrAppend(&out, ",\"duration_ms\":", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(e.duration)));
  Field(out, "trace_id", e.trace_id);
  out += "}";
  return out;
}

void AccessLog::Write(const AccessEntry& entry) {
  logger_->info(Format(entry));
}

}  // namespace agentd
