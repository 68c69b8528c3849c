#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "chimp/config.hpp"
#include "exit_codes.hpp"
#include "json_errors.hpp"
#include "log.hpp"

namespace chimp::cli {
namespace {

namespace fs = std::filesystem;

template <typename T>
CLI::Option* AddOptional(CLI::App* app, const std::string& name, std::optional<T>* target,
                         const std::string& description, const std::string& type_name) {
  CLI::Option* opt = app->add_option_function<T>(
      name, [target](const T& value) { *target = value; }, description);
  opt->type_name(type_name);
  return opt;
}

template <typename T>
const std::optional<T>& Pick(const std::optional<T>& root, const std::optional<T>& sub) {
  return sub.has_value() ? sub : root;
}

// A password file others can read is worth a warning, not a refusal: the
// operator may have reasons (a group of deploy users).
void WarnIfShared(const std::string& path) {
  std::error_code ec;
  fs::perms perms = fs::status(path, ec).permissions();
  if (ec) return;
  if ((perms & (fs::perms::group_read | fs::perms::others_read)) != fs::perms::none) {
    LogWarn("password file '" + path + "' is readable by group or others; consider chmod 600");
  }
}

}  // namespace

Status UnsupportedFormat(const std::string& command, const std::string& format,
                         const std::vector<std::string>& formats) {
  std::string list;
  for (size_t i = 0; i < formats.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ") + formats[i];
  }
  return Status::InvalidArgument("'" + command + "' does not support --format " + format + " (use " + list + ")");
}

void AddGlobalOptions(CLI::App* app, GlobalFlags* f, const std::vector<std::string>& formats,
                      const std::string& command) {
  const std::string conn = "Connection";
  AddOptional(app, "--host", &f->host, "Server host name or IP (Default: localhost)", "HOST")->group(conn);
  AddOptional(app, "--port", &f->port, "Server TCP port (Default: 3306)", "PORT")
      ->check(CLI::Range(1, 65535).description(""))
      ->group(conn);
  AddOptional(app, "--socket", &f->socket, "Unix socket; when given, --host and --port are not used", "PATH")
      ->group(conn);
  AddOptional(app, "--user", &f->user, "User name (Default: the OS user)", "NAME")->group(conn);
  app->add_option("-d,--database", f->databases,
                  "The target database: the one migrated; repeatable, for a fleet run over several (README "
                  "\"Fleet runs\")")
      ->type_name("NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(conn);
  AddOptional(app, "--databases", &f->pattern,
              "A fleet run over every schema of the server whose name is LIKE PATTERN (e.g. 'tenant_%'); never "
              "the system schemas nor the changelog schema",
              "PATTERN")
      ->group(conn);
  AddOptional(app, "--password-file", &f->password_file,
              "File whose first line is the password (there is deliberately no --password flag)", "FILE")
      ->group(conn);
  AddOptional(app, "--ssl-ca", &f->ssl_ca, "TLS: CA certificate file", "FILE")->group(conn);
  AddOptional(app, "--ssl-cert", &f->ssl_cert, "TLS: client certificate file", "FILE")->group(conn);
  AddOptional(app, "--ssl-key", &f->ssl_key, "TLS: client key file", "FILE")->group(conn);
  app->add_flag("--ssl-verify-server-cert", f->ssl_verify_server_cert,
                "TLS: verify the server's certificate and host name (Default: the Connector/C default)")
      ->group(conn);
  AddOptional(app, "--connect-timeout", &f->connect_timeout, "Seconds to wait for the server to answer (Default: 10)",
              "SECONDS")
      ->check(CLI::Range(int64_t{0}, int64_t{86400}).description(""))
      ->group(conn);
  app->add_flag("--no-defaults", f->no_defaults, "Read no MySQL option file (~/.my.cnf, /etc/mysql/my.cnf ...)")
      ->group(conn);
  AddOptional(app, "--defaults-file", &f->defaults_file,
              "Read only this MySQL option file (groups [client] and [chimp]) instead of the standard ones", "FILE")
      ->group(conn);
  AddOptional(app, "--defaults-extra-file", &f->defaults_extra_file,
              "Read this MySQL option file after the standard ones", "FILE")
      ->group(conn);

  const std::string setup = "Plugins and configuration";
  app->add_option("--plugins", f->plugins, "Directory of migration plugins (*.so); repeatable")
      ->type_name("DIR")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(setup);
  app->add_option("--trusted-key", f->trusted_keys,
                  "Ed25519 public key (PEM) whose signed bundles are trusted; repeatable. With one, only signed "
                  "bundles load (Default: [plugins] trusted_keys)")
      ->type_name("KEY.pem")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(setup);
  app->add_flag("--require-signature", f->require_signature,
                "Load only plugins from signed release bundles, even without --trusted-key (Default: "
                "[plugins] require_signature)")
      ->group(setup);
  AddOptional(app, "--config", &f->config, "Config file (Default: $CHIMP_CONFIG, else ./chimp.toml when present)",
              "FILE")
      ->group(setup);
  AddOptional(app, "--changelog-schema", &f->changelog_schema, "Schema holding the changelog tables (Default: chimp)",
              "NAME")
      ->group(setup);
  AddOptional(app, "--lock-timeout", &f->lock_timeout, "Seconds to wait for another run's migration lock (Default: 60)",
              "SECONDS")
      ->check(CLI::Range(int64_t{0}, int64_t{7 * 86400}).description(""))
      ->group(setup);
  AddOptional(app, "--lock-wait-timeout", &f->lock_wait_timeout,
              "Seconds a step's statement waits for a table or row lock another session holds, then fails "
              "(Default: 60)",
              "SECONDS")
      ->check(CLI::Range(int64_t{1}, int64_t{31536000}).description(""))
      ->group(setup);
  AddOptional(
      app, "--lock", &f->lock,
      "Migration lock: auto (Default: the lease on a Galera node, else named), named, or lease (Galera, proxies)",
      "KIND")
      ->check(CLI::IsMember({"auto", "named", "lease"}))
      ->group(setup);
  AddOptional(app, "--lease-seconds", &f->lease_seconds,
              "Lease lock only: a holder that stops renewing loses the lease after this long (Default: 30)", "SECONDS")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}).description(""))
      ->group(setup);

  const std::string online = "Online ALTER TABLE (steps marked online, through pt-online-schema-change)";
  AddOptional(app, "--online-program", &f->online_program,
              "The pt-online-schema-change program (Default: [online] program, else the one on PATH)", "PATH")
      ->group(online);
  AddOptional(app, "--online-chunk-size", &f->online_chunk_size,
              "Rows the tool copies per chunk (its --chunk-size; Default: [online] chunk_size, else 1000, adjusted "
              "to --online-chunk-time)",
              "ROWS")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}).description(""))
      ->group(online);
  AddOptional(app, "--online-chunk-time", &f->online_chunk_time,
              "Seconds one chunk should take (its --chunk-time; Default: [online] chunk_time, else 0.5)", "SECONDS")
      ->check(CLI::Range(0.001, 86400.0).description(""))
      ->group(online);
  AddOptional(app, "--online-max-load", &f->online_max_load,
              "Pause the copy while a status variable is above this (its --max-load; Default: [online] max_load, "
              "else Threads_running=25)",
              "VAR=N")
      ->group(online);
  AddOptional(app, "--online-critical-load", &f->online_critical_load,
              "Abort the change when a status variable passes this (its --critical-load; Default: [online] "
              "critical_load, else Threads_running=50)",
              "VAR=N")
      ->group(online);
  AddOptional(app, "--online-max-lag", &f->online_max_lag,
              "Pause the copy while a replica lags more than this (its --max-lag; Default: [online] max_lag, else 1)",
              "SECONDS")
      ->check(CLI::Range(0.001, 86400.0).description(""))
      ->group(online);
  AddOptional(app, "--online-recursion-method", &f->online_recursion_method,
              "How the tool finds replicas: processlist, hosts, dsn=..., none (its --recursion-method; Default: "
              "[online] recursion_method, else processlist,hosts)",
              "METHOD")
      ->group(online);
  const std::string fleet = "Fleet runs (migrate, status, plan, check, validate)";
  AddOptional(app, "-j,--jobs", &f->jobs, "Targets run at once (Default: 1)", "N")
      ->check(CLI::Range(1, 256).description(""))
      ->group(fleet);
  app->add_flag("--keep-going", f->keep_going,
                "Start the remaining targets after one failed (Default: start no new target after a failure)")
      ->group(fleet);

  const std::string output = "Output";
  std::string choices;
  std::string described;
  for (size_t i = 0; i < formats.size(); ++i) {
    choices += (i == 0 ? "" : ",") + formats[i];
    described += (i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ") + formats[i] + (i == 0 ? " (Default)" : "");
  }
  const std::string text = command.empty() ? "Output format, as the command supports it (chimp COMMAND --help lists "
                                             "them; text (Default) or json, graph: dot (Default), mermaid, json, svg "
                                             "or png)"
                                           : "Output format: " + described;
  AddOptional(app, "--format", &f->format, text, "FORMAT")
      ->check(CLI::Validator(
          [formats, command](std::string& value) -> std::string {
            if (std::find(formats.begin(), formats.end(), value) != formats.end()) return "";
            return UnsupportedFormat(command.empty() ? "chimp" : command, value, formats).message();
          },
          "{" + choices + "}", "Formats"))
      ->group(output);
  app->add_flag("-v,--verbose", f->verbose, "More detail: debug logging; plan -v prints every statement")
      ->group(output);
  app->add_flag("-q,--quiet", f->quiet,
                "Print warnings and errors only (no plan, no step lines; --format json still prints its document)")
      ->group(output);
  AddOptional(app, "--color", &f->color,
              "Coloured log lines: auto (Default: when stderr is a terminal and NO_COLOR is "
              "unset), always or never",
              "WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group(output);
}

namespace {

// The sentinels ApplyLayer puts in place of host, port and socket to see
// which of them a layer sets.
constexpr const char* kUnsetText = "\x01chimp-unset";
constexpr uint32_t kUnsetPort = 0xFFFFFFFFu;

// Runs `apply` (one layer of settings) on `*o`; a layer that sets a host or
// port but no socket means TCP, so the socket of the layers below goes.
// `*names_server` becomes true when it sets any of them.
Status ApplyLayer(EngineOptions* o, const std::function<Status(EngineOptions*)>& apply, bool* names_server) {
  ConnectionOptions& c = o->connection;
  const ConnectionOptions before = c;
  c.host = kUnsetText;
  c.port = kUnsetPort;
  c.socket = kUnsetText;
  Status status = apply(o);
  const bool host_set = c.host != kUnsetText;
  const bool port_set = c.port != kUnsetPort;
  const bool socket_set = c.socket != kUnsetText;
  if (!host_set) c.host = before.host;
  if (!port_set) c.port = before.port;
  if (!socket_set) c.socket = (host_set || port_set) ? std::string() : before.socket;
  if (host_set || port_set || socket_set) *names_server = true;
  return status;
}

// --config FILE, else CHIMP_CONFIG, else ./chimp.toml when it exists ("" = none).
std::string ConfigPath(const GlobalFlags& root, const GlobalFlags& sub) {
  if (const auto& config = Pick(root.config, sub.config)) return *config;
  std::string env = EnvironmentValue("CHIMP_CONFIG");
  if (!env.empty()) return env;
  std::error_code ec;
  if (fs::is_regular_file("chimp.toml", ec)) {
    LogDebug("reading config file ./chimp.toml");
    return "chimp.toml";
  }
  return "";
}

// Which option files to read: flags, then CHIMP_NO_DEFAULTS,
// CHIMP_DEFAULTS_FILE and CHIMP_DEFAULTS_EXTRA_FILE, then the config file's
// read_default_option_file.
Result<OptionFileChoice> ChooseOptionFiles(const GlobalFlags& root, const GlobalFlags& sub, bool config_says_read) {
  OptionFileChoice choice;
  const auto& file = Pick(root.defaults_file, sub.defaults_file);
  const auto& extra = Pick(root.defaults_extra_file, sub.defaults_extra_file);
  const bool no = root.no_defaults || sub.no_defaults;
  if (no || file || extra) {
    if (static_cast<int>(no) + static_cast<int>(file.has_value()) + static_cast<int>(extra.has_value()) > 1) {
      return Status::InvalidArgument("give one of --no-defaults, --defaults-file and --defaults-extra-file");
    }
    choice.read = !no;
    if (file) choice.defaults_file = *file;
    if (extra) choice.extra_file = *extra;
    return choice;
  }
  if (std::string v = EnvironmentValue("CHIMP_NO_DEFAULTS"); !v.empty()) {
    CHIMP_ASSIGN_OR_RETURN(bool none, ParseBool(v, "environment variable CHIMP_NO_DEFAULTS"));
    if (none) {
      choice.read = false;
      return choice;
    }
  }
  choice.defaults_file = EnvironmentValue("CHIMP_DEFAULTS_FILE");
  choice.extra_file = EnvironmentValue("CHIMP_DEFAULTS_EXTRA_FILE");
  if (!choice.defaults_file.empty() && !choice.extra_file.empty()) {
    return Status::InvalidArgument("set either CHIMP_DEFAULTS_FILE or CHIMP_DEFAULTS_EXTRA_FILE, not both");
  }
  if (choice.defaults_file.empty() && choice.extra_file.empty()) choice.read = config_says_read;
  return choice;
}

}  // namespace

namespace {

// The targets: --database (every one given, root first) or --databases
// replace CHIMP_DATABASE, [database] name and [[targets]]; the two flags
// together, or [[targets]] with CHIMP_DATABASE or a server flag, contradict
// each other (InvalidArgument, exit 2).
Status ChooseTargets(const GlobalFlags& root, const GlobalFlags& sub, Context* ctx) {
  EngineOptions& o = ctx->options;
  ctx->databases = root.databases;
  ctx->databases.insert(ctx->databases.end(), sub.databases.begin(), sub.databases.end());
  if (const auto& v = Pick(root.pattern, sub.pattern)) {
    if (v->empty()) return Status::InvalidArgument("--databases: the pattern is empty");
    ctx->pattern = *v;
  }
  if (!ctx->databases.empty() && !ctx->pattern.empty()) {
    return Status::InvalidArgument(
        "--database and --databases both name the targets: give the names (--database, "
        "repeatable) or a pattern (--databases), not both");
  }
  for (const std::string& name : ctx->databases) {
    if (name.empty()) return Status::InvalidArgument("--database: the database name is empty");
  }
  if (!ctx->databases.empty() || !ctx->pattern.empty()) {
    o.targets.clear();  // the command line wins over the config file's [[targets]]
    o.database = ctx->databases.empty() ? std::string() : ctx->databases.front();
  } else if (!o.targets.empty()) {
    if (!EnvironmentValue("CHIMP_DATABASE").empty()) {
      return Status::InvalidArgument(
          "CHIMP_DATABASE and the config file's [[targets]] both name the targets; unset "
          "CHIMP_DATABASE, or give --database to run on it alone");
    }
    const char* flag = Pick(root.host, sub.host)       ? "--host"
                       : Pick(root.port, sub.port)     ? "--port"
                       : Pick(root.socket, sub.socket) ? "--socket"
                                                       : nullptr;
    if (flag != nullptr) {
      return Status::InvalidArgument(std::string(flag) + " contradicts the config file's [[targets]] (" +
                                     o.targets.front().where +
                                     "), which name their servers; drop the flag, or give --database too to run "
                                     "on that server alone");
    }
  }
  ctx->jobs = Pick(root.jobs, sub.jobs).value_or(1);
  ctx->jobs_given = Pick(root.jobs, sub.jobs).has_value();
  ctx->keep_going = root.keep_going || sub.keep_going;
  return Status::Ok();
}

}  // namespace

Result<Context> BuildContext(const GlobalFlags& root, const GlobalFlags& sub) {
  Context ctx;
  EngineOptions& o = ctx.options;
  const std::string config = ConfigPath(root, sub);

  // Whether the config file turns the option files off: a first read, onto
  // a copy, because the option files come below the config file.
  bool config_says_read = true;
  if (!config.empty()) {
    EngineOptions probe;
    probe.connection.read_default_option_file = true;
    CHIMP_RETURN_IF_ERROR(ApplyConfigFile(config, &probe));
    config_says_read = probe.connection.read_default_option_file;
  }
  CHIMP_ASSIGN_OR_RETURN(OptionFileChoice files, ChooseOptionFiles(root, sub, config_says_read));
  // Below the option files are only the defaults: no socket to drop.
  CHIMP_RETURN_IF_ERROR(ApplyOptionFiles(files, &o));
  if (!config.empty()) {
    CHIMP_RETURN_IF_ERROR(ApplyLayer(
        &o, [&](EngineOptions* x) { return ApplyConfigFile(config, x); }, &ctx.server_named));
  }
  CHIMP_RETURN_IF_ERROR(ApplyLayer(
      &o, [](EngineOptions* x) { return ApplyEnvironment(x); }, &ctx.server_named));
  // What the option files said is in `o` now: the connection must not read
  // them again (what chimp shows is what it uses).
  o.connection.read_default_option_file = false;

  // Flags.
  ConnectionOptions& c = o.connection;
  const auto& host = Pick(root.host, sub.host);
  const auto& port = Pick(root.port, sub.port);
  const auto& socket = Pick(root.socket, sub.socket);
  // A host or port on the command line means TCP, even if the config file
  // names a socket.
  if ((host || port) && !socket) c.socket.clear();
  if (host) c.host = *host;
  if (port) c.port = *port;
  if (socket) c.socket = *socket;
  if (host || port || socket) ctx.server_named = true;
  if (const auto& v = Pick(root.user, sub.user)) c.user = *v;
  CHIMP_RETURN_IF_ERROR(ChooseTargets(root, sub, &ctx));
  if (const auto& v = Pick(root.ssl_ca, sub.ssl_ca)) c.ssl_ca = *v;
  if (const auto& v = Pick(root.ssl_cert, sub.ssl_cert)) c.ssl_cert = *v;
  if (const auto& v = Pick(root.ssl_key, sub.ssl_key)) c.ssl_key = *v;
  if (root.ssl_verify_server_cert || sub.ssl_verify_server_cert) c.ssl_verify_server_cert = true;
  if (const auto& v = Pick(root.connect_timeout, sub.connect_timeout)) c.connect_timeout_s = static_cast<uint32_t>(*v);
  if (root.require_signature || sub.require_signature) o.bundle_trust.require_signature = true;
  if (const auto& v = Pick(root.lock, sub.lock)) o.lock_kind = ParseLockKind(*v).value_or(LockKind::kAuto);
  if (const auto& v = Pick(root.lease_seconds, sub.lease_seconds)) o.lease_ttl = std::chrono::seconds(*v);
  if (const auto& v = Pick(root.password_file, sub.password_file)) {
    Result<std::string> password = ReadPasswordFile(*v);
    if (!password.ok()) return password.status().WithContext("--password-file");
    WarnIfShared(*v);
    c.password = std::move(password).value();
  }
  if (!root.plugins.empty() || !sub.plugins.empty()) {
    o.plugin_dirs = root.plugins;
    o.plugin_dirs.insert(o.plugin_dirs.end(), sub.plugins.begin(), sub.plugins.end());
  }
  if (!root.trusted_keys.empty() || !sub.trusted_keys.empty()) {
    o.bundle_trust.trusted_keys = root.trusted_keys;
    o.bundle_trust.trusted_keys.insert(o.bundle_trust.trusted_keys.end(), sub.trusted_keys.begin(),
                                       sub.trusted_keys.end());
  }
  if (const auto& v = Pick(root.changelog_schema, sub.changelog_schema)) {
    if (v->empty()) return Status::InvalidArgument("--changelog-schema: the schema name is empty");
    o.changelog_schema = *v;
  }
  if (const auto& v = Pick(root.lock_timeout, sub.lock_timeout)) o.lock_timeout = std::chrono::seconds(*v);
  if (const auto& v = Pick(root.lock_wait_timeout, sub.lock_wait_timeout)) {
    o.lock_wait_timeout = std::chrono::seconds(*v);
  }
  if (const auto& v = Pick(root.online_program, sub.online_program)) o.online.program = *v;
  if (const auto& v = Pick(root.online_chunk_size, sub.online_chunk_size)) {
    o.online.chunk_size = static_cast<uint64_t>(*v);
  }
  if (const auto& v = Pick(root.online_chunk_time, sub.online_chunk_time)) o.online.chunk_time = *v;
  if (const auto& v = Pick(root.online_max_load, sub.online_max_load)) o.online.max_load = *v;
  if (const auto& v = Pick(root.online_critical_load, sub.online_critical_load)) o.online.critical_load = *v;
  if (const auto& v = Pick(root.online_max_lag, sub.online_max_lag)) o.online.max_lag = *v;
  if (const auto& v = Pick(root.online_recursion_method, sub.online_recursion_method)) {
    o.online.recursion_method = *v;
  }
  if (const auto& v = Pick(root.format, sub.format)) ctx.format = *v;
  ctx.verbose = root.verbose + sub.verbose > 0;
  ctx.quiet = !ctx.verbose && root.quiet + sub.quiet > 0;
  return ctx;
}

namespace {

bool json_errors = false;   // SetJsonErrors
bool json_printed = false;  // PrintJson or NoteJsonPrinted ran

}  // namespace

void SetJsonErrors(bool on) { json_errors = on; }
void NoteJsonPrinted() { json_printed = true; }

Result<bool> UseColor(const GlobalFlags& root, const GlobalFlags& sub) {
  std::string when = Pick(root.color, sub.color).value_or("");
  if (when.empty()) {
    when = EnvironmentValue("CHIMP_COLOR");
    if (!when.empty() && when != "auto" && when != "always" && when != "never") {
      return Status::InvalidArgument("environment variable CHIMP_COLOR: must be auto, always or never, not '" + when +
                                     "'");
    }
  }
  if (when == "always") return true;
  if (when == "never") return false;
  if (when.empty() && !EnvironmentValue("NO_COLOR").empty()) return false;
  return ::isatty(2) == 1;
}

int Fail(const Status& status) {
  std::fflush(stdout);
  std::cerr << "chimp: " << status.message() << '\n';
  const int code = ExitCodeFor(status.code());
  if (json_errors && !json_printed) {
    PrintJson({{"error", ErrorJson(code, status.message())}});
    std::fflush(stdout);
  }
  return code;
}

Result<std::string> ChooseFormat(const Context& ctx, const char* command, std::initializer_list<const char*> allowed) {
  if (ctx.format.empty()) return std::string(*allowed.begin());
  std::string list;
  size_t i = 0;
  for (const char* a : allowed) {
    if (ctx.format == a) return ctx.format;
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(a);
    ++i;
  }
  return Status::InvalidArgument(std::string("'") + command + "' does not support --format " + ctx.format + " (use " +
                                 list + ")");
}

CLI::Validator NonEmptyVersion() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (!value.empty()) return "";
        return "the version is empty (an unset variable?); give a version, or leave --to out to go to the newest";
      },
      "", "NonEmptyVersion");
}

