#include "recovery/pre_image.hpp"

#include <doctest/doctest.h>

namespace chimp::internal {
namespace {

PreImage Of(PreImage::Kind kind, std::vector<std::string> fingerprints = {}) {
  return PreImage{kind, std::move(fingerprints)};
}

TEST_CASE("pre-image: the changelog text round-trips") {
  const std::string a = "sha256:" + std::string(64, 'a');
  const std::string b = "sha256:" + std::string(64, 'b');
  const std::vector<std::pair<PreImage, std::string>> cases = {
      {Of(PreImage::Kind::kNone), ""},       {Of(PreImage::Kind::kIdempotent), "idempotent"},
      {Of(PreImage::Kind::kRerun), "rerun"}, {Of(PreImage::Kind::kUnknown), "unknown"},
      {Of(PreImage::Kind::kProbe, {a}), a},  {Of(PreImage::Kind::kProbe, {a, b}), a + " " + b},
  };
  for (const auto& [image, text] : cases) {
    CAPTURE(text);
    CHECK(EncodePreImage(image) == text);
    CHECK(DecodePreImage(text) == image);
    CHECK(EncodePreImage(DecodePreImage(text)) == text);
  }
}

TEST_CASE("pre-image: what it tells a resume") {
  CHECK(DecodePreImage("sha256:x").is_probe());
  CHECK(DecodePreImage("idempotent").reruns());
  CHECK(DecodePreImage("rerun").reruns());
  CHECK_FALSE(DecodePreImage("unknown").reruns());
  CHECK(DecodePreImage("something else").kind == PreImage::Kind::kNone);
  CHECK(DecodePreImage("sha256:a  sha256:b").fingerprints == std::vector<std::string>{"sha256:a", "sha256:b"});
}

}  // namespace
}  // namespace chimp::internal
