#include "plugin/descriptor_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <utility>

#include "util/fd_io.hpp"
#include "util/sha256.hpp"

namespace chimp::internal {

namespace {

// Bumped whenever the encoding or what the loader copies changes.
constexpr const char* kFormat = "chimp-descriptor-cache 2";

// A tripwire: a field added to the model must be added to the encoding
// below (and kFormat bumped), or a cached descriptor would lack it.
static_assert(sizeof(Step) == 312 && sizeof(PluginInfo) == 232 && sizeof(Edge) == 280 && sizeof(Repeatable) == 352,
              "chimp/model.hpp changed: update EncodeDescriptor/DecodeDescriptor and bump kFormat, then these sizes");

// ---- Encoding: every field is "<length>:<bytes>", in a fixed order ----

class Writer {
 public:
  void Text(const std::string& s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
  }
  void Number(uint64_t n) { Text(std::to_string(n)); }
  void Flag(bool b) { Text(b ? "1" : "0"); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}

  bool Text(std::string* s) {
    size_t length = 0;
    size_t at = at_;
    while (at < in_.size() && in_[at] >= '0' && in_[at] <= '9' && at - at_ < 10) {
      length = length * 10 + static_cast<size_t>(in_[at] - '0');
      ++at;
    }
    if (at == at_ || at >= in_.size() || in_[at] != ':' || in_.size() - at - 1 < length) return false;
    *s = in_.substr(at + 1, length);
    at_ = at + 1 + length;
    return true;
  }
  bool Number(uint64_t* n, uint64_t max) {
    std::string s;
    if (!Text(&s) || s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > max) return false;
    *n = v;
    return true;
  }
  bool Number32(uint32_t* n) {
    uint64_t v = 0;
    if (!Number(&v, UINT32_MAX)) return false;
    *n = static_cast<uint32_t>(v);
    return true;
  }
  bool Flag(bool* b) {
    uint64_t v = 0;
    if (!Number(&v, 1)) return false;
    *b = v == 1;
    return true;
  }
  bool AtEnd() const { return at_ == in_.size(); }

