#include "chimp/version.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chimp/model.hpp"

namespace doctest {
template <>
struct StringMaker<chimp::Version> {
  static String convert(const chimp::Version& v) { return String(("Version(" + v.ToDisplayString() + ")").c_str()); }
};
}  // namespace doctest

namespace {

using chimp::Version;

// Parses `text`, failing the test on error.
Version V(std::string_view text) {
  auto r = Version::Parse(text, "test", /*allow_empty=*/true);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return r.value();
}

// The error message Parse gives for `text` from source "src".
std::string ErrorOf(std::string_view text, std::string_view source = "src") {
  auto r = Version::Parse(text, source);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == chimp::StatusCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("version: parses components and keeps the text as written") {
  const Version v = V("4.18.0.1");
  CHECK(v.components() == std::vector<uint32_t>{4, 18, 0, 1});
  CHECK(v.prerelease().empty());
  CHECK(v.ToString() == "4.18.0.1");
  CHECK_FALSE(v.empty());

  const Version rc = V("4.3.0-rc1");
  CHECK(rc.components() == std::vector<uint32_t>{4, 3, 0});
  CHECK(rc.prerelease() == "rc1");
  CHECK(rc.ToString() == "4.3.0-rc1");

  CHECK(V("7").components() == std::vector<uint32_t>{7});
  CHECK(V("999999999.0").components() == std::vector<uint32_t>{999999999, 0});
  CHECK(V("1.2.3.4.5.6.7.8").components().size() == 8);
  CHECK(V("1.0.0-x-y.2--z").prerelease() == "x-y.2--z");
}

TEST_CASE("version: trailing zero components do not change equality") {
  CHECK(V("4.0") == V("4.0.0"));
  CHECK(V("4.0") == V("4.0.0.0"));
  CHECK(V("4") == V("4.0.0.0.0.0.0.0"));
  CHECK(V("4.3-rc1") == V("4.3.0.0-rc1"));
  CHECK(V("4.18.0.1") != V("4.18"));
  CHECK(V("4.0.0.1") > V("4.0"));
  // Equal versions keep their own spelling.
  CHECK(V("4.0").ToString() == "4.0");
  CHECK(V("4.0.0").ToString() == "4.0.0");
}

TEST_CASE("version: components compare numerically, left to right") {
  CHECK(V("4.9") < V("4.10"));
  CHECK(V("4.2.9") < V("4.2.14"));
  CHECK(V("2.2.14") < V("3.0"));
  CHECK(V("4.9.3.0") < V("4.10.0.0"));
  CHECK(V("4.23.0.0") < V("24.0.0"));
  CHECK(V("1.0") < V("1.0.0.1"));
  CHECK(V("10") > V("9.99.99"));
}

TEST_CASE("version: leading zeros in a component parse numerically") {
  CHECK(V("2024.01.15") == V("2024.1.15"));
  CHECK(V("2024.01.15").ToString() == "2024.01.15");
  CHECK(V("2024.01.15").Canonical() == "2024.1.15");
  CHECK(V("000000001") == V("1"));
}

TEST_CASE("version: a pre-release sorts before its release") {
  CHECK(V("4.3.0-rc1") < V("4.3.0"));
  CHECK(V("4.3-rc1") < V("4.3"));
  CHECK(V("4.2.9") < V("4.3.0-rc1"));
  CHECK(V("4.3.0") < V("4.3.0.1-rc1"));
  CHECK(V("4.3.0-rc1") != V("4.3.0"));
}

TEST_CASE("version: pre-release tags compare as SemVer 2.0 identifiers") {
  // The precedence example of SemVer 2.0, section 11.
  const std::vector<std::string> ascending = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                              "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      CAPTURE(ascending[i]);
      CAPTURE(ascending[j]);
      CHECK(((V(ascending[i]) <=> V(ascending[j])) == (i <=> j)));
    }
  }
  CHECK(V("1.0.0-2") < V("1.0.0-10"));         // numeric, not ASCII
  CHECK(V("1.0.0-99") < V("1.0.0-a"));         // numeric below alphanumeric
  CHECK(V("1.0.0-RC1") < V("1.0.0-rc1"));      // ASCII order
  CHECK(V("1.0.0-rc.1") < V("1.0.0-rc.1.0"));  // a prefix sorts first
  CHECK(V("1.0.0-rc.1") == V("1.0-rc.1"));
}

TEST_CASE("version: the empty version sorts below every other version") {
  const Version empty = Version::Empty();
  CHECK(empty.empty());
  CHECK(empty == Version());
  CHECK(empty.ToString().empty());
  CHECK(empty.ToDisplayString() == "(empty)");
  CHECK(empty.Canonical().empty());
  CHECK(empty < V("0"));
  CHECK(empty < V("0.0.0-a"));
  CHECK(empty < V("4.0"));
  CHECK(V("0") > empty);
  CHECK(V("0") == V("0.0"));
}

TEST_CASE("version: the empty string parses only when allowed") {
  auto allowed = Version::Parse("", "src", /*allow_empty=*/true);
  REQUIRE(allowed.ok());
  CHECK(allowed->empty());
  CHECK(ErrorOf("") == "src: '' is not a version (it is empty)");
}

TEST_CASE("version: canonical form drops trailing zeros down to two components") {
  CHECK(V("4.0.0.0").Canonical() == "4.0");
  CHECK(V("4").Canonical() == "4.0");
  CHECK(V("4.18.0.1").Canonical() == "4.18.0.1");
  CHECK(V("4.18.0.0").Canonical() == "4.18");
  CHECK(V("4.3.0-rc.1").Canonical() == "4.3-rc.1");
  CHECK(V("0.0.0").Canonical() == "0.0");
}