void AddTargetOptions(CLI::App* app, std::string* to, std::string* phase) {
  app->add_option("--to", *to, "Target version (Default: the newest reachable)")
      ->type_name("VERSION")
      ->check(NonEmptyVersion());
  app->add_option("--phase", *phase, "expand (Default) or cleanup")
      ->type_name("PHASE")
      ->check(CLI::IsMember({"expand", "cleanup"}));
}

Result<PlanRequest> MakePlanRequest(const std::string& to, const std::string& phase) {
  PlanRequest request;
  if (!to.empty()) {
    CHIMP_ASSIGN_OR_RETURN(request.target, Version::Parse(to, "--to"));
  }
  if (phase == "cleanup") {
    request.phase = Phase::kCleanup;
  } else if (phase.empty() || phase == "expand") {
    request.phase = Phase::kExpand;
  } else {
    return Status::InvalidArgument("--phase: '" + phase + "' is not a phase (use expand or cleanup)");
  }
  return request;
}

void PrintJson(const Json& doc) {
  json_printed = true;
  std::cout << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

std::string VersionText(const Version& version) { return version.empty() ? "(empty)" : version.ToString(); }
std::string VersionText(const std::string& version) { return version.empty() ? "(empty)" : version; }

std::string EdgeText(const Version& from, const Version& to) { return VersionText(from) + " -> " + VersionText(to); }
std::string EdgeText(const std::string& from, const std::string& to) {
  return VersionText(from) + " -> " + VersionText(to);
}

std::string FirstLine(const std::string& text, size_t max) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (max > 3 && line.size() > max) line = line.substr(0, max - 3) + "...";
  return line;
}