 private:
  const std::string& in_;
  size_t at_ = 0;
};

// What a step with a function runs when its descriptor came from the cache:
// such a catalog is for planning; executing it is a bug, refused.
chimp_status NotLoaded(const chimp_step_ctx* ctx) {
  if (ctx != nullptr && ctx->services != nullptr && ctx->services->set_error != nullptr) {
    ctx->services->set_error(ctx->session,
                             "the plugin's code is not loaded (its descriptor came from the descriptor cache)");
  }
  return CHIMP_ERROR;
}

void EncodeStep(const Step& s, Writer* w) {
  w->Text(s.id);
  w->Text(s.description);
  w->Number(static_cast<uint64_t>(s.kind));
  w->Number(static_cast<uint64_t>(s.phase));
  w->Flag(s.has_ddl);
  w->Flag(s.idempotent);
  w->Text(s.sql);
  w->Text(s.source);
  w->Text(s.checksum);
  w->Text(s.proposed_at);
  w->Flag(s.run != nullptr);
  w->Number(static_cast<uint64_t>(s.dialect));
  w->Flag(s.database.has_value());
  w->Text(s.database.value_or(""));
  w->Text(s.session_sql);
  w->Flag(s.warnings_fatal);
  w->Flag(s.preflight);  // format 2
  w->Flag(s.online);
}

bool DecodeStep(Reader* r, Step* s) {
  uint64_t kind = 0, phase = 0, dialect = 0;
  bool has_run = false, has_database = false;
  std::string database;
  if (!(r->Text(&s->id) && r->Text(&s->description) && r->Number(&kind, 2) && r->Number(&phase, 1) &&
        r->Flag(&s->has_ddl) && r->Flag(&s->idempotent) && r->Text(&s->sql) && r->Text(&s->source) &&
        r->Text(&s->checksum) && r->Text(&s->proposed_at) && r->Flag(&has_run) && r->Number(&dialect, 1) &&
        r->Flag(&has_database) && r->Text(&database) && r->Text(&s->session_sql) && r->Flag(&s->warnings_fatal) &&
        r->Flag(&s->preflight) && r->Flag(&s->online))) {
    return false;
  }
  s->kind = static_cast<StepKind>(kind);
  s->phase = static_cast<Phase>(phase);
  s->dialect = static_cast<SqlDialect>(dialect);
  if (has_database) s->database = std::move(database);
  s->run = has_run ? &NotLoaded : nullptr;
  s->user = nullptr;
  return true;
}

bool DecodeVersion(Reader* r, bool allow_empty, Version* v) {
  std::string text;
  if (!r->Text(&text)) return false;
  auto parsed = Version::Parse(text, "descriptor cache", allow_empty);
  if (!parsed.ok()) return false;
  *v = std::move(parsed).value();
  return true;
}

// ---- Files ----

// A directory or file only the running user can read and write.
bool Private(const struct stat& st) { return st.st_uid == ::geteuid() && (st.st_mode & 077) == 0; }

bool PrivateDirectory(const std::string& dir) {
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && Private(st);
}

// `dir` and the parents it lacks, each made 0700 (the XDG rule for
// $XDG_CACHE_HOME); true when `dir` then exists and is private.
bool MakePrivateDirectory(const std::string& dir) {
  if (PrivateDirectory(dir)) return true;
  const size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string parent = dir.substr(0, slash);
    struct stat st {};
    if (::stat(parent.c_str(), &st) != 0 && !MakePrivateDirectory(parent)) return false;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  return PrivateDirectory(dir);
}

std::string Header(const std::string& sha256) {
  return std::string(kFormat) + "\nengine " + CHIMP_ENGINE_VERSION + "\nabi " + std::to_string(CHIMP_ABI_MAJOR) + "." +
         std::to_string(CHIMP_ABI_MINOR) + "\nfile-sha256 " + sha256 + "\n";
}

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string EncodeDescriptor(const LoadedPlugin& plugin) {
  Writer w;
  const PluginInfo& info = *plugin.info;
  w.Text(info.name);
  w.Text(info.version);
  w.Text(info.description);
  w.Number(info.abi_major);
  w.Number(info.abi_minor);
  w.Number(info.min_host_minor);
  w.Text(info.session_sql);
  w.Text(info.legacy_version_query);
  w.Number(info.rerunnable_calls.size());
  for (const std::string& p : info.rerunnable_calls) w.Text(p);
  w.Number(plugin.edges.size());
  for (const Edge& edge : plugin.edges) {
    w.Text(edge.from.ToString());
    w.Text(edge.to.ToString());
    w.Text(edge.description);
    w.Text(edge.target_fingerprint);
    w.Number(edge.steps.size());
    for (const Step& step : edge.steps) EncodeStep(step, &w);
  }
  w.Number(plugin.repeatables.size());
  for (const Repeatable& r : plugin.repeatables) {
    w.Number(static_cast<uint64_t>(r.when));
    EncodeStep(r.step, &w);
  }
  return w.Take();
}

std::optional<LoadedPlugin> DecodeDescriptor(const std::string& payload, const std::string& file) {
  Reader r(payload);
  auto info = std::make_shared<PluginInfo>();
  info->file = file;
  uint64_t count = 0;
  if (!(r.Text(&info->name) && r.Text(&info->version) && r.Text(&info->description) && r.Number32(&info->abi_major) &&
        r.Number32(&info->abi_minor) && r.Number32(&info->min_host_minor) && r.Text(&info->session_sql) &&
        r.Text(&info->legacy_version_query) && r.Number(&count, payload.size()))) {
    return std::nullopt;
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string p;
    if (!r.Text(&p)) return std::nullopt;
    info->rerunnable_calls.push_back(std::move(p));
  }
  LoadedPlugin plugin;
  plugin.info = info;
  uint64_t edges = 0;
  if (!r.Number(&edges, payload.size())) return std::nullopt;
  for (uint64_t i = 0; i < edges; ++i) {
    Edge edge;
    uint64_t steps = 0;
    if (!(DecodeVersion(&r, true, &edge.from) && DecodeVersion(&r, false, &edge.to) && r.Text(&edge.description) &&
          r.Text(&edge.target_fingerprint) && r.Number(&steps, payload.size()))) {
      return std::nullopt;
    }
    for (uint64_t j = 0; j < steps; ++j) {
      Step step;
      if (!DecodeStep(&r, &step)) return std::nullopt;
      edge.steps.push_back(std::move(step));
    }
    edge.plugin = info;
    plugin.edges.push_back(std::move(edge));
  }
  uint64_t repeatables = 0;
  if (!r.Number(&repeatables, payload.size())) return std::nullopt;
  auto pseudo = std::make_shared<Edge>();  // as the loader makes it
  pseudo->description = "repeatable";
  pseudo->plugin = info;
  for (uint64_t i = 0; i < repeatables; ++i) {
    Repeatable rep;
    uint64_t when = 0;
    if (!(r.Number(&when, 1) && DecodeStep(&r, &rep.step))) return std::nullopt;
    rep.when = static_cast<RepeatableWhen>(when);
    rep.plugin = info;
    rep.edge = pseudo;
    plugin.repeatables.push_back(std::move(rep));
  }
  if (!r.AtEnd()) return std::nullopt;
  return plugin;
}

std::optional<DescriptorCache> DescriptorCache::FromEnvironment() {
  const char* named = std::getenv("CHIMP_DESCRIPTOR_CACHE");
  if (named != nullptr && *named != '\0') {
    if (std::string(named) == "off") return std::nullopt;
    return DescriptorCache(named);
  }
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return DescriptorCache(std::string(xdg) + "/chimp");
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return DescriptorCache(std::string(home) + "/.cache/chimp");
  return std::nullopt;
}

namespace {

// The content of the private regular file `path`, or nullopt.
std::optional<std::string> ReadPrivate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string content;
  const bool read = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && Private(st) && ReadAll(fd, &content);
  ::close(fd);
  if (!read) return std::nullopt;
  return content;
}

// Writes `content` to `path` (mode 0600) through a temporary name.
void WritePrivate(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string path = dir + "/" + name;
  const std::string temp = dir + "/." + name + "." + std::to_string(::getpid()) + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  const bool written = WriteAll(fd, content);
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temp.c_str(), path.c_str()) != 0) ::unlink(temp.c_str());
}

