// OnDemandLibrary: a shared library opened the first time one of its
// functions is called, not when the process starts.
//
// libpq and libcurl each pull in a dozen more libraries (GnuTLS, Kerberos,
// LDAP, SASL, ...) that the dynamic loader maps and relocates at every start,
// about 13 ms of agentd's startup, while most servers use neither (SQLite, no
// model). The project calls them through forwarding functions of the same
// names (db/libpq_on_demand.cc, plugins/llm/curl_on_demand.cc) that look the
// real ones up here, and does not link the libraries themselves.
//
// A library that cannot be opened is a missing package. Callers ask Load()
// before the first call, so a missing package becomes an error of the feature
// that needs it (a model call, a PostgreSQL store), not the end of the
// process. A forwarder called without a loaded library, or a function missing
// from it (a package too old), still exits with a message naming the package.
//
// Thread-safe; a library stays open for the life of the process.
#ifndef AGENTD_COMMON_ON_DEMAND_LIBRARY_H_
#define AGENTD_COMMON_ON_DEMAND_LIBRARY_H_

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace agentd {

class OnDemandLibrary {
 public:
  // `soname`: e.g. "libpq.so.5"; `package`: the Debian package that ships it.
  constexpr OnDemandLibrary(const char* soname, const char* package) : soname_(soname), package_(package) {}

  // Opens the library once. Returns true when it is loaded; otherwise
  // `*missing` (when given) says which package to install, in words fit for
  // a client: the soname and the package, never a path.
  bool Load(std::string* missing = nullptr) {
    std::call_once(opened_, [this] { handle_ = dlopen(soname_, RTLD_NOW | RTLD_LOCAL); });
    if (handle_ == nullptr && missing != nullptr) {
      *missing = std::string(soname_) + " cannot be loaded; install the " + package_ + " package";
    }
    return handle_ != nullptr;
  }

  // The address of the library's function `name`, opening the library on
  // first use. Exits the process when the library or the name is missing.
  void* Symbol(const char* name) {
    if (!Load()) Die("cannot be loaded");
    void* symbol = dlsym(handle_, name);
    if (symbol == nullptr) Die(name);
    return symbol;
  }

 private:
  [[noreturn]] void Die(const char* what) {
    const char* error = dlerror();
    std::fprintf(stderr, "agentd: %s: %s (%s; install the %s package)\n", soname_, what,
                 error != nullptr ? error : "no detail", package_);
    std::abort();
  }

  const char* soname_;
  const char* package_;
  std::once_flag opened_;
  void* handle_ = nullptr;
};

}  // namespace agentd

// Defines the C function `name` (declared by the library's header) as a
// forwarder to the real one in `library`, looked up once.
#define AGENTD_ON_DEMAND(library, ret, name, params, args)                                   \
  extern "C" ret name params {                                                               \
    static auto* const real = reinterpret_cast<decltype(&::name)>((library).Symbol(#name)); \
    return real args;                                                                         \
  }

#endif  // AGENTD_COMMON_ON_DEMAND_LIBRARY_H_
