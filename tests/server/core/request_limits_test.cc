#include "server/core/request_limits.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

using ::testing::HasSubstr;

absl::Status WithRequirements(void (*set)(v1::Requirements*)) {
  v1::Requirements r;
  set(&r);
  return ValidateRequirements(r);
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("requirements." + field + ":"));
}

TEST(ValidateRequirementsTest, AcceptsEmptyAndTypical) {
  EXPECT_TRUE(ValidateRequirements({}).ok());
  v1::Requirements r;
  r.set_team_size(40);
  r.set_peak_rps(12000);
  r.set_read_ratio(0.95);
  r.set_availability_slo(99.95);
  r.set_latency_p99_ms(0);
  r.set_cloud(v1::CLOUD_PROVIDER_AWS);
  r.set_bursty(true);
  EXPECT_TRUE(ValidateRequirements(r).ok());
  r.set_read_ratio(1);
  r.set_availability_slo(100);
  EXPECT_TRUE(ValidateRequirements(r).ok());
}

TEST(ValidateRequirementsTest, RejectsNonFiniteNumbers) {
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_peak_rps(std::nan("")); }), "peak_rps");
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_latency_p99_ms(HUGE_VAL); }), "latency_p99_ms");
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_read_ratio(-HUGE_VAL); }), "read_ratio");
}

TEST(ValidateRequirementsTest, RejectsNegativeNumbers) {
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_peak_rps(-1); }), "peak_rps");
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_team_size(-3); }), "team_size");
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_planned_services(-1); }), "planned_services");
}

TEST(ValidateRequirementsTest, RatiosAndPercentsHaveTheirRange) {
  absl::Status s = WithRequirements([](v1::Requirements* r) { r->set_read_ratio(7); });
  ExpectInvalid(s, "read_ratio");
  EXPECT_THAT(std::string(s.message()), HasSubstr("between 0 and 1"));
  ExpectInvalid(WithRequirements([](v1::Requirements* r) { r->set_availability_slo(100.5); }), "availability_slo");
}

TEST(ValidateRequirementsTest, RejectsUnknownEnumValues) {
  v1::Requirements r;
  r.GetReflection()->SetEnumValue(&r, r.GetDescriptor()->FindFieldByName("cloud"), 42);
  absl::Status s = ValidateRequirements(r);
  ExpectInvalid(s, "cloud");
  EXPECT_THAT(std::string(s.message()), HasSubstr("CloudProvider"));
}

// Every field of Requirements is of a kind the checks know; a new field of
// another kind (a message, a list) must get its own check.
TEST(ValidateRequirementsTest, EveryFieldHasACheck) {
  const google::protobuf::Descriptor* d = v1::Requirements::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    EXPECT_FALSE(f->is_repeated() && f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_ENUM)
        << f->name();
    EXPECT_NE(f->cpp_type(), google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) << f->name();
  }
}

TEST(ValidateRequirementsTest, ChecksEveryValueOfAnEnumList) {
  v1::Requirements r;
  r.add_topics(v1::TOPIC_CACHING);
  r.add_downstreams(v1::DEPENDENCY_REDIS);
  EXPECT_TRUE(ValidateRequirements(r).ok());
  r.GetReflection()->AddEnumValue(&r, r.GetDescriptor()->FindFieldByName("topics"), 42);
  absl::Status s = ValidateRequirements(r);
  ExpectInvalid(s, "topics");
  EXPECT_THAT(std::string(s.message()), HasSubstr("Topic"));
  v1::Requirements many;
  for (int i = 0; i < 100; ++i) many.add_topics(v1::TOPIC_CACHING);
  ExpectInvalid(ValidateRequirements(many), "topics");
}

TEST(ValidateTitleTest, CountsCharactersNotBytes) {
  std::string title;
  for (size_t i = 0; i < kMaxTitleChars; ++i) title += "\xc3\xa9";  // 200 x é = 400 bytes
  EXPECT_TRUE(ValidateTitle(title).ok());
  title += "x";
  absl::Status s = ValidateTitle(title);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("title: 201 characters"));
}

TEST(ValidateSessionIdTest, BoundsAndNeverEchoes) {
  EXPECT_TRUE(ValidateSessionId("0f8fad5b-d9cb-469f-a165-70867728950e").ok());
  EXPECT_EQ(ValidateSessionId("").code(), absl::StatusCode::kInvalidArgument);
  std::string huge(10 * 1024, 'A');
  absl::Status s = ValidateSessionId(huge);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("AAAA")));
  EXPECT_LT(s.message().size(), 100u);
  EXPECT_EQ(ValidateSessionId("a b").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateSessionId("a\nb").code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateReviewRequestTest, ChecksEveryCallerField) {
  v1::ReviewRequest ok;
  ok.set_text("q");
  EXPECT_TRUE(ValidateReviewRequest(ok).ok());

  v1::ReviewRequest r = ok;
  r.mutable_requirements()->set_read_ratio(7);
  EXPECT_EQ(ValidateReviewRequest(r).code(), absl::StatusCode::kInvalidArgument);
  r = ok;
  r.set_title(std::string(3 << 20, 't'));
  EXPECT_EQ(ValidateReviewRequest(r).code(), absl::StatusCode::kInvalidArgument);
  r = ok;
  r.set_session_id(std::string(129, 's'));
  EXPECT_EQ(ValidateReviewRequest(r).code(), absl::StatusCode::kInvalidArgument);
  r = ok;
  r.add_agents(std::string(10000, 'a'));
  absl::Status s = ValidateReviewRequest(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("aaaa")));
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
  EXPECT_EQ(Utf8Prefix("h\xc3\xa9llo", 2), "h\xc3\xa9");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
  EXPECT_EQ(Utf8Length("h\xc3\xa9llo"), 5u);
}

}  // namespace
}  // namespace agentd
