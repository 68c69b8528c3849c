// Version: a dotted numeric version with an optional pre-release tag.
//
//   4.0  ==  4.0.0  ==  4.0.0.0     (missing trailing components are zero)
//   4.3.0-rc1  <  4.3.0             (a pre-release sorts before its release)
//   4.18.0.0, 2.2.14, 1.1.1         (any number of components, 1 to 8)
//
// The empty version (Version::Empty()) is the state of a database that has no
// schema yet; it sorts below every other version. A base edge starts there.
#ifndef CHIMP_VERSION_HPP_
#define CHIMP_VERSION_HPP_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/status.hpp"

namespace chimp {

class Version {
 public:
  // The empty version.
  Version() = default;
  static Version Empty() { return Version(); }

  // Parses `text`. `source` names where the text came from, for the error
  // ("plugin 'billing.so': edge to_version"). The empty string parses to the
  // empty version only when `allow_empty` is true.
  // Grammar: NUM ('.' NUM)* ('-' TAG)?  NUM = [0-9]{1,9}, TAG = [0-9A-Za-z.]+
  static Result<Version> Parse(std::string_view text, std::string_view source,
                               bool allow_empty = false);

  bool empty() const { return components_.empty(); }

  // The version as written when parsed (e.g. "4.0" stays "4.0"); "" when
  // empty. Two equal versions may print differently.
  const std::string& ToString() const { return text_; }
  // The canonical form: trailing zero components removed down to two
  // ("4.0.0.0" -> "4.0", "4.18.0.1" stays), plus "-tag".
  std::string Canonical() const;

  const std::vector<uint32_t>& components() const { return components_; }
  const std::string& prerelease() const { return prerelease_; }

  // Total order: numeric component by component (missing = 0); then a
  // pre-release before no pre-release; then pre-release tags compared by
  // dot-separated identifiers, numeric ones numerically (as SemVer 2.0).
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }

 private:
  std::vector<uint32_t> components_;
  std::string prerelease_;
  std::string text_;
};

}  // namespace chimp

#endif  // CHIMP_VERSION_HPP_
