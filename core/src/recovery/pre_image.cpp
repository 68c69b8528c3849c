#include "recovery/pre_image.hpp"

#include "recovery/probe.hpp"

namespace chimp::internal {

namespace {

constexpr std::string_view kIdempotent = "idempotent";
constexpr std::string_view kRerun = "rerun";
constexpr std::string_view kUnknown = "unknown";
constexpr std::string_view kProbePrefix = "sha256:";

PreImage OfKind(PreImage::Kind kind) {
  PreImage image;
  image.kind = kind;
  return image;
}

}  // namespace

std::string EncodePreImage(const PreImage& image) {
  switch (image.kind) {
    case PreImage::Kind::kNone: return "";
    case PreImage::Kind::kIdempotent: return std::string(kIdempotent);
    case PreImage::Kind::kRerun: return std::string(kRerun);
    case PreImage::Kind::kUnknown: return std::string(kUnknown);
    case PreImage::Kind::kProbe: break;
  }
  std::string out;
  for (const std::string& fingerprint : image.fingerprints) {
    if (!out.empty()) out += ' ';
    out += fingerprint;
  }
  return out;
}

PreImage DecodePreImage(std::string_view text) {
  if (text == kIdempotent) return OfKind(PreImage::Kind::kIdempotent);
  if (text == kRerun) return OfKind(PreImage::Kind::kRerun);
  if (text == kUnknown) return OfKind(PreImage::Kind::kUnknown);
  if (text.substr(0, kProbePrefix.size()) != kProbePrefix) return PreImage{};
  PreImage image = OfKind(PreImage::Kind::kProbe);
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) image.fingerprints.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return image;
}

Result<PreImage> TakePreImage(Connection& conn, const StatementInfo& info,
                              const std::vector<std::string>& rerunnable_calls) {
  if (IsRerunnableCall(info, rerunnable_calls) || info.changes_no_schema || info.ddl.idempotent) {
    return OfKind(PreImage::Kind::kIdempotent);
  }
  if (!info.ddl.probeable) return OfKind(PreImage::Kind::kUnknown);
  PreImage image = OfKind(PreImage::Kind::kProbe);
  CHIMP_ASSIGN_OR_RETURN(std::string fingerprint, ProbeFingerprint(conn, info.ddl));
  image.fingerprints.push_back(std::move(fingerprint));
  return image;
}

}  // namespace chimp::internal
