#include "chimp/version.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace chimp {
namespace {

constexpr size_t kMaxComponents = 8;
constexpr size_t kMaxComponentDigits = 9;
constexpr size_t kMaxQuotedChars = 80;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

// Quotes `text` for a message: control characters escaped, long text cut.
std::string Quote(std::string_view text) {
  std::string out = "'";
  size_t shown = 0;
  for (char c : text) {
    if (shown == kMaxQuotedChars) {
      out += "...";
      break;
    }
    ++shown;
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

Status NotAVersion(std::string_view text, std::string_view source, const std::string& reason) {
  std::string msg;
  if (!source.empty()) {
    msg.append(source);
    msg += ": ";
  }
  msg += Quote(text) + " is not a version (" + reason + ")";
  return Status::InvalidArgument(std::move(msg));
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Returns "" when `tag` is a valid SemVer pre-release tag, else the reason.
std::string CheckPrerelease(std::string_view tag) {
  if (tag.empty()) return "the pre-release tag after '-' is empty";
  const std::vector<std::string_view> idents = Split(tag, '.');
  for (size_t i = 0; i < idents.size(); ++i) {
    const std::string_view ident = idents[i];
    if (ident.empty()) return "pre-release identifier " + std::to_string(i + 1) + " is empty";
    for (char c : ident) {
      if (!IsDigit(c) && !IsAlpha(c) && c != '-') {
        return "pre-release tag " + Quote(tag) + " contains " + Quote(std::string_view(&c, 1));
      }
    }
    if (ident.size() > 1 && ident[0] == '0' && AllDigits(ident)) {
      return "pre-release identifier " + Quote(ident) + " has a leading zero";
    }
  }
  return "";
}

std::strong_ordering CompareIdentifiers(std::string_view a, std::string_view b) {
  const bool a_numeric = AllDigits(a);
  const bool b_numeric = AllDigits(b);
  if (a_numeric && b_numeric) {
    // No leading zeros (Parse rejects them), so the longer number is larger.
    if (a.size() != b.size()) return a.size() <=> b.size();
  } else if (a_numeric != b_numeric) {
    return a_numeric ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  const int c = a.compare(b);
  return c < 0 ? std::strong_ordering::less : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

}  // namespace

Result<Version> Version::Parse(std::string_view text, std::string_view source, bool allow_empty) {
  if (text.empty()) {
    if (allow_empty) return Version();
    return NotAVersion(text, source, "it is empty");
  }
  if (IsSpace(text.front())) return NotAVersion(text, source, "leading whitespace");
  if (IsSpace(text.back())) return NotAVersion(text, source, "trailing whitespace");
  if (const size_t plus = text.find('+'); plus != std::string_view::npos) {
    return NotAVersion(text, source, "build metadata " + Quote(text.substr(plus)) + " is not supported");
  }

  const size_t dash = text.find('-');
  const std::string_view numbers = text.substr(0, dash);
  Version v;
  const std::vector<std::string_view> parts = Split(numbers, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    const std::string n = std::to_string(i + 1);
    if (part.empty()) return NotAVersion(text, source, "component " + n + " is empty");
    if (!AllDigits(part)) {
      return NotAVersion(text, source, "component " + n + " " + Quote(part) + " is not a number");
    }
    if (part.size() > kMaxComponentDigits) {
      return NotAVersion(
          text, source,
          "component " + n + " " + Quote(part) + " has more than " + std::to_string(kMaxComponentDigits) + " digits");
    }
    uint32_t value = 0;
    for (char c : part) value = value * 10 + static_cast<uint32_t>(c - '0');
    v.components_.push_back(value);
  }
  if (parts.size() > kMaxComponents) {
    return NotAVersion(
        text, source,
        std::to_string(parts.size()) + " components; at most " + std::to_string(kMaxComponents) + " are allowed");
  }
  if (dash != std::string_view::npos) {
    const std::string_view tag = text.substr(dash + 1);
    if (std::string reason = CheckPrerelease(tag); !reason.empty()) {
      return NotAVersion(text, source, reason);
    }
    v.prerelease_ = std::string(tag);
  }
  v.text_ = std::string(text);
  return v;
}

std::string Version::ToDisplayString() const { return empty() ? std::string(kEmptyVersionName) : text_; }

std::string Version::Canonical() const {
  if (empty()) return "";
  size_t n = components_.size();
  while (n > 2 && components_[n - 1] == 0) --n;
  std::string out = std::to_string(components_[0]);
  out += "." + (n >= 2 ? std::to_string(components_[1]) : std::string("0"));
  for (size_t i = 2; i < n; ++i) out += "." + std::to_string(components_[i]);
  if (!prerelease_.empty()) out += "-" + prerelease_;
  return out;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
  if (empty() || other.empty()) return !empty() <=> !other.empty();
  const size_t n = std::max(components_.size(), other.components_.size());
  for (size_t i = 0; i < n; ++i) {
    const uint32_t a = i < components_.size() ? components_[i] : 0;
    const uint32_t b = i < other.components_.size() ? other.components_[i] : 0;
    if (a != b) return a <=> b;
  }
  if (prerelease_.empty() || other.prerelease_.empty()) {
    // A release sorts after any of its pre-releases.
    return prerelease_.empty() <=> other.prerelease_.empty();
  }
  const std::vector<std::string_view> a = Split(prerelease_, '.');
  const std::vector<std::string_view> b = Split(other.prerelease_, '.');
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (auto c = CompareIdentifiers(a[i], b[i]); c != 0) return c;
  }
  return a.size() <=> b.size();
}

}  // namespace chimp
