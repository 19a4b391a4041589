#include "server/service/client_errors.h"

#include <string>

#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(ClientMessageTest, ReplacesAbsoluteAndRelativePaths) {
  EXPECT_EQ(ClientMessage("session store /tmp/agentd-x/agentd.db: open: unable to open database file"),
            "session store <path>: open: unable to open database file");
  EXPECT_EQ(ClientMessage("session store ./var/agentd.db: disk I/O error (disk I/O error)"),
            "session store <path>: disk I/O error (disk I/O error)");
  EXPECT_EQ(ClientMessage("plugin '/usr/lib/agentd/plugins/x.so' failed"), "plugin '<path>' failed");
  EXPECT_EQ(ClientMessage("cannot read (../agents/a.md)"), "cannot read (<path>)");
}

TEST(ClientMessageTest, KeepsOrdinaryText) {
  const std::string plain = "requirements.read_ratio: must be between 0 and 1, got 7; I/O and 10 req/s";
  EXPECT_EQ(ClientMessage(plain), plain);
  EXPECT_EQ(ClientMessage("see http://example.com/x"), "see http://example.com/x");
}

TEST(ClientMessageTest, BoundsTheSize) {
  std::string huge = "agents: " + std::string(100000, 'x');
  std::string out = ClientMessage(huge);
  EXPECT_LE(out.size(), kMaxClientMessageBytes + 3);
  EXPECT_EQ(out.substr(out.size() - 3), "...");
}

TEST(ClientMessageTest, NeverCutsInsideACharacter) {
  std::string huge(kMaxClientMessageBytes - 1, 'a');
  for (int i = 0; i < 10; ++i) huge += "\xc3\xa9";  // é
  std::string out = ClientMessage(huge);
  ASSERT_EQ(out.substr(out.size() - 3), "...");
  std::string kept = out.substr(0, out.size() - 3);
  EXPECT_EQ(kept, std::string(kMaxClientMessageBytes - 1, 'a'));
}

TEST(ToGrpcStatusTest, KeepsTheCodeAndScrubsTheMessage) {
  grpc::Status s = ToGrpcStatus(absl::UnavailableError("session store /srv/db/agentd.db: busy"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "session store <path>: busy");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace agentd