std::string DurationText(int64_t ms) {
  if (ms < 0) return "-";
  if (ms < 1000) return std::to_string(ms) + " ms";
  char buf[32];
  if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms / 1000) % 60));
  }
  return buf;
}

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, int indent) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line(static_cast<size_t>(indent), ' ');
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::vector<std::string> PlanStepHeader() {
  return {"#", "STEP", "EDGE", "KIND", "PHASE", "DDL", "RESUME", "DESCRIPTION"};
}

namespace {

std::string ResumeText(const PlannedStep& ps) {
  std::string text;
  if (ps.resume_from > 0) text = "from statement " + std::to_string(ps.resume_from + 1);
  if (ps.previous_attempts > 0) {
    if (!text.empty()) text += ", ";
    text += "attempt " + std::to_string(ps.previous_attempts + 1);
  }
  return text.empty() ? "-" : text;
}

std::string PluginText(const Edge& edge) {
  if (!edge.plugin) return "";
  return edge.plugin->name + " " + edge.plugin->version;
}

}  // namespace

// The EDGE column: the edge, or for a repeatable when it runs and why.
std::string StepEdgeText(const PlannedStep& ps) {
  if (ps.repeatable) return std::string("repeatable (") + RepeatableWhenName(ps.when) + ", " + ps.reason + ")";
  return EdgeText(ps.edge->from, ps.edge->to);
}

