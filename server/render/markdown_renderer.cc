#include "server/render/markdown_renderer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"

namespace agentd {
namespace {

std::string StatusWord(v1::AgentStatus status) {
  switch (status) {
    case v1::AGENT_STATUS_OK: return "ok";
    case v1::AGENT_STATUS_FAILED: return "failed";
    case v1::AGENT_STATUS_TIMED_OUT: return "timed out";
    case v1::AGENT_STATUS_SKIPPED: return "skipped";
    case v1::AGENT_STATUS_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

// Text that agents wrote goes inline: a line break inside it ("\r\n", "\n"
// or "\r") would end the list item or paragraph it sits in, so it becomes a
// space. The usual text has none and is returned as a view of itself,
// trimmed, without a copy; other text is rewritten into `*scratch`, which the
// view then points into.
absl::string_view InlineView(const std::string& text, std::string* scratch) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  // Two memchr scans (vectorised), not find_first_of("\r\n"), which calls
  // memchr once per character, nor a loop over the characters.
  const size_t lf = trimmed.find('\n');
  const size_t cr = trimmed.find('\r');
  if (lf == absl::string_view::npos && cr == absl::string_view::npos) return trimmed;
  // Line breaks are whitespace, so trimming first and replacing after gives
  // what replacing first and trimming after would.
  size_t i = std::min(lf, cr);
  scratch->assign(trimmed.data(), i);
  for (; i < trimmed.size(); ++i) {
    const char c = trimmed[i];
    if (c == '\r' && i + 1 < trimmed.size() && trimmed[i + 1] == '\n') ++i;
    scratch->push_back(c == '\n' || c == '\r' ? ' ' : c);
  }
  return *scratch;
}

std::string Inline(const std::string& text) {
  std::string scratch;
  const absl::string_view view = InlineView(text, &scratch);
  return view.data() == scratch.data() ? std::move(scratch) : std::string(view);
}

// Appends `text` inline (see InlineView).
void AppendInline(std::string* out, const std::string& text) {
  std::string scratch;
  const absl::string_view view = InlineView(text, &scratch);
  out->append(view.data(), view.size());
}

// Inline text that starts a block (a list item's or a paragraph's first
// characters) must not be read as Markdown syntax: "# x" would become a
// heading, "1. x" a nested list, "> x" a quote. The one character that
// would trigger it is backslash-escaped. The text comes back in three
// pieces, to be appended in turn: before the escape, the escape ("\\" or
// nothing) and after it.
struct BlockText {
  absl::string_view before, escape, after;
};

BlockText BlockStart(absl::string_view out) {
  if (out.empty()) return {};
  size_t digits = 0;
  while (digits < out.size() && std::isdigit(static_cast<unsigned char>(out[digits]))) ++digits;
  if (digits > 0 && digits <= 9 && digits < out.size() && (out[digits] == '.' || out[digits] == ')') &&
      (digits + 1 == out.size() || out[digits + 1] == ' ' || out[digits + 1] == '\t')) {
    return {out.substr(0, digits), "\\", out.substr(digits)};
  }
  const char c = out[0];
  const bool alone = out.size() == 1 || out[1] == ' ' || out[1] == '\t';
  auto only_marks = [&out, c] {
    return out.find_first_not_of(std::string(1, c) + " \t") == absl::string_view::npos &&
           std::count(out.begin(), out.end(), c) >= 3;
  };
  bool escape = false;
  switch (c) {
    case '#': case '>': escape = true; break;                                     // heading, quote
    case '-': case '+': case '*': escape = alone || only_marks(); break;          // list, rule
    case '_': escape = only_marks(); break;                                       // rule
    case '`': case '~': escape = absl::StartsWith(out, std::string(3, c)); break; // code fence
    case '<':
      escape = out.size() > 1 && (std::isalpha(static_cast<unsigned char>(out[1])) ||
                                  absl::string_view("/!?").find(out[1]) != absl::string_view::npos);
      break;                                                                      // HTML block
    default: break;
  }
  return escape ? BlockText{"", "\\", out} : BlockText{out, "", ""};
}

// A table cell: a pipe would split the cell, a line break the row.
std::string Cell(const std::string& text) {
  std::string out = Inline(text);
  return out.find('|') == std::string::npos ? out : absl::StrReplaceAll(out, {{"|", "\\|"}});
}

// Writes blocks and puts blank lines where CommonMark needs them: between
// any two blocks, except inside one list and between a label line that
// introduces a list ("**Layers**:") and that list. A paragraph after a list
// therefore stays a paragraph instead of joining the last item.
class Writer {
 public:
  // Room for `bytes` of output, so the document is not copied as it grows.
  explicit Writer(size_t bytes) { out_.reserve(bytes); }
  void Heading(int level, const std::string& text) {
    Begin(Block::kHeading);
    absl::StrAppend(&out_, std::string(level, '#'), " ", Inline(text), "\n");
    // The title stands apart; a section heading sits on its first block.
    if (level <= 2) last_ = Block::kTitle;
  }
  // One list item of one line.
  void Bullet(const std::string& text) {
    Begin(Block::kBullets);
    absl::StrAppend(&out_, "- ", text, "\n");
  }
  // A list item of one line, given in pieces: appended as they are, not
  // joined into a string first.
  void BulletOf(std::initializer_list<absl::string_view> pieces) {
    Begin(Block::kBullets);
    out_ += "- ";
    for (absl::string_view piece : pieces) out_.append(piece.data(), piece.size());
    out_ += "\n";
  }
  // A block quote of one or more paragraphs.
  void Quote(const std::vector<std::string>& paragraphs) {
    if (paragraphs.empty()) return;
    Begin(Block::kQuote);
    absl::StrAppend(&out_, "> ", absl::StrJoin(paragraphs, "\n>\n> "), "\n");
  }
  void Table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    Begin(Block::kTable);
    absl::StrAppend(&out_, "| ", absl::StrJoin(header, " | "), " |\n|");
    for (size_t i = 0; i < header.size(); ++i) out_ += "---|";
    out_ += "\n";
    for (const auto& row : rows) absl::StrAppend(&out_, "| ", absl::StrJoin(row, " | "), " |\n");
  }
  std::string Finish() && { return std::move(out_); }

  enum class Block { kNone, kTitle, kHeading, kParagraph, kIntro, kBullets, kNumbered, kQuote, kTable };
  // Starts a block of kind `next` and returns the document, for a caller that
  // appends the block's text itself (without building it as a string first).
  // The caller ends the block's last line with "\n".
  std::string& Open(Block next) {
    Begin(next);
    return out_;
  }

 private:
  void Begin(Block next) {
    bool same_list = next == last_ && (next == Block::kBullets || next == Block::kNumbered);
    bool introduced = last_ == Block::kIntro && (next == Block::kBullets || next == Block::kNumbered);
    if (last_ != Block::kNone && last_ != Block::kHeading && !same_list && !introduced) out_ += "\n";
    if (next == Block::kHeading && last_ == Block::kHeading) out_ += "\n";
    last_ = next;
  }

  std::string out_;
  Block last_ = Block::kNone;
};

// " _(api-architect)_" when the item is not the section owner's, listing
// everyone who said it (the item's agent first).
void AppendAttribution(const v1::Item& item, const std::string& owner, std::string* out) {
  bool others = item.agent() != owner;
  for (const std::string& a : item.also_agents()) others = others || a != owner;
  if (!others) return;
  absl::StrAppend(out, " _(", item.agent());
  for (const std::string& a : item.also_agents()) {
    if (a != owner) absl::StrAppend(out, ", ", a);
  }
  out->append(")_");
}

// The lines of an item after its first, indented by `indent` to stay in it:
// a risk's mitigation, then any item's rationale.
void AppendItemMore(const v1::Item& item, bool risk, size_t indent, std::string* out) {
  if (risk && !item.mitigation().empty()) {
    out->append(indent, ' ').append("**Mitigation**: ");
    AppendInline(out, item.mitigation());
    out->push_back('\n');
  }
  if (!item.rationale().empty()) {
    out->append(indent, ' ').append("*Why*: ");
    AppendInline(out, item.rationale());
    out->push_back('\n');
  }
}

// Each item is written straight into the document: no string per piece.
void RenderItem(const v1::Item& item, const v1::Section& section, int index, Writer& writer) {
  using Block = Writer::Block;
  const std::string& owner = section.owner();
  std::string scratch;
  const absl::string_view text = InlineView(item.text(), &scratch);
  const bool has_label = !item.label().empty();
  auto append_label = [&item](std::string* out) {
    out->append("**");
    AppendInline(out, item.label());
    out->append("**: ");
  };
  auto append_block_text = [&text](std::string* out) {
    const BlockText b = BlockStart(text);
    absl::StrAppend(out, b.before, b.escape, b.after);
  };
  if (section.id() == "risks") {
    std::string& out = writer.Open(Block::kBullets);
    absl::StrAppend(&out, "- **Risk**: ", text);
    AppendAttribution(item, owner, &out);
    out.push_back('\n');
    AppendItemMore(item, true, 2, &out);
    return;
  }
  if (section.id() == "recommendations") {
    std::string& out = writer.Open(Block::kNumbered);
    const size_t start = out.size();
    absl::StrAppend(&out, index, ". ");
    const size_t indent = out.size() - start;
    if (has_label) {
      append_label(&out);
      out.append(text.data(), text.size());
    } else {
      append_block_text(&out);
    }
    AppendAttribution(item, owner, &out);
    out.push_back('\n');
    AppendItemMore(item, false, indent, &out);
  } else if (!has_label) {
    if (text.empty() && item.rationale().empty()) return;
    std::string& out = writer.Open(Block::kBullets);
    out.append("- ");
    append_block_text(&out);
    AppendAttribution(item, owner, &out);
    out.push_back('\n');
    AppendItemMore(item, false, 2, &out);
  } else if (text.empty()) {
    // "**Layers**:" introduces the list that follows it, as in the seed.
    std::string& out = writer.Open(Block::kIntro);
    out.append("**");
    AppendInline(&out, item.label());
    out.append("**:");
    AppendAttribution(item, owner, &out);
    out.push_back('\n');
  } else {
    std::string& out = writer.Open(Block::kParagraph);
    append_label(&out);
    out.append(text.data(), text.size());
    AppendAttribution(item, owner, &out);
    out.push_back('\n');
    if (!item.rationale().empty()) {
      std::string& next = writer.Open(Block::kParagraph);
      next.append("**Rationale**: ");
      AppendInline(&next, item.rationale());
      next.push_back('\n');
    }
  }
}

std::string FactSource(const v1::Fact& f) {
  switch (f.source()) {
    case v1::Fact::SOURCE_TEXT: return absl::StrCat("this turn: \"", Inline(f.quote()), "\"");
    case v1::Fact::SOURCE_FIELD: return "requirements field";
    case v1::Fact::SOURCE_SESSION:
      return f.quote().empty() ? absl::StrCat("earlier turn ", f.turn())
                               : absl::StrCat("earlier turn ", f.turn(), ": \"", Inline(f.quote()), "\"");
    default: return "unknown";
  }
}

std::string ConflictText(const v1::Conflict& c) {
  return absl::StrCat("**Conflict** on `", Inline(c.key()), "`: **", Inline(c.kept_value()), "** (",
                      Inline(c.kept_agent()), ", section owner) stands; ", Inline(c.other_agent()),
                      " would choose **", Inline(c.other_value()), "**",
                      c.other_rationale().empty() ? "" : absl::StrCat(" — ", Inline(c.other_rationale())));
}

void RenderAgentList(const google::protobuf::RepeatedPtrField<v1::Item>& items, Writer& out) {
  std::string agents;  // "a, b, c": one buffer for all the items, not a vector and a join per item
  for (const v1::Item& item : items) {
    agents = item.agent();
    for (const std::string& also : item.also_agents()) absl::StrAppend(&agents, ", ", also);
    std::string scratch, agents_scratch;
    const BlockText b = BlockStart(InlineView(item.text(), &scratch));
    out.BulletOf({b.before, b.escape, b.after, " _(", InlineView(agents, &agents_scratch), ")_"});
  }
}

// About the size of `review`'s Markdown: its texts and some markup per line.
size_t MarkdownSizeHint(const v1::Review& review) {
  size_t bytes = 1024 + review.title().size();
  auto add_items = [&bytes](const google::protobuf::RepeatedPtrField<v1::Item>& items) {
    for (const v1::Item& item : items) {
      bytes += 48 + item.text().size() + item.label().size() + item.rationale().size() + item.mitigation().size();
    }
  };
  for (const v1::Section& section : review.sections()) {
    bytes += 16 + section.heading().size();
    add_items(section.items());
  }
  add_items(review.assumptions());
  add_items(review.questions());
  bytes += 96 * static_cast<size_t>(review.decisions_size() + review.conflicts_size() + review.facts_size() +
                                    review.agents_size());
  return bytes;
}

}  // namespace

std::string FormatNumber(double value) {
  std::string s = absl::StrFormat("%.2f", std::round(value * 100) / 100);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string RenderMarkdown(const v1::Review& review) {
  Writer out(MarkdownSizeHint(review));
  out.Heading(2, review.title().empty() ? "Review" : review.title());

  std::vector<std::string> header;
  std::vector<std::string> spoke;
  for (const v1::AgentRun& run : review.agents()) {
    spoke.push_back(absl::StrCat(Inline(run.agent()), run.stub() ? " (stub)" : "", ": ", StatusWord(run.status())));
  }
  if (!spoke.empty()) header.push_back(absl::StrCat("Agents: ", absl::StrJoin(spoke, "; ")));
  if (review.partial()) {
    std::vector<std::string> missing;
    for (const v1::AgentRun& run : review.agents()) {
      if (run.status() != v1::AGENT_STATUS_OK) {
        missing.push_back(absl::StrCat(Inline(run.agent()), " ", StatusWord(run.status()),
                                       run.error().empty() ? "" : absl::StrCat(" (", Inline(run.error()), ")")));
      }
    }
    header.push_back(absl::StrCat("**Partial review**: ", absl::StrJoin(missing, "; "),
                                  " — their parts are missing."));
  }
  out.Quote(header);

  for (const v1::Section& section : review.sections()) {
    out.Heading(3, section.heading());
    int index = 0;
    for (const v1::Item& item : section.items()) RenderItem(item, section, ++index, out);
    for (const v1::Conflict& c : review.conflicts()) {
      if (!c.section().empty() && c.section() == section.id()) out.Quote({ConflictText(c)});
    }
  }

  if (review.decisions_size() > 0) {
    out.Heading(3, "Decisions");
    std::vector<std::vector<std::string>> rows;
    for (const v1::Decision& d : review.decisions()) {
      rows.push_back({absl::StrCat("`", Cell(d.key()), "`"), Cell(d.value()), Cell(d.agent())});
    }
    out.Table({"key", "value", "agent"}, rows);
  }
  // Conflicts whose section is not in the review still have to be seen.
  bool conflicts_heading = false;
  for (const v1::Conflict& c : review.conflicts()) {
    bool shown = false;
    for (const v1::Section& s : review.sections()) shown = shown || (!c.section().empty() && s.id() == c.section());
    if (shown) continue;
    if (!conflicts_heading) out.Heading(3, "Conflicts");
    conflicts_heading = true;
    out.Quote({ConflictText(c)});
  }
  if (!review.assumptions().empty()) {
    out.Heading(3, "Assumptions");
    RenderAgentList(review.assumptions(), out);
  }
  if (!review.questions().empty()) {
    out.Heading(3, "Open Questions");
    RenderAgentList(review.questions(), out);
  }
  if (review.facts_size() > 0) {
    out.Heading(3, "Facts Used");
    for (const v1::Fact& f : review.facts()) {
      out.Bullet(absl::StrCat("`", Inline(f.field()), "` = ", Inline(f.value()), " (", FactSource(f), ")"));
    }
  }
  if (review.agents_size() > 0) {
    out.Heading(3, "Agents");
    std::vector<std::vector<std::string>> rows;
    for (const v1::AgentRun& run : review.agents()) {
      rows.push_back({Cell(run.agent()), StatusWord(run.status()), absl::StrCat(FormatNumber(run.latency_ms()), " ms"),
                      Cell(absl::StrCat(run.stub() ? "stub: answers from its definition only" : "",
                                        run.stub() && !run.error().empty() ? "; " : "", run.error()))});
    }
    out.Table({"agent", "status", "latency", "note"}, rows);
  }
  return std::move(out).Finish();
}

}  // namespace agentd
