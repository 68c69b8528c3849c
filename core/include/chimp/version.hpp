// Version: a dotted numeric version with an optional pre-release tag.
//
//   4.0  ==  4.0.0  ==  4.0.0.0     (missing trailing components are zero)
//   4.3.0-rc1  <  4.3.0             (a pre-release sorts before its release)
//   4.18.0.0, 2.2.14, 1.1.1         (any number of components, 1 to 8)
//
// The empty version (Version::Empty()) is the state of a database that has no
// schema yet; it sorts below every other version, "0" included. A base edge
// starts there. Messages show it as "(empty)" (kEmptyVersionName).
//
// A Version is a plain value: copyable, and safe to read from any thread.
#ifndef CHIMP_VERSION_HPP_
#define CHIMP_VERSION_HPP_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/status.hpp"

namespace chimp {

// How messages, DOT and Mermaid output show the empty version.
inline constexpr std::string_view kEmptyVersionName = "(empty)";

class Version {
 public:
  // The empty version.
  Version() = default;
  static Version Empty() { return Version(); }

  // Parses `text`. `source` names where the text came from and starts the
  // error message ("plugin 'billing.so' edge to_version"). The empty string
  // parses to the empty version only when `allow_empty` is true.
  //
  // Grammar:  NUM ('.' NUM)* ('-' TAG)?
  //           NUM = [0-9]{1,9}, 1 to 8 of them
  //           TAG = IDENT ('.' IDENT)*,  IDENT = [0-9A-Za-z-]+
  // as SemVer 2.0 pre-release identifiers: a numeric IDENT has no leading
  // zero ("rc.01" is an error). A NUM may have leading zeros ("2024.01" ==
  // "2024.1"), so that date-like versions parse. Whitespace anywhere, build
  // metadata ("+build5") and a leading "v" are errors, not trimmed.
  //
  // Every error is Status::InvalidArgument, worded
  //   "<source>: '<text>' is not a version (<reason>)"
  // e.g. "plugin 'billing.so' edge to_version: '4.19.x' is not a version
  // (component 3 'x' is not a number)". Without a source the message starts
  // at the quote. Control characters in <text> are escaped (\n, \t, \x01) and
  // text longer than 80 characters is cut with "...".
  static Result<Version> Parse(std::string_view text, std::string_view source, bool allow_empty = false);

  bool empty() const { return components_.empty(); }

  // The version as written when parsed (e.g. "4.0" stays "4.0"); "" when
  // empty. Two equal versions may print differently.
  const std::string& ToString() const { return text_; }
  // ToString(), or "(empty)" for the empty version. For messages.
  std::string ToDisplayString() const;
  // The canonical form: trailing zero components removed down to two, a
  // single component padded to two, leading zeros dropped, plus "-tag"
  // ("4.0.0.0" -> "4.0", "4" -> "4.0", "4.18.0.1" stays); "" when empty.
  // Two versions are equal exactly when their canonical forms are equal.
  std::string Canonical() const;

  const std::vector<uint32_t>& components() const { return components_; }
  const std::string& prerelease() const { return prerelease_; }

  // Total order: the empty version first; then numeric component by
  // component (missing = 0); then a pre-release before no pre-release; then
  // pre-release tags compared as SemVer 2.0: identifier by identifier,
  // numeric ones numerically and below alphanumeric ones, alphanumeric ones
  // in ASCII order, and a tag that is a prefix of another sorts first
  // (1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta
  //  < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0).
  // The text as written plays no part: "4.0" == "4.0.0".
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }

 private:
  std::vector<uint32_t> components_;
  std::string prerelease_;
  std::string text_;
};

}  // namespace chimp

#endif  // CHIMP_VERSION_HPP_