std::vector<std::vector<std::string>> PlanStepRows(const Plan& plan, size_t limit) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < plan.steps.size() && (limit == 0 || i < limit); ++i) {
    const PlannedStep& ps = plan.steps[i];
    rows.push_back({std::to_string(i + 1), ps.step->id, StepEdgeText(ps), StepKindName(ps.step->kind),
                    PhaseName(ps.step->phase), ps.step->has_ddl ? "yes" : "no", ResumeText(ps),
                    FirstLine(ps.step->description, 60)});
  }
  return rows;
}

void PrintPlan(std::ostream& out, const std::string& database, const Plan& plan, bool verbose) {
  if (plan.empty()) {
    if (plan.phase == Phase::kCleanup) {
      out << "Database '" << database << "' at version " << VersionText(plan.current)
          << ": no cleanup steps pending. Nothing to do.\n";
    } else {
      out << "Database '" << database << "' is at version " << VersionText(plan.current) << ". Nothing to do.\n";
    }
    return;
  }
  if (plan.phase == Phase::kCleanup) {
    out << "Cleanup plan for database '" << database << "' at version " << VersionText(plan.current) << '\n';
  } else {
    out << "Plan for database '" << database << "': " << EdgeText(plan.current, plan.target) << '\n';
  }
  if (!plan.path.empty()) {
    out << "\nPath (" << plan.path.size() << (plan.path.size() == 1 ? " edge" : " edges") << "):\n";
    std::vector<std::vector<std::string>> rows;
    for (const Edge* e : plan.path) {
      rows.push_back({EdgeText(e->from, e->to), std::to_string(e->steps.size()), PluginText(*e),
                      e->plugin ? e->plugin->file : ""});
    }
    PrintTable(out, {"EDGE", "STEPS", "PLUGIN", "FILE"}, rows, 2);
  }
  out << "\nPending steps (" << plan.steps.size() << "):\n";
  if (plan.steps.empty()) {
    out << "  none (only the version is recorded)\n";
  } else {
    PrintTable(out, PlanStepHeader(), PlanStepRows(plan), 2);
  }
  if (!plan.notes.empty()) {
    out << "\nNotes:\n";
    for (const std::string& note : plan.notes) out << "  - " << note << '\n';
  }
  if (!verbose) return;
  out << "\nStatements:\n";
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const PlannedStep& ps = plan.steps[i];
    const Step& step = *ps.step;
    out << "\n  [" << i + 1 << "] " << step.id << " (" << StepKindName(step.kind) << ", " << StepEdgeText(ps);
    if (step.kind == StepKind::kSql && step.dialect != SqlDialect::kClient) {
      out << ", dialect " << SqlDialectName(step.dialect);
    }
    if (step.database.has_value()) {
      out << ", database " << (step.database->empty() ? std::string("(none)") : "'" + *step.database + "'");
    }
    out << ")\n";
    for (const std::string* session : {&ps.edge->plugin->session_sql, &step.session_sql}) {
      if (!session->empty()) out << "      -- session: " << FirstLine(*session, 100) << '\n';
    }
    Result<std::vector<std::string>> statements = StatementsOf(step);
    if (!statements.ok()) {
      out << "      (cannot show the statements: " << statements.status().message() << ")\n";
      continue;
    }
    if (statements->empty()) {
      out << "      ("
          << (step.run != nullptr ? "native code in " + (ps.edge->plugin ? ps.edge->plugin->file : "the plugin")
                                  : std::string("no statements"))
          << ")\n";
      continue;
    }
    const size_t n = statements->size();
    for (size_t k = 0; k < n; ++k) {
      out << "      -- statement " << k + 1 << "/" << n;
      if (static_cast<int32_t>(k) < ps.resume_from) out << " (done by an earlier attempt; skipped)";
      out << '\n';
      const std::string& sql = (*statements)[k];
      size_t start = 0;
      while (start <= sql.size()) {
        size_t end = sql.find('\n', start);
        if (end == std::string::npos) end = sql.size();
        std::string line = sql.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out << "      " << line << '\n';
        start = end + 1;
      }
    }
  }
}

