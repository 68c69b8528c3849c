#include "sql/shorten.hpp"

#include <algorithm>

namespace chimp::internal {

namespace {

std::string OneLine(std::string_view sql, std::size_t limit) {
  std::string out;
  for (char c : sql) {
    if (out.size() >= limit) return out + "...";
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string CollapseBlanks(std::string_view sql, std::size_t limit) {
  std::string out;
  out.reserve(std::min(sql.size(), limit + 4));
  bool pending_space = false;
  for (char c : sql) {
    if (IsBlank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
    if (out.size() > limit) break;
  }
  if (out.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "\xE2\x80\xA6";  // "…"
  }
  return out;
}

}  // namespace

std::string ShortenSql(std::string_view sql, ShortenStyle style, std::size_t limit) {
  return style == ShortenStyle::kOneLine ? OneLine(sql, limit) : CollapseBlanks(sql, limit);
}

}  // namespace chimp::internal