TEST_CASE("version: round-trips through ToString, Canonical and Parse") {
  const std::vector<std::string> texts = {"0",
                                          "4.0",
                                          "4.0.0",
                                          "4.18.0.0",
                                          "2.1.7.1",
                                          "24.0.0",
                                          "999999999.1.2.3.4.5.6.7",
                                          "4.3.0-rc1",
                                          "1.0.0-alpha.beta.11",
                                          "1.0-x-y",
                                          "2024.01.15"};
  for (const std::string& text : texts) {
    CAPTURE(text);
    const Version v = V(text);
    CHECK(v.ToString() == text);
    const Version again = V(v.ToString());
    CHECK(again == v);
    CHECK(again.ToString() == text);
    const Version canonical = V(v.Canonical());
    CHECK(canonical == v);
    CHECK(canonical.Canonical() == v.Canonical());
  }
}

TEST_CASE("version: canonical forms are equal exactly when versions are equal") {
  const std::vector<std::string> texts = {"4",          "4.0",      "4.0.0.1", "4.0.1", "4.0-rc.1",
                                          "4.0.0-rc.1", "4.0-rc.2", "4.1",     "04.1"};
  for (const std::string& a : texts) {
    for (const std::string& b : texts) {
      CAPTURE(a);
      CAPTURE(b);
      CHECK((V(a) == V(b)) == (V(a).Canonical() == V(b).Canonical()));
    }
  }
}

TEST_CASE("version: errors name the string, its source and the reason") {
  CHECK(ErrorOf("4.19.x", "plugin 'billing.so' edge to_version") ==
        "plugin 'billing.so' edge to_version: '4.19.x' is not a version "
        "(component 3 'x' is not a number)");

  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {" 4.0", "src: ' 4.0' is not a version (leading whitespace)"},
      {"4.0 ", "src: '4.0 ' is not a version (trailing whitespace)"},
      {"\t4.0", "src: '\\t4.0' is not a version (leading whitespace)"},
      {"4.0\n", "src: '4.0\\n' is not a version (trailing whitespace)"},
      {"4. 0", "src: '4. 0' is not a version (component 2 ' 0' is not a number)"},
      {"v4.0", "src: 'v4.0' is not a version (component 1 'v4' is not a number)"},
      {"4.0rc1", "src: '4.0rc1' is not a version (component 2 '0rc1' is not a number)"},
      {"4..0", "src: '4..0' is not a version (component 2 is empty)"},
      {".4", "src: '.4' is not a version (component 1 is empty)"},
      {"4.", "src: '4.' is not a version (component 2 is empty)"},
      {"-rc1", "src: '-rc1' is not a version (component 1 is empty)"},
      {"1.1234567890", "src: '1.1234567890' is not a version (component 2 '1234567890' has more than 9 digits)"},
      {"1.2.3.4.5.6.7.8.9", "src: '1.2.3.4.5.6.7.8.9' is not a version (9 components; at most 8 are allowed)"},
      {"4.3.0-", "src: '4.3.0-' is not a version (the pre-release tag after '-' is empty)"},
      {"4.3.0-rc..1", "src: '4.3.0-rc..1' is not a version (pre-release identifier 2 is empty)"},
      {"4.3.0-rc.", "src: '4.3.0-rc.' is not a version (pre-release identifier 2 is empty)"},
      {"4.3.0-rc_1", "src: '4.3.0-rc_1' is not a version (pre-release tag 'rc_1' contains '_')"},
      {"4.3.0-rc 1", "src: '4.3.0-rc 1' is not a version (pre-release tag 'rc 1' contains ' ')"},
      {"4.3.0-rc.01", "src: '4.3.0-rc.01' is not a version (pre-release identifier '01' has a leading zero)"},
      {"4.3.0+b5", "src: '4.3.0+b5' is not a version (build metadata '+b5' is not supported)"},
      {"4.3.0-rc1+b5", "src: '4.3.0-rc1+b5' is not a version (build metadata '+b5' is not supported)"},
      {std::string("4.\x01", 3), "src: '4.\\x01' is not a version (component 2 '\\x01' is not a number)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(ErrorOf(c.text) == c.message);
  }
}

TEST_CASE("version: an error without a source starts at the quote") {
  CHECK(ErrorOf("x", "") == "'x' is not a version (component 1 'x' is not a number)");
}

TEST_CASE("version: long text is cut in messages") {
  const std::string text = std::string(100, 'a');
  CHECK(ErrorOf(text) == "src: '" + std::string(80, 'a') + "...' is not a version (component 1 '" +
                             std::string(80, 'a') + "...' is not a number)");
}

// Edge::Name and the enum names live in model.cpp; they are tested here
// because they are the model's only code and print versions.
TEST_CASE("version: Edge::Name prints both versions, (empty) for a base edge") {
  chimp::Edge base;
  base.to = V("4.0.0");
  CHECK(base.Name() == "(empty) -> 4.0.0");
  chimp::Edge upgrade;
  upgrade.from = V("4.18.0.0");
  upgrade.to = V("4.19");
  CHECK(upgrade.Name() == "4.18.0.0 -> 4.19");
}

TEST_CASE("version: step kind and phase names are stable") {
  CHECK(std::string(chimp::StepKindName(chimp::StepKind::kSql)) == "sql");
  CHECK(std::string(chimp::StepKindName(chimp::StepKind::kNative)) == "native");
  CHECK(std::string(chimp::StepKindName(chimp::StepKind::kCheck)) == "check");
  CHECK(std::string(chimp::PhaseName(chimp::Phase::kExpand)) == "expand");
  CHECK(std::string(chimp::PhaseName(chimp::Phase::kCleanup)) == "cleanup");
}