Json PlannedStepToJson(const PlannedStep& ps, bool with_statements) {
  const Step& s = *ps.step;
  const Edge& e = *ps.edge;
  Json j = {
      {"step_id", s.id},
      {"description", s.description},
      {"edge_from", e.from.ToString()},
      {"edge_to", e.to.ToString()},
      {"plugin", e.plugin ? e.plugin->name : ""},
      {"plugin_version", e.plugin ? e.plugin->version : ""},
      {"plugin_file", e.plugin ? e.plugin->file : ""},
      {"kind", StepKindName(s.kind)},
      {"phase", PhaseName(s.phase)},
      {"has_ddl", s.has_ddl},
      {"idempotent", s.idempotent},
      {"checksum", s.checksum},
      {"resume_from", ps.resume_from},
      {"previous_attempts", ps.previous_attempts},
      {"repeatable", ps.repeatable},
      {"dialect", SqlDialectName(s.dialect)},
      {"warnings_fatal", s.warnings_fatal},
  };
  if (ps.repeatable) {
    j["when"] = RepeatableWhenName(ps.when);
    j["reason"] = ps.reason;
  }
  if (s.database.has_value()) j["database"] = *s.database;
  if (!s.session_sql.empty()) j["session_sql"] = s.session_sql;
  if (with_statements) {
    Result<std::vector<std::string>> statements = StatementsOf(s);
    if (statements.ok()) {
      j["statements"] = *statements;
    } else {
      j["statements"] = Json::array();
      j["statements_error"] = statements.status().message();
    }
  }
  return j;
}

