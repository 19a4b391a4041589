// The libcurl functions the model client calls, forwarded to libcurl.so.4
// opened on first use (common/on_demand_library.h): a server that asks no
// model never loads libcurl and the libraries it needs.
#define CURL_DISABLE_TYPECHECK  // curl_easy_setopt/getinfo are defined here, not wrapped
#include <curl/curl.h>

#include "plugins/llm/curl_on_demand.h"

#include <cstdarg>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/on_demand_library.h"

namespace {

agentd::OnDemandLibrary libcurl("libcurl.so.4", "libcurl4");

using SetOpt = CURLcode (*)(CURL*, CURLoption, ...);
using GetInfo = CURLcode (*)(CURL*, CURLINFO, ...);

}  // namespace

AGENTD_ON_DEMAND(libcurl, CURLcode, curl_global_init, (long flags), (flags))
AGENTD_ON_DEMAND(libcurl, CURL*, curl_easy_init, (void), ())
AGENTD_ON_DEMAND(libcurl, void, curl_easy_reset, (CURL * curl), (curl))
AGENTD_ON_DEMAND(libcurl, void, curl_easy_cleanup, (CURL * curl), (curl))
AGENTD_ON_DEMAND(libcurl, CURLcode, curl_easy_perform, (CURL * curl), (curl))
AGENTD_ON_DEMAND(libcurl, const char*, curl_easy_strerror, (CURLcode code), (code))
AGENTD_ON_DEMAND(libcurl, curl_slist*, curl_slist_append, (curl_slist * list, const char* data), (list, data))
AGENTD_ON_DEMAND(libcurl, void, curl_slist_free_all, (curl_slist * list), (list))

// The option's number says the type of its one argument (curl.h,
// CURLOPTTYPE_*): a long, a pointer (object, string, list, callback or
// blob) or a curl_off_t.
extern "C" CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  static const auto real = reinterpret_cast<SetOpt>(libcurl.Symbol("curl_easy_setopt"));
  va_list args;
  va_start(args, option);
  CURLcode code;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    code = real(curl, option, va_arg(args, long));
  } else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
    code = real(curl, option, va_arg(args, curl_off_t));
  } else {
    code = real(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return code;
}

// Every CURLINFO_* takes one pointer, where the answer is written.
extern "C" CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  static const auto real = reinterpret_cast<GetInfo>(libcurl.Symbol("curl_easy_getinfo"));
  va_list args;
  va_start(args, info);
  CURLcode code = real(curl, info, va_arg(args, void*));
  va_end(args);
  return code;
}

namespace agentd::llm {

absl::Status LoadCurl() {
  std::string missing;
  if (!libcurl.Load(&missing)) {
    return absl::FailedPreconditionError(absl::StrCat("the model client needs libcurl: ", missing));
  }
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return absl::OkStatus();
}

}  // namespace agentd::llm
