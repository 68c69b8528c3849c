#include "recovery/pre_image.hpp"

#include "recovery/probe.hpp"
#include "recovery/routine_ddl.hpp"

namespace chimp::internal {

namespace {

constexpr std::string_view kIdempotent = "idempotent";
constexpr std::string_view kRerun = "rerun";
constexpr std::string_view kUnknown = "unknown";
constexpr std::string_view kProbePrefix = "sha256:";

bool NamesAccount(const DdlShape& shape) {
  for (const DdlObject& object : shape.objects) {
    if (object.kind == DdlObject::Kind::kAccount) return true;
  }
  return false;
}

// ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR,
// ER_SPECIFIC_ACCESS_DENIED_ERROR.
bool IsAccessDenied(const Status& status) {
  const unsigned int error = status.server_errno();
  return error == 1044 || error == 1142 || error == 1227;
}

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

Result<DdlShape> ProbeShape(Connection& conn, const ClassifiedStatement& statement) {
  const StatementInfo& info = statement.info;
  if (info.ddl.probeable || !info.called_routine || info.commits_implicitly) return info.ddl;
  CHIMP_ASSIGN_OR_RETURN(auto called, ReadCallDdl(conn, statement.statement.text, *info.called_routine));
  if (!called) return info.ddl;
  return std::move(called->shape);
}

Result<PreImage> TakePreImage(Connection& conn, const ClassifiedStatement& statement,
                              const std::vector<std::string>& rerunnable_calls, std::vector<DdlObject>* objects) {
  const StatementInfo& info = statement.info;
  *objects = info.ddl.objects;
  if (IsRerunnableCall(info, rerunnable_calls) || info.changes_no_schema || info.ddl.idempotent) {
    return OfKind(PreImage::Kind::kIdempotent);
  }
  CHIMP_ASSIGN_OR_RETURN(DdlShape shape, ProbeShape(conn, statement));
  *objects = shape.objects;
  if (shape.probeable && shape.idempotent) return OfKind(PreImage::Kind::kIdempotent);
  if (!shape.probeable) return OfKind(PreImage::Kind::kUnknown);
  PreImage image = OfKind(PreImage::Kind::kProbe);
  auto fingerprint = ProbeFingerprint(conn, shape);
  // Reading another account needs SELECT on `mysql`: without it, only the
  // operator can tell, as before accounts were probed.
  if (!fingerprint.ok() && NamesAccount(shape) && IsAccessDenied(fingerprint.status())) {
    return OfKind(PreImage::Kind::kUnknown);
  }
  if (!fingerprint.ok()) return fingerprint.status();
  image.fingerprints.push_back(std::move(fingerprint).value());
  return image;
}

}  // namespace chimp::internal
