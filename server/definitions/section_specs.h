// Internal to agentd_definitions: reads a definition's `sections:` key, the
// review sections the agent owns and how the merged review lays them out.
//
//   sections: [api_design, api_versioning]      # ids only: headings are the
//                                               # ids title-cased, no order
//   sections:
//     - id: api_design
//       heading: API Design                     # default: "Api Design"
//       order: 110                              # lower first; 0 or absent:
//                                               # after every ordered section
//       decisions: api                          # decision keys "api.*" are
//                                               # this section's (a, b: several)
//
// The map form needs front matter that is strict YAML: the lenient reader
// cannot tell a map item from an id with spaces, and such an id is refused.
#ifndef AGENTD_SERVER_DEFINITIONS_SECTION_SPECS_H_
#define AGENTD_SERVER_DEFINITIONS_SECTION_SPECS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agentd/v1/definition.pb.h"
#include "server/definitions/front_matter.h"

namespace agentd::definitions_internal {

// Replaces def's sections and section_specs with what `field` states.
// INVALID_ARGUMENT "path:line: reason" for an entry without a usable id or
// with an order that is not a whole number >= 0.
absl::Status ReadSectionSpecs(const RawField& field, absl::string_view path, v1::AgentDefinition* def);

}  // namespace agentd::definitions_internal

#endif  // AGENTD_SERVER_DEFINITIONS_SECTION_SPECS_H_
