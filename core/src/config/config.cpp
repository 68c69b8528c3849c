// The TOML adapter: the only place toml++ is included (STYLE.md rule 4).
#include "chimp/config.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include <toml++/toml.h>

namespace chimp {
namespace {

namespace fs = std::filesystem;

const char* TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "an unknown type";
}

// Reads a whole file; errors name the path only.
Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound(std::string(what) + " '" + path + "': no such file");
  }
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(std::string(what) + " '" + path + "': is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Status::InvalidArgument(std::string(what) + " '" + path + "': cannot open: " + std::strerror(err));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidArgument(std::string(what) + " '" + path + "': read error");
  }
  return buf.str();
}

// Applies one config file. Holds the context every message needs.
class ConfigReader {
 public:
  ConfigReader(std::string path, EngineOptions* options) : path_(std::move(path)), options_(options) {
    std::error_code ec;
    fs::path abs = fs::absolute(path_, ec);
    dir_ = (ec ? fs::path(path_) : abs).parent_path();
  }

  Status Apply(const toml::table& root) {
    for (auto&& [key, node] : root) {
      std::string name(key.str());
      const toml::table* table = node.as_table();
      if (name == "database" || name == "plugins" || name == "changelog" || name == "online" || name == "rehearse") {
        if (table == nullptr) {
          return Error(node, "'" + name + "' must be a table ([" + name + "]), not " + TypeName(node.type()));
        }
        if (name == "database") CHIMP_RETURN_IF_ERROR(ApplyDatabase(*table));
        if (name == "plugins") CHIMP_RETURN_IF_ERROR(ApplyPlugins(*table));
        if (name == "changelog") CHIMP_RETURN_IF_ERROR(ApplyChangelog(*table));
        if (name == "online") CHIMP_RETURN_IF_ERROR(ApplyOnline(*table));
        if (name == "rehearse") CHIMP_RETURN_IF_ERROR(ApplyRehearse(*table));
        continue;
      }
      if (name == "targets") {
        CHIMP_RETURN_IF_ERROR(ApplyTargets(node));
        continue;
      }
      return ErrorAt(key.source(), "unknown " + std::string(table ? "table" : "key") + " '" + name +
                                       "' (known tables: database, plugins, changelog, online, rehearse, [[targets]])");
    }
    if (has_password_ && has_password_file_) {
      return Status::InvalidArgument(path_ + ": set either database.password or database.password_file, not both");
    }
    if (has_name_ && !options_->targets.empty()) {
      return Status::InvalidArgument(path_ +
                                     ": database.name and [[targets]] both name the databases to migrate; "
                                     "keep one (each [[targets]] table names its own with database or databases)");
    }
    return Status::Ok();
  }

 private:
  using Handler = std::function<Status(const toml::node&, const std::string& key)>;

