#include "server/observability/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/observability/status_codes.h"
#include "common/json_escape.h"

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
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(STDOUT_FILENO, false, queue_lines));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("--access_log: cannot open ", path, ": ", std::strerror(errno)));
  return std::unique_ptr<AccessLog>(new AccessLog(fd, true, queue_lines));
}

AccessLog::AccessLog(int fd, bool owns_fd, size_t queue_lines)
    : fd_(fd), owns_fd_(owns_fd), queue_lines_(std::max<size_t>(1, queue_lines)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
  if (owns_fd_) ::close(fd_);
}

void AccessLog::Write(const AccessEntry& entry) {
  std::string line = Format(entry);
  absl::MutexLock lock(&mu_);
  if (pending_lines_ >= queue_lines_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  pending_.append(line).push_back('\n');
  ++pending_lines_;
}

void AccessLog::WriterLoop() {
  std::string batch;
  for (bool stop = false; !stop;) {
    size_t lines = 0;
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || pending_lines_ >= std::max<size_t>(1, queue_lines_ / 2);
      };
      mu_.AwaitWithTimeout(absl::Condition(&due), absl::Milliseconds(50));
      batch.swap(pending_);
      lines = pending_lines_;
      pending_lines_ = 0;
      stop = stopping_;
    }
    WriteOut(batch, lines);
    batch.clear();
  }
}

void AccessLog::WriteOut(const std::string& text, size_t lines) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // the file cannot take it (disk full, closed pipe): the rest is lost
      dropped_.fetch_add(lines, std::memory_order_relaxed);
      return;
    }
    done += static_cast<size_t>(n);
  }
}

std::string AccessLog::Format(const AccessEntry& e) {
  // Formatted by hand: absl::FormatTime costs more than the rest of the line.
  const absl::CivilSecond t = absl::ToCivilSecond(e.start, absl::UTCTimeZone());
  const int64_t micros = absl::ToInt64Microseconds(e.start - absl::FromCivil(t, absl::UTCTimeZone()));
  char ts[48];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", static_cast<int>(t.year()), t.month(), t.day(),
                t.hour(), t.minute(), t.second(), static_cast<int>(micros));
  std::string out;
  out.reserve(256);
  out += "{\"ts\":\"";
  out += ts;
  out += "\"";
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
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", absl::ToDoubleMilliseconds(e.duration));
  absl::StrAppend(&out, ",\"duration_ms\":", duration);
  Field(out, "trace_id", e.trace_id);
  out += "}";
  return out;
}


}  // namespace agentd