Json PlanToJson(const Plan& plan, bool with_statements) {
  Json path = Json::array();
  for (const Edge* e : plan.path) {
    path.push_back({{"from", e->from.ToString()},
                    {"to", e->to.ToString()},
                    {"description", e->description},
                    {"step_count", e->steps.size()},
                    {"plugin", e->plugin ? e->plugin->name : ""},
                    {"plugin_version", e->plugin ? e->plugin->version : ""},
                    {"plugin_file", e->plugin ? e->plugin->file : ""}});
  }
  Json steps = Json::array();
  for (const PlannedStep& ps : plan.steps) steps.push_back(PlannedStepToJson(ps, with_statements));
  return {{"current_version", plan.current.ToString()},
          {"target_version", plan.target.ToString()},
          {"phase", PhaseName(plan.phase)},
          {"nothing_to_do", plan.empty()},
          {"path", path},
          {"steps", steps},
          {"notes", plan.notes}};
}

Json EntryToJson(const ChangelogEntry& e) {
  return {{"id", e.id},
          {"run_id", e.run_id},
          {"step_id", e.step_id},
          {"edge_from", e.edge_from},
          {"edge_to", e.edge_to},
          {"phase", PhaseName(e.phase)},
          {"kind", StepKindName(e.kind)},
          {"status", StepStatusName(e.status)},
          {"checksum", e.checksum},
          {"plugin_name", e.plugin_name},
          {"plugin_version", e.plugin_version},
          {"plugin_file", e.plugin_file},
          {"description", e.description},
          {"proposed_at", e.proposed_at},
          {"started_at", e.started_at},
          {"finished_at", e.finished_at},
          {"duration_ms", e.duration_ms < 0 ? Json(nullptr) : Json(e.duration_ms)},
          {"statement_index", e.statement_index},
          {"statement_count", e.statement_count},
          {"error", e.error},
          {"warning_count", e.warning_count},
          {"warnings", e.warnings},
          {"executed_by", e.executed_by},
          {"engine_version", e.engine_version}};
}