  // Runs the handler of every key in `table`; an unknown key is an error that
  // lists the known ones.
  Status ApplyTable(const toml::table& table, const std::string& table_name,
                    const std::map<std::string, Handler>& handlers) {
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      std::string full = table_name + "." + name;
      auto it = handlers.find(name);
      if (it == handlers.end()) {
        std::string known;
        for (const auto& [k, h] : handlers) known += (known.empty() ? "" : ", ") + k;
        return ErrorAt(key.source(), "unknown key '" + full + "' (known keys in [" + table_name + "]: " + known + ")");
      }
      CHIMP_RETURN_IF_ERROR(it->second(node, full));
    }
    return Status::Ok();
  }

  Status ApplyDatabase(const toml::table& table) {
    ConnectionOptions& c = options_->connection;
    std::map<std::string, Handler> h;
    h["host"] = StringInto(&c.host);
    h["socket"] = StringInto(&c.socket);
    h["user"] = StringInto(&c.user);
    h["name"] = [this](const toml::node& n, const std::string& key) -> Status {
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &options_->database));
      has_name_ = true;
      return Status::Ok();
    };
    h["ssl_ca"] = PathInto(&c.ssl_ca);
    h["ssl_cert"] = PathInto(&c.ssl_cert);
    h["ssl_key"] = PathInto(&c.ssl_key);
    h["port"] = [this, &c](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 1, 65535, &v));
      c.port = static_cast<uint32_t>(v);
      return Status::Ok();
    };
    h["connect_timeout"] = [this, &c](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 0, 86400, &v));
      c.connect_timeout_s = static_cast<uint32_t>(v);
      return Status::Ok();
    };
    h["ssl_verify_server_cert"] = BoolInto(&c.ssl_verify_server_cert);
    h["read_default_option_file"] = BoolInto(&c.read_default_option_file);
    h["password"] = [this, &c](const toml::node& n, const std::string& key) -> Status {
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &c.password));
      has_password_ = true;
      return Status::Ok();
    };
    h["password_file"] = [this, &c](const toml::node& n, const std::string& key) -> Status {
      std::string file;
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &file));
      file = Resolve(file);
      Result<std::string> pw = ReadPasswordFile(file);
      if (!pw.ok()) return pw.status().WithContext(Where(n) + key);
      c.password = std::move(pw).value();
      has_password_file_ = true;
      return Status::Ok();
    };
    return ApplyTable(table, "database", h);
  }

  // [[targets]]: an array of tables, each a server and its databases.
  Status ApplyTargets(const toml::node& node) {
    const toml::array* list = node.as_array();
    if (list == nullptr || !list->is_array_of_tables()) {
      return Error(node,
                   "'targets' must be an array of tables ([[targets]]), not " + std::string(TypeName(node.type())));
    }
    options_->targets.clear();
    for (const toml::node& item : *list) CHIMP_RETURN_IF_ERROR(ApplyTarget(*item.as_table()));
    return Status::Ok();
  }

  Status ApplyTarget(const toml::table& table) {
    FleetTarget t;
    t.where = path_ + ":" + std::to_string(table.source().begin.line);
    auto optional_string = [this](std::optional<std::string>* out) -> Handler {
      return [this, out](const toml::node& n, const std::string& key) -> Status {
        std::string v;
        CHIMP_RETURN_IF_ERROR(GetString(n, key, &v));
        *out = std::move(v);
        return Status::Ok();
      };
    };
    std::map<std::string, Handler> h;
    h["host"] = optional_string(&t.host);
    h["socket"] = optional_string(&t.socket);
    h["user"] = optional_string(&t.user);
    h["port"] = [this, &t](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 1, 65535, &v));
      t.port = static_cast<uint32_t>(v);
      return Status::Ok();
    };
    h["password_file"] = [this, &t](const toml::node& n, const std::string& key) -> Status {
      std::string file;
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &file));
      Result<std::string> pw = ReadPasswordFile(Resolve(file));
      if (!pw.ok()) return pw.status().WithContext(Where(n) + key);
      t.password = std::move(pw).value();
      return Status::Ok();
    };
    h["database"] = [this, &t](const toml::node& n, const std::string& key) -> Status {
      if (const auto* one = n.as_string()) {
        t.databases.push_back(one->get());
      } else if (const auto* names = n.as_array()) {
        for (const toml::node& item : *names) {
          const auto* name = item.as_string();
          if (name == nullptr) return Error(item, "'" + key + "' must hold strings, not " + TypeName(item.type()));
          t.databases.push_back(name->get());
        }
      } else {
        return Error(n, "'" + key + "' must be a string or an array of strings, not " + TypeName(n.type()));
      }
      for (const std::string& name : t.databases) {
        if (name.empty()) return Error(n, "'" + key + "' must not name an empty database");
      }
      return Status::Ok();
    };
    h["databases"] = [this, &t](const toml::node& n, const std::string& key) -> Status {
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &t.pattern));
      if (t.pattern.empty()) return Error(n, "'" + key + "' must not be an empty pattern");
      return Status::Ok();
    };
    CHIMP_RETURN_IF_ERROR(ApplyTable(table, "targets", h));
    if (!t.databases.empty() && !t.pattern.empty()) {
      return Status::InvalidArgument(t.where +
                                     ": [[targets]] sets both 'database' (names) and 'databases' (a "
                                     "pattern); give one");
    }
    options_->targets.push_back(std::move(t));
    return Status::Ok();
  }

  Status ApplyPlugins(const toml::table& table) {
    std::map<std::string, Handler> h;
    h["paths"] = [this](const toml::node& n, const std::string& key) -> Status {
      return GetPaths(n, key, &options_->plugin_dirs);
    };
    h["trusted_keys"] = [this](const toml::node& n, const std::string& key) -> Status {
      return GetPaths(n, key, &options_->bundle_trust.trusted_keys);
    };
    h["require_signature"] = BoolInto(&options_->bundle_trust.require_signature);
    return ApplyTable(table, "plugins", h);
  }

  Status ApplyChangelog(const toml::table& table) {
    std::map<std::string, Handler> h;
    h["schema"] = [this](const toml::node& n, const std::string& key) -> Status {
      std::string v;
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &v));
      if (v.empty()) return Error(n, "'" + key + "' must not be empty");
      options_->changelog_schema = std::move(v);
      return Status::Ok();
    };
    h["lock_timeout"] = [this](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 0, 86400 * 7, &v));
      options_->lock_timeout = std::chrono::seconds(v);
      return Status::Ok();
    };
    h["lock_wait_timeout"] = [this](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 1, 31536000, &v));
      options_->lock_wait_timeout = std::chrono::seconds(v);
      return Status::Ok();
    };
    h["lock"] = [this](const toml::node& n, const std::string& key) -> Status {
      std::string v;
      CHIMP_RETURN_IF_ERROR(GetString(n, key, &v));
      std::optional<LockKind> kind = ParseLockKind(v);
      if (!kind) return Error(n, "'" + key + "' must be \"auto\", \"named\" or \"lease\", not \"" + v + "\"");
      options_->lock_kind = *kind;
      return Status::Ok();
    };
    h["lease_seconds"] = [this](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 1, 86400, &v));
      options_->lease_ttl = std::chrono::seconds(v);
      return Status::Ok();
    };
    return ApplyTable(table, "changelog", h);
  }

  // [online]: pt-online-schema-change's settings for steps marked online.
  Status ApplyOnline(const toml::table& table) {
    OnlineAlterOptions& o = options_->online;
    std::map<std::string, Handler> h;
    h["program"] = StringInto(&o.program);
    h["max_load"] = StringInto(&o.max_load);
    h["critical_load"] = StringInto(&o.critical_load);
    h["recursion_method"] = StringInto(&o.recursion_method);
    h["chunk_size"] = [this, &o](const toml::node& n, const std::string& key) -> Status {
      int64_t v = 0;
      CHIMP_RETURN_IF_ERROR(GetInteger(n, key, 1, 100000000, &v));
      o.chunk_size = static_cast<uint64_t>(v);
      return Status::Ok();
    };
    h["chunk_time"] = SecondsInto(&o.chunk_time);
    h["max_lag"] = SecondsInto(&o.max_lag);
    return ApplyTable(table, "online", h);
  }

  // A positive number of seconds (integer or fraction).
  Handler SecondsInto(double* out) {
    return [this, out](const toml::node& n, const std::string& key) -> Status {
      std::optional<double> v;
      if (const auto* f = n.as_floating_point()) v = f->get();
      if (const auto* i = n.as_integer()) v = static_cast<double>(i->get());
      if (!v || !(*v > 0) || *v > 86400) {
        return Error(n, "'" + key + "' must be a number of seconds above 0 and at most 86400");
      }
      *out = *v;
      return Status::Ok();
    };
  }

  Status ApplyRehearse(const toml::table& table) {
    std::map<std::string, Handler> h;
    h["server_bin_dir"] = PathInto(&options_->server_bin_dir);
    return ApplyTable(table, "rehearse", h);
  }

  Handler StringInto(std::string* out) {
    return [this, out](const toml::node& n, const std::string& key) { return GetString(n, key, out); };
  }
  Handler PathInto(std::string* out) {
    return [this, out](const toml::node& n, const std::string& key) -> Status {
      CHIMP_RETURN_IF_ERROR(GetString(n, key, out));
      *out = Resolve(*out);
      return Status::Ok();
    };
  }
  Handler BoolInto(bool* out) {
    return [this, out](const toml::node& n, const std::string& key) -> Status {
      const auto* b = n.as_boolean();
      if (b == nullptr) {
        return Error(n, "'" + key + "' must be a boolean (true or false), not " + TypeName(n.type()));
      }
      *out = b->get();
      return Status::Ok();
    };
  }

  // An array of strings (or one string), each resolved against the file's directory.
  Status GetPaths(const toml::node& n, const std::string& key, std::vector<std::string>* out) {
    std::vector<std::string> paths;
    if (const auto* s = n.as_string()) {
      paths.push_back(Resolve(s->get()));
    } else if (const auto* arr = n.as_array()) {
      for (const toml::node& item : *arr) {
        const auto* s2 = item.as_string();
        if (s2 == nullptr) {
          return Error(item, "'" + key + "' must be an array of strings, but holds " + TypeName(item.type()));
        }
        paths.push_back(Resolve(s2->get()));
      }
    } else {
      return Error(n, "'" + key + "' must be an array of strings, not " + TypeName(n.type()));
    }
    *out = std::move(paths);
    return Status::Ok();
  }

  Status GetString(const toml::node& n, const std::string& key, std::string* out) {
    const auto* s = n.as_string();
    if (s == nullptr) return Error(n, "'" + key + "' must be a string, not " + TypeName(n.type()));
    *out = s->get();
    return Status::Ok();
  }

  Status GetInteger(const toml::node& n, const std::string& key, int64_t min, int64_t max, int64_t* out) {
    const auto* i = n.as_integer();
    if (i == nullptr) return Error(n, "'" + key + "' must be an integer, not " + TypeName(n.type()));
    int64_t v = i->get();
    if (v < min || v > max) {
      return Error(n, "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", not " + std::to_string(v));
    }
    *out = v;
    return Status::Ok();
  }

  // A path from the file: relative ones are relative to the file's directory.
  std::string Resolve(const std::string& p) const {
    if (p.empty()) return p;
    fs::path path(p);
    if (path.is_absolute()) return p;
    return (dir_ / path).lexically_normal().string();
  }

  std::string Where(const toml::node& n) const { return path_ + ":" + std::to_string(n.source().begin.line) + ": "; }
  Status Error(const toml::node& n, const std::string& msg) const { return Status::InvalidArgument(Where(n) + msg); }
  Status ErrorAt(const toml::source_region& region, const std::string& msg) const {
    return Status::InvalidArgument(path_ + ":" + std::to_string(region.begin.line) + ": " + msg);
  }

  std::string path_;
  fs::path dir_;
  EngineOptions* options_;
  bool has_password_ = false;
  bool has_password_file_ = false;
  bool has_name_ = false;
};

}  // namespace

