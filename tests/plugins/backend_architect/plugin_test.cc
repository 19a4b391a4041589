// The built plugin, loaded the way the host loads it (dlopen + the C entry
// symbol): the ABI table, a review through handle(), cancellation and bad
// input.
#include <dlfcn.h>

#include <string>

#include "agentd/plugin.h"
#include "agentd/v1/plugin.pb.h"
#include "gtest/gtest.h"
#include "plugins/backend_architect/engine.h"

namespace agentd::backend_architect {
namespace {

struct Captured {
  std::string bytes;
  std::string error;
  int emits = 0;
};

void Emit(void* ctx, const uint8_t* bytes, size_t len) {
  auto* c = static_cast<Captured*>(ctx);
  c->bytes.assign(reinterpret_cast<const char*>(bytes), len);
  ++c->emits;
}

void Fail(void* ctx, const char* message, size_t len) {
  static_cast<Captured*>(ctx)->error.assign(message, len);
}

int Cancelled(void*) { return 1; }

class PluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = std::string(AGENTD_BUILD_DIR) + "/lib/agentd/plugins/libbackend_architect.so";
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<agentd_plugin_entry_v1_fn>(
        dlsym(handle_, AGENTD_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr) << dlerror();
    table_ = entry();
    ASSERT_NE(table_, nullptr);
    std::string config = v1::AgentConfig().SerializeAsString();
    Captured err;
    agentd_sink sink{&err, &Emit, &Fail};
    ASSERT_EQ(table_->create(reinterpret_cast<const uint8_t*>(config.data()), config.size(),
                             &instance_, &sink),
              AGENTD_OK)
        << err.error;
  }
  void TearDown() override {
    if (table_ != nullptr && instance_ != nullptr) table_->destroy(instance_);
    if (handle_ != nullptr) dlclose(handle_);
  }

  agentd_status Call(const std::string& request, const agentd_cancel_token* cancel,
                     Captured* out) {
    agentd_sink sink{out, &Emit, &Fail};
    return table_->handle(instance_, reinterpret_cast<const uint8_t*>(request.data()),
                          request.size(), cancel, &sink);
  }

  void* handle_ = nullptr;
  const agentd_plugin_v1* table_ = nullptr;
  agentd_instance* instance_ = nullptr;
};

TEST_F(PluginTest, DeclaresItself) {
  EXPECT_EQ(table_->abi_major, static_cast<uint32_t>(AGENTD_PLUGIN_ABI_MAJOR));
  EXPECT_STREQ(table_->name, "backend_architect");
  EXPECT_NE(table_->flags & AGENTD_PLUGIN_THREAD_SAFE, 0u);
  // Only the entry symbol is exported.
  EXPECT_EQ(dlsym(handle_, "_ZN6agentd17backend_architect6ReviewERKNS_2v112AgentRequestE"),
            nullptr);
}

TEST_F(PluginTest, HandleReturnsTheEngineReview) {
  v1::AgentRequest request;
  request.set_text("We need to handle 10,000 orders per minute during flash sales.");
  request.mutable_requirements()->set_peak_rps(10000.0 / 60.0);
  request.mutable_requirements()->set_bursty(true);
  Captured out;
  ASSERT_EQ(Call(request.SerializeAsString(), nullptr, &out), AGENTD_OK) << out.error;
  EXPECT_EQ(out.emits, 1);
  v1::AgentResponse response;
  ASSERT_TRUE(response.ParseFromString(out.bytes));
  EXPECT_EQ(response.SerializeAsString(), Review(request).SerializeAsString());
}

TEST_F(PluginTest, CancelledBeforeStart) {
  agentd_cancel_token cancel{nullptr, &Cancelled};
  Captured out;
  EXPECT_EQ(Call(v1::AgentRequest().SerializeAsString(), &cancel, &out), AGENTD_CANCELLED);
  EXPECT_EQ(out.emits, 0);
  EXPECT_FALSE(out.error.empty());
}

TEST_F(PluginTest, RejectsBytesThatAreNotARequest) {
  Captured out;
  EXPECT_EQ(Call(std::string("\xff\xff\xff", 3), nullptr, &out), AGENTD_INVALID_ARGUMENT);
  EXPECT_EQ(out.emits, 0);
}

}  // namespace
}  // namespace agentd::backend_architect