Json ErrorJson(int exit_code, const std::string& message) { return {{"exit_code", exit_code}, {"message", message}}; }

Json ErrorToJson(const Status& status) {
  return {{"code", std::string(StatusCodeName(status.code()))},
          {"exit_code", ExitCodeFor(status.code())},
          {"message", status.message()}};
}

Json CheckResultToJson(const CheckResult& r) {
  return {{"kind", CheckKindName(r.kind)},
          {"name", r.name},
          {"edge_from", r.edge_from},
          {"edge_to", r.edge_to},
          {"plugin_file", r.plugin_file},
          {"description", r.description},
          {"passed", r.passed},
          {"message", r.message}};
}

Json CheckResultsToJson(const std::vector<CheckResult>& results) {
  Json out = Json::array();
  for (const CheckResult& r : results) out.push_back(CheckResultToJson(r));
  return out;
}

void PrintCheckLines(std::ostream& out, const std::vector<CheckResult>& results, int indent) {
  std::vector<std::vector<std::string>> rows;
  for (const CheckResult& r : results) {
    const std::string edge = r.edge_to.empty() && r.edge_from.empty() ? "-" : EdgeText(r.edge_from, r.edge_to);
    rows.push_back({r.passed ? "ok" : "FAILED", CheckKindName(r.kind), r.name, edge,
                    FirstLine(r.passed ? r.description : r.message)});
  }
  PrintTable(out, {"STATUS", "KIND", "CHECK", "EDGE", "MESSAGE"}, rows, indent);
}

void PrintDriftDetails(std::ostream& out, const std::vector<CheckResult>& results) {
  for (const CheckResult& r : results) {
    if (r.passed || r.kind != CheckKind::kDrift) continue;
    // The first part ("schema 'x' is ..., recorded ...") is the table's
    // line; each difference after it gets a line of its own.
    out << "  " << r.name << ":\n";
    size_t at = r.message.find("; ");
    while (at != std::string::npos) {
      at += 2;
      const size_t end = r.message.find("; ", at);
      out << "    " << r.message.substr(at, end == std::string::npos ? end : end - at) << '\n';
      at = end;
    }
  }
}

std::string CheckCountText(const std::vector<CheckResult>& results) {
  size_t failed = 0;
  for (const CheckResult& r : results) failed += r.passed ? 0 : 1;
  return std::to_string(results.size()) + (results.size() == 1 ? " check: " : " checks: ") +
         std::to_string(results.size() - failed) + " ok, " + std::to_string(failed) + " failed";
}

}  // namespace chimp::cli