Status ApplyConfigFile(const std::string& path, EngineOptions* options) {
  Result<std::string> text = ReadFile(path, "config file");
  if (!text.ok()) return text.status();
  try {
    toml::table root = toml::parse(*text, path);
    ConfigReader reader(path, options);
    return reader.Apply(root);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidArgument(path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                                   ": invalid TOML: " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(path + ": reading the config failed: " + e.what());
  }
}

std::string EnvironmentValue(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

Result<bool> ParseBool(const std::string& value, const std::string& what) {
  std::string v;
  for (char ch : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  return Status::InvalidArgument(what + ": '" + value + "' is not a boolean (use 1/0, true/false, yes/no or on/off)");
}

namespace {

// One CHIMP_* variable of ApplyEnvironment: its value when set and not empty.
std::optional<std::string> EnvSetting(const char* name) {
  std::string v = EnvironmentValue(name);
  if (v.empty()) return std::nullopt;
  return v;
}

Result<int64_t> EnvInteger(const char* name, const std::string& value, int64_t min, int64_t max) {
  int64_t v = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (ec != std::errc() || ptr != end) {
    return Status::InvalidArgument(std::string("environment variable ") + name + ": '" + value + "' is not an integer");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument(std::string("environment variable ") + name + ": must be between " +
                                   std::to_string(min) + " and " + std::to_string(max) + ", not " + value);
  }
  return v;
}

// A ':'-separated list of paths; empty entries are skipped.
std::vector<std::string> EnvList(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string::npos) end = value.size();
    if (end > start) out.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Status ApplyEnvironment(EngineOptions* options) {
  ConnectionOptions& c = options->connection;
  const std::string env = "environment variable ";
  auto host = EnvSetting("CHIMP_HOST");
  auto port = EnvSetting("CHIMP_PORT");
  auto socket = EnvSetting("CHIMP_SOCKET");
  if (port) {
    CHIMP_ASSIGN_OR_RETURN(int64_t v, EnvInteger("CHIMP_PORT", *port, 1, 65535));
    c.port = static_cast<uint32_t>(v);
  }
  if ((host || port) && !socket) c.socket.clear();
  if (host) c.host = *host;
  if (socket) c.socket = *socket;
  if (auto v = EnvSetting("CHIMP_USER")) c.user = *v;
  if (auto v = EnvSetting("CHIMP_DATABASE")) options->database = *v;
  if (auto v = EnvSetting("CHIMP_SSL_CA")) c.ssl_ca = *v;
  if (auto v = EnvSetting("CHIMP_SSL_CERT")) c.ssl_cert = *v;
  if (auto v = EnvSetting("CHIMP_SSL_KEY")) c.ssl_key = *v;
  if (auto v = EnvSetting("CHIMP_SSL_VERIFY_SERVER_CERT")) {
    CHIMP_ASSIGN_OR_RETURN(c.ssl_verify_server_cert, ParseBool(*v, env + "CHIMP_SSL_VERIFY_SERVER_CERT"));
  }
  if (auto v = EnvSetting("CHIMP_CONNECT_TIMEOUT")) {
    CHIMP_ASSIGN_OR_RETURN(int64_t t, EnvInteger("CHIMP_CONNECT_TIMEOUT", *v, 0, 86400));
    c.connect_timeout_s = static_cast<uint32_t>(t);
  }
  const char* pw = std::getenv("CHIMP_PASSWORD");
  auto pw_file = EnvSetting("CHIMP_PASSWORD_FILE");
  if (pw != nullptr && pw_file) {
    return Status::InvalidArgument("set either CHIMP_PASSWORD or CHIMP_PASSWORD_FILE in the environment, not both");
  }
  if (pw != nullptr) c.password = pw;
  if (pw_file) {
    Result<std::string> password = ReadPasswordFile(*pw_file);
    if (!password.ok()) return password.status().WithContext(env + "CHIMP_PASSWORD_FILE");
    c.password = std::move(password).value();
  }
  if (auto v = EnvSetting("CHIMP_PLUGINS")) options->plugin_dirs = EnvList(*v);
  if (auto v = EnvSetting("CHIMP_TRUSTED_KEYS")) options->bundle_trust.trusted_keys = EnvList(*v);
  if (auto v = EnvSetting("CHIMP_REQUIRE_SIGNATURE")) {
    CHIMP_ASSIGN_OR_RETURN(options->bundle_trust.require_signature, ParseBool(*v, env + "CHIMP_REQUIRE_SIGNATURE"));
  }
  if (auto v = EnvSetting("CHIMP_CHANGELOG_SCHEMA")) options->changelog_schema = *v;
  if (auto v = EnvSetting("CHIMP_LOCK_TIMEOUT")) {
    CHIMP_ASSIGN_OR_RETURN(int64_t t, EnvInteger("CHIMP_LOCK_TIMEOUT", *v, 0, 86400 * 7));
    options->lock_timeout = std::chrono::seconds(t);
  }
  if (auto v = EnvSetting("CHIMP_LOCK_WAIT_TIMEOUT")) {
    CHIMP_ASSIGN_OR_RETURN(int64_t t, EnvInteger("CHIMP_LOCK_WAIT_TIMEOUT", *v, 1, 31536000));
    options->lock_wait_timeout = std::chrono::seconds(t);
  }
  if (auto v = EnvSetting("CHIMP_LOCK")) {
    std::optional<LockKind> kind = ParseLockKind(*v);
    if (!kind) {
      return Status::InvalidArgument(env + "CHIMP_LOCK: must be \"auto\", \"named\" or \"lease\", not \"" + *v + "\"");
    }
    options->lock_kind = *kind;
  }
  if (auto v = EnvSetting("CHIMP_LEASE_SECONDS")) {
    CHIMP_ASSIGN_OR_RETURN(int64_t t, EnvInteger("CHIMP_LEASE_SECONDS", *v, 1, 86400));
    options->lease_ttl = std::chrono::seconds(t);
  }
  if (auto v = EnvSetting("CHIMP_SERVER_BIN_DIR")) options->server_bin_dir = *v;
  return Status::Ok();
}

Result<std::string> ReadPasswordFile(const std::string& path) {
  Result<std::string> text = ReadFile(path, "password file");
  if (!text.ok()) return text.status();
  std::string& s = *text;
  size_t end = s.find('\n');
  if (end != std::string::npos) s.resize(end);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (s.empty()) {
    return Status::InvalidArgument("password file '" + path +
                                   "' is empty: its first line must be the password (for an account without one, "
                                   "give no password file)");
  }
  return std::move(s);
}

}  // namespace chimp
