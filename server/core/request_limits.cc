#include "server/core/request_limits.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace agentd {
namespace {

using google::protobuf::FieldDescriptor;

absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

// A number's allowed range, inclusive.
struct Range {
  double min;
  double max;
};

// Numbers whose range is narrower than the default (finite, >= 0). A new
// Requirements field needs a line here only when it is a ratio, a percent
// or otherwise capped.
Range RangeOf(std::string_view field) {
  if (field == "read_ratio") return {0, 1};
  if (field == "availability_slo") return {0, 100};
  return {0, HUGE_VAL};
}

std::string Describe(const Range& range) {
  if (range.max == HUGE_VAL) return "a finite number >= 0";
  return absl::StrCat("between ", range.min, " and ", range.max);
}

absl::Status CheckNumber(std::string_view field, double value) {
  Range range = RangeOf(field);
  if (std::isfinite(value) && value >= range.min && value <= range.max) return absl::OkStatus();
  // The value is a number: printing it is bounded.
  return absl::InvalidArgumentError(absl::StrCat("requirements.", AV(field), ": must be ", Describe(range), ", got ",
                                                 std::isfinite(value) ? absl::StrCat(value) : "a non-finite value"));
}

absl::Status CheckEnum(const FieldDescriptor& field, int value) {
  if (field.enum_type()->FindValueByNumber(value) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("requirements.", field.name(), ": ", value, " is not a known ",
                                                 field.enum_type()->name(), " value"));
}

// A list of enum values (downstreams, topics): each known, and no longer
// than the enum has values, since a value listed twice says nothing new.
absl::Status CheckEnumList(const google::protobuf::Message& message, const FieldDescriptor& field) {
  const google::protobuf::Reflection& r = *message.GetReflection();
  const int size = r.FieldSize(message, &field);
  if (size > field.enum_type()->value_count()) {
    return absl::InvalidArgumentError(absl::StrCat("requirements.", field.name(), ": ", size,
                                                   " values, more than ", field.enum_type()->name(),
                                                   " has"));
  }
  for (int i = 0; i < size; ++i) {
    absl::Status status = CheckEnum(field, r.GetRepeatedEnumValue(message, &field, i));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// One set, singular field of Requirements, by kind.
absl::Status CheckField(const google::protobuf::Message& message, const FieldDescriptor& field) {
  const google::protobuf::Reflection& r = *message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return CheckNumber(field.name(), r.GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return CheckNumber(field.name(), r.GetFloat(message, &field));
    case FieldDescriptor::CPPTYPE_INT32:
      return CheckNumber(field.name(), r.GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return CheckNumber(field.name(), static_cast<double>(r.GetInt64(message, &field)));
    case FieldDescriptor::CPPTYPE_ENUM:
      return CheckEnum(field, r.GetEnumValue(message, &field));
    case FieldDescriptor::CPPTYPE_STRING:
      if (r.GetString(message, &field).size() > kMaxRequirementTextBytes) {
        return absl::InvalidArgumentError(absl::StrCat("requirements.", field.name(), ": longer than ",
                                                       kMaxRequirementTextBytes, " bytes"));
      }
      return absl::OkStatus();
    default:  // bool, unsigned: every value is in range
      return absl::OkStatus();
  }
}

}  // namespace

absl::Status ValidateRequirements(const v1::Requirements& requirements) {
  std::vector<const FieldDescriptor*> set;
  requirements.GetReflection()->ListFields(requirements, &set);
  for (const FieldDescriptor* field : set) {
    if (field->is_repeated() && field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      absl::Status status = CheckEnumList(requirements, *field);
      if (!status.ok()) return status;
      continue;
    }
    if (field->is_repeated() || field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InternalError(absl::StrCat("requirements.", field->name(),
                                              ": has no range check; add one in request_limits.cc"));
    }
    absl::Status status = CheckField(requirements, *field);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string_view Utf8Prefix(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars) return text.substr(0, i);
  }
  return text;
}

absl::Status ValidateTitle(std::string_view title, std::string_view field) {
  size_t chars = Utf8Length(title);
  if (chars <= kMaxTitleChars) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(AV(field), ": ", chars, " characters is over the limit of ", kMaxTitleChars));
}

namespace {

// An id quoted back in errors and logs: bounded, printable, no spaces.
absl::Status ValidateId(std::string_view id, absl::string_view field) {
  if (id.size() > kMaxSessionIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", id.size(), " bytes is over the limit of ", kMaxSessionIdBytes));
  }
  for (char c : id) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(absl::StrCat(field, ": must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSessionId(std::string_view session_id) {
  if (session_id.empty()) return absl::InvalidArgumentError("session_id: must not be empty");
  return ValidateId(session_id, "session_id");
}

absl::Status ValidateRequestId(std::string_view request_id) { return ValidateId(request_id, "request_id"); }

absl::Status ValidateAgentNames(const google::protobuf::RepeatedPtrField<std::string>& agents) {
  if (agents.size() > kMaxExplicitAgents) {
    return absl::InvalidArgumentError(
        absl::StrCat("agents: ", agents.size(), " names is over the limit of ", kMaxExplicitAgents));
  }
  for (const std::string& agent : agents) {
    if (agent.size() > kMaxAgentNameBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("agents: a name of ", agent.size(), " bytes is over the limit of ", kMaxAgentNameBytes));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReviewRequest(const v1::ReviewRequest& request) {
  absl::Status status = ValidateTitle(request.title());
  if (status.ok() && !request.session_id().empty()) status = ValidateSessionId(request.session_id());
  if (status.ok()) status = ValidateRequestId(request.request_id());
  if (status.ok()) status = ValidateAgentNames(request.agents());
  if (!status.ok()) return status;
  return ValidateRequirements(request.requirements());
}

}  // namespace agentd