// What KnownDigest compares: the file's path and identity.
std::string Identity(const std::string& file, const struct stat& st) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%ju %ju %jd %jd.%09ld %jd.%09ld", static_cast<uintmax_t>(st.st_dev),
                static_cast<uintmax_t>(st.st_ino), static_cast<intmax_t>(st.st_size),
                static_cast<intmax_t>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec, static_cast<intmax_t>(st.st_ctim.tv_sec),
                st.st_ctim.tv_nsec);
  return std::string(kFormat) + "\npath " + file + "\nidentity " + buf + "\nfile-sha256 ";
}

}  // namespace

std::optional<std::string> DescriptorCache::KnownDigest(const std::string& file, const struct stat& st) const {
  if (!PrivateDirectory(dir_)) return std::nullopt;
  std::optional<std::string> content = ReadPrivate(dir_ + "/" + Sha256Hex(file) + ".stat");
  const std::string expect = Identity(file, st);
  if (!content || content->size() != expect.size() + 65 || content->compare(0, expect.size(), expect) != 0 ||
      content->back() != '\n') {
    return std::nullopt;
  }
  std::string sha256 = content->substr(expect.size(), 64);
  if (!IsHex64(sha256)) return std::nullopt;
  return sha256;
}

void DescriptorCache::RememberDigest(const std::string& file, const struct stat& st, const std::string& sha256) const {
  struct timespec now {};
  if (!IsHex64(sha256) || ::clock_gettime(CLOCK_REALTIME, &now) != 0 || st.st_ctim.tv_sec + 2 > now.tv_sec ||
      !MakePrivateDirectory(dir_)) {
    return;
  }
  WritePrivate(dir_, Sha256Hex(file) + ".stat", Identity(file, st) + sha256 + "\n");
}

std::optional<LoadedPlugin> DescriptorCache::Find(const std::string& sha256, const std::string& file) const {
  if (!IsHex64(sha256) || !PrivateDirectory(dir_)) return std::nullopt;
  std::optional<std::string> read = ReadPrivate(dir_ + "/" + sha256 + ".desc");
  if (!read) return std::nullopt;
  const std::string& content = *read;
  // <header>payload-sha256 <hex>\n<payload>
  const std::string header = Header(sha256);
  if (content.compare(0, header.size(), header) != 0) return std::nullopt;
  const std::string tag = "payload-sha256 ";
  const size_t at = header.size();
  if (content.compare(at, tag.size(), tag) != 0 || content.size() < at + tag.size() + 65) return std::nullopt;
  const std::string digest = content.substr(at + tag.size(), 64);
  if (content[at + tag.size() + 64] != '\n') return std::nullopt;
  const std::string payload = content.substr(at + tag.size() + 65);
  if (Sha256Hex(payload) != digest) return std::nullopt;
  return DecodeDescriptor(payload, file);
}

void DescriptorCache::Store(const std::string& sha256, const LoadedPlugin& plugin) const {
  if (!IsHex64(sha256) || !MakePrivateDirectory(dir_)) return;
  const std::string payload = EncodeDescriptor(plugin);
  WritePrivate(dir_, sha256 + ".desc", Header(sha256) + "payload-sha256 " + Sha256Hex(payload) + "\n" + payload);
}

}  // namespace chimp::internal
