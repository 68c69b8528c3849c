// chimp rehearse: the plan on a throwaway server loaded with a consistent
// copy of the real target (engine.hpp Rehearse; doc/operations.md).
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chimp/engine.hpp"
#include "chimp/interrupt.hpp"
#include "engine/backup.hpp"
#include "engine/scratch_server.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "lock/galera.hpp"
#include "lock/run_lock.hpp"
#include "sql/shorten.hpp"
#include "util/child_process.hpp"

namespace chimp {

namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// The global settings that change what DDL and DML do, copied from the real
// server to the throwaway one. The two marked at install time also shape the
// data directory. Left out on purpose: memory and durability (buffer pool,
// flush at commit, doublewrite), which change speed, not outcome.
constexpr const char* kFidelitySettings[] = {
    "sql_mode",
    "character_set_server",
    "collation_server",
    "lower_case_table_names",  // install time
    "innodb_page_size",        // install time
    "explicit_defaults_for_timestamp",
    "default_storage_engine",
    "innodb_default_row_format",
    "innodb_file_per_table",
    "innodb_strict_mode",
    "innodb_autoinc_lock_mode",
    "innodb_online_alter_log_max_size",
    "innodb_instant_alter_column_allowed",
    "alter_algorithm",
    "old_mode",
    "max_allowed_packet",
    "group_concat_max_len",
    "div_precision_increment",
    "default_week_format",
    "sql_require_primary_key",
    "foreign_key_checks",
    "lock_wait_timeout",
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Global variable name (lower case) -> value, of the fidelity settings the
// server knows.
Result<std::vector<std::pair<std::string, std::string>>> ReadSettings(Connection& conn) {
  std::string in;
  for (const char* name : kFidelitySettings) in += std::string(in.empty() ? "" : ", ") + "'" + name + "'";
  CHIMP_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM "
                                               "information_schema.GLOBAL_VARIABLES WHERE LOWER(VARIABLE_NAME) IN (" +
                                               in + ") ORDER BY 1"));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : rows.rows) {
    if (row.size() == 2) out.emplace_back(row[0].ToString(), row[1].is_null() ? "" : row[1].ToString());
  }
  return out;
}

// "--loose-name=value": a server that does not know a setting starts
// anyway, and the comparison afterwards reports it.
std::string ServerOption(const std::string& name, const std::string& value) {
  std::string dashed = name;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  return "--loose-" + dashed + "=" + value;
}

// "10.11.6" of "10.11.6-MariaDB-0+deb12u1".
std::string VersionNumber(const std::string& version) { return version.substr(0, version.find('-')); }

bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// True when `name` occurs in `text` as a whole word (any case): the plan's
// SQL names the schema, qualified or in a USE.
bool NamesWord(const std::string& lower_text, const std::string& lower_name) {
  for (size_t at = lower_text.find(lower_name); at != std::string::npos; at = lower_text.find(lower_name, at + 1)) {
    const bool starts = at == 0 || !IsIdentifierChar(lower_text[at - 1]);
    const size_t end = at + lower_name.size();
    const bool ends = end == lower_text.size() || !IsIdentifierChar(lower_text[end]);
    if (starts && ends) return true;
  }
  return false;
}

// The schemas to copy: the target, the changelog schema, the extra ones
// asked for, and every other existing schema the plan's SQL or a step's
// default database names; only those that exist on the real server.
Result<std::vector<std::string>> SchemasToCopy(Connection& conn, const EngineOptions& options, const Plan& plan) {
  CHIMP_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE "
                                               "SCHEMA_NAME NOT IN ('mysql', 'information_schema', "
                                               "'performance_schema', 'sys') ORDER BY 1"));
  std::set<std::string> wanted = {options.database, options.changelog_schema};
  wanted.insert(options.rehearse_schemas.begin(), options.rehearse_schemas.end());
  std::string text;
  for (const PlannedStep& ps : plan.steps) {
    text +=
        Lower(ps.step->sql) + "\n" + Lower(ps.step->session_sql) + "\n" + Lower(ps.edge->plugin->session_sql) + "\n";
    if (ps.step->database.has_value() && !ps.step->database->empty()) wanted.insert(*ps.step->database);
  }
  std::vector<std::string> out;
  for (const auto& row : rows.rows) {
    const std::string name = row.empty() ? "" : row[0].ToString();
    if (name.empty()) continue;
    if (wanted.count(name) != 0 || NamesWord(text, Lower(name))) out.push_back(name);
  }
  return out;
}

// Records the run on the copy for the report and passes every call on.
class Recorder : public ExecutionObserver {
 public:
  Recorder(ExecutionObserver* next, RehearsalReport* report) : next_(next), report_(report) {}

  void OnPlan(const Plan& plan, const std::string& run_id) override {
    if (next_ != nullptr) next_->OnPlan(plan, run_id);
  }
  void OnPreflight(const std::vector<CheckResult>& results) override {
    report_->preflight = results;
    if (next_ != nullptr) next_->OnPreflight(results);
  }
  void OnStepStart(const PlannedStep& step, int32_t statement_count) override {
    RehearsedStep s;
    s.step_id = step.step->id;
    s.edge = step.edge->Name();
    s.plugin = step.edge->plugin->name;
    report_->steps.push_back(std::move(s));
    if (next_ != nullptr) next_->OnStepStart(step, statement_count);
  }
  void OnStatement(const PlannedStep& step, int32_t index, const std::string& sql) override {
    if (!report_->steps.empty()) {
      report_->steps.back().statement = index;
      report_->steps.back().statement_sql = internal::ShortenSql(sql);
    }
    if (next_ != nullptr) next_->OnStatement(step, index, sql);
  }
  void OnStepDone(const PlannedStep& step, const Status& result, int64_t duration_ms, int32_t warning_count) override {
    if (!report_->steps.empty()) {
      RehearsedStep& s = report_->steps.back();
      s.duration_ms = duration_ms;
      s.warning_count = warning_count;
      s.result = result;
    }
    if (next_ != nullptr) next_->OnStepDone(step, result, duration_ms, warning_count);
  }
  void OnVersion(const Version& version) override {
    report_->reached = version;
    if (next_ != nullptr) next_->OnVersion(version);
  }
  void OnProgress(const PlannedStep& step, const StepProgress& progress) override {
    if (next_ != nullptr) next_->OnProgress(step, progress);
  }
  void OnActivity(const StatementActivity& activity) override {
    if (next_ != nullptr) next_->OnActivity(activity);
  }
  void OnWarning(const PlannedStep& step, const std::string& message) override {
    if (!report_->steps.empty()) report_->steps.back().warnings.push_back(message);
    if (next_ != nullptr) next_->OnWarning(step, message);
  }

 private:
  ExecutionObserver* next_;
  RehearsalReport* report_;
};

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// `ms` rounded to two significant digits: the estimate claims no more.
int64_t TwoDigits(int64_t ms) {
  if (ms < 100) return ms;
  const double scale = std::pow(10.0, std::floor(std::log10(static_cast<double>(ms))) - 1);
  return static_cast<int64_t>(std::llround(static_cast<double>(ms) / scale) * scale);
}

// One rehearsal: the plan on the real target, the throwaway server, the
// copy, the run on it.
class Rehearsal {
 public:
  Rehearsal(const EngineOptions& options, const PlanRequest& request, ExecutionObserver* observer)
      : options_(options), request_(request), observer_(observer) {}

  Result<RehearsalReport> Run();

 private:
  // Reads the real target: its version, plan, schemas, server and settings.
  Status Survey(internal::Target& real);
  Status StartServer();
  // SettingsCompared: what the throwaway server runs with, against the
  // real one's.
  Status CompareServers();
  // mariadb-dump --single-transaction of the schemas, piped straight into
  // the mariadb client of the throwaway server.
  Status Copy();
  void Apply();

  const EngineOptions& options_;
  const PlanRequest& request_;
  ExecutionObserver* observer_;
  RehearsalReport report_;
  std::unique_ptr<Catalog> catalog_;
  Plan plan_;
  std::vector<std::pair<std::string, std::string>> real_settings_;
  std::unique_ptr<internal::ScratchServer> server_;
};

Status Rehearsal::Survey(internal::Target& real) {
  Connection& conn = *real.conn;
  CHIMP_ASSIGN_OR_RETURN(catalog_, internal::LoadPlanningCatalog(options_));
  CHIMP_RETURN_IF_ERROR(internal::RequireStartingPoint(options_, *catalog_, *real.changelog));
  CHIMP_ASSIGN_OR_RETURN(auto state, real.changelog->ReadState());
  CHIMP_ASSIGN_OR_RETURN(auto entries, real.changelog->ReadEntries());
  CHIMP_ASSIGN_OR_RETURN(plan_, MakePlan(*catalog_, state, entries, request_));
  report_.from = plan_.current;
  report_.target = plan_.target;
  report_.reached = plan_.current;
  CHIMP_ASSIGN_OR_RETURN(report_.schemas, SchemasToCopy(conn, options_, plan_));
  CHIMP_ASSIGN_OR_RETURN(auto version, conn.QueryScalar("SELECT VERSION()"));
  report_.real_server = version.has_value() ? version->ToString() : "";
  // MySQL 8 has no information_schema.GLOBAL_VARIABLES: the rehearsal then
  // runs with the throwaway server's defaults, and says so.
  if (auto settings = ReadSettings(conn); settings.ok()) {
    real_settings_ = std::move(settings).value();
  } else {
    report_.fidelity_warnings.push_back("the real server's settings could not be read (" + settings.status().message() +
                                        "): the rehearsal ran with MariaDB's defaults");
  }
  if (!conn.IsMariaDB()) {
    report_.fidelity_warnings.push_back("the real server is not MariaDB (" + report_.real_server +
                                        "): the rehearsal runs on MariaDB, whose DDL and SQL differ");
  }
  return Status::Ok();
}

Status Rehearsal::StartServer() {
  internal::ScratchServerOptions o;
  o.bin_dir = options_.server_bin_dir;
  for (const auto& [name, value] : real_settings_) {
    o.settings.push_back(ServerOption(name, value));
    report_.settings.push_back(name + "=" + value);
  }
  const auto started = Clock::now();
  CHIMP_ASSIGN_OR_RETURN(server_, internal::ScratchServer::Start(o));
  report_.server_ms = MsSince(started);
  return Status::Ok();
}

Status Rehearsal::CompareServers() {
  CHIMP_ASSIGN_OR_RETURN(auto conn, Connection::Open(server_->Options()));
  CHIMP_ASSIGN_OR_RETURN(auto version, conn->QueryScalar("SELECT VERSION()"));
  report_.rehearsal_server = version.has_value() ? version->ToString() : "";
  if (VersionNumber(report_.rehearsal_server) != VersionNumber(report_.real_server)) {
    report_.fidelity_warnings.push_back("the servers differ: the real one is " + report_.real_server +
                                        ", the rehearsal ran on " + report_.rehearsal_server +
                                        "; a statement may behave otherwise on the real server");
  }
  CHIMP_ASSIGN_OR_RETURN(auto mine, ReadSettings(*conn));
  for (const auto& [name, value] : real_settings_) {
    const std::string& wanted = name;  // a structured binding is not captured by lambdas before C++20 (clang 14)
    auto it = std::find_if(mine.begin(), mine.end(), [&wanted](const auto& p) { return p.first == wanted; });
    if (it == mine.end()) {
      report_.fidelity_warnings.push_back("setting " + name + " = '" + value +
                                          "' of the real server is unknown to the rehearsal's server");
    } else if (it->second != value) {
      report_.fidelity_warnings.push_back("setting " + name + ": the real server has '" + value +
                                          "', the rehearsal's server '" + it->second + "'");
    }
  }
  return Status::Ok();
}

Status Rehearsal::Copy() {
  if (report_.schemas.empty()) return Status::Ok();  // a fresh install: nothing exists yet
  const std::string dump_program = internal::FindDumpProgram();
  const std::string client = internal::FindClientProgram();
  if (dump_program.empty() || client.empty()) {
    return Status::NotFound(
        std::string(dump_program.empty() ? "neither mariadb-dump nor mysqldump" : "neither mariadb nor mysql") +
        " was found on PATH (or set " + (dump_program.empty() ? "CHIMP_DUMP_PROGRAM" : "CHIMP_CLIENT_PROGRAM") +
        "); rehearse copies the database with them");
  }
  ConnectionOptions real = options_.connection;
  real.database.clear();
  CHIMP_ASSIGN_OR_RETURN(int real_fd, internal::WriteOptionFile(real));
  Fd real_options{real_fd};
  CHIMP_ASSIGN_OR_RETURN(int copy_fd, internal::WriteOptionFile(server_->Options()));
  Fd copy_options{copy_fd};
  Fd dump_err{::memfd_create("chimp-rehearse-dump-stderr", MFD_CLOEXEC)};
  Fd load_err{::memfd_create("chimp-rehearse-load-stderr", MFD_CLOEXEC)};
  int pipe_fds[2] = {-1, -1};
  if (dump_err.fd < 0 || load_err.fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::BackupFailed("cannot set up the copy's pipe: " + std::string(std::strerror(errno)));
  }
  Fd read_end{pipe_fds[0]};
  Fd write_end{pipe_fds[1]};
  std::vector<std::string> dump = {dump_program,
                                   internal::DefaultsArgument(real, real_fd),
                                   "--single-transaction",
                                   "--routines",
                                   "--triggers",
                                   "--events",
                                   "--max-allowed-packet=1G",
                                   "--databases"};
  dump.insert(dump.end(), report_.schemas.begin(), report_.schemas.end());
  internal::ChildOptions dump_options;
  dump_options.stdout_fd = write_end.fd;
  dump_options.inherit_fds = {real_fd};
  dump_options.unset_env = {"CHIMP_PASSWORD"};
  const std::vector<std::string> load = {client, internal::DefaultsArgument(server_->Options(), copy_fd),
                                         "--max-allowed-packet=1G", "--batch"};
  internal::ChildOptions load_options;
  load_options.inherit_fds = {copy_fd};
  load_options.unset_env = {"CHIMP_PASSWORD"};
  CHIMP_ASSIGN_OR_RETURN(auto loader, internal::StartProgram(load, load_options, read_end.fd, load_err.fd));
  auto dumper = internal::StartProgram(dump, dump_options, -1, dump_err.fd);
  ::close(read_end.fd);
  read_end.fd = -1;
  ::close(write_end.fd);
  write_end.fd = -1;
  if (!dumper.ok()) {
    ::kill(loader.pid, SIGTERM);
    internal::WaitProgram(loader);
    return Status::BackupFailed("cannot start " + dump_program + ": " + dumper.status().message());
  }
  // Both run on their own; chimp only waits, and stops them on a signal.
  int dump_status = 0;
  int load_status = 0;
  bool dump_done = false;
  bool load_done = false;
  bool interrupted = false;
  while (!dump_done || !load_done) {
    if (!interrupted && InterruptSignal() != 0) {
      interrupted = true;
      if (!dump_done) ::kill(dumper->pid, SIGTERM);
      if (!load_done) ::kill(loader.pid, SIGTERM);
    }
    if (!dump_done && ::waitpid(dumper->pid, &dump_status, WNOHANG) == dumper->pid) dump_done = true;
    if (!load_done && ::waitpid(loader.pid, &load_status, WNOHANG) == loader.pid) load_done = true;
    if (!dump_done || !load_done) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (interrupted) {
    return Status::Unavailable("rehearsal stopped by " + SignalName(InterruptSignal()) +
                               " while it copied the database; the real database was not changed");
  }
  std::string problem = internal::DescribeEnd(dump_program, dump_status);
  std::string text = internal::ReadMemFile(dump_err.fd);
  if (problem.empty()) {
    problem = internal::DescribeEnd(client, load_status);
    text = internal::ReadMemFile(load_err.fd);
  }
  if (problem.empty()) return Status::Ok();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() > 1500) text = "..." + text.substr(text.size() - 1500);
  std::string list;
  for (const std::string& s : report_.schemas) list += (list.empty() ? "" : ", ") + s;
  return Status::BackupFailed("copying " + list + " to the throwaway server failed: " + problem +
                              (text.empty() ? "" : ": " + text) + "; the real database was not changed");
}

void Rehearsal::Apply() {
  EngineOptions copy = options_;
  copy.connection = server_->Options();
  copy.backup_dir.clear();
  Recorder recorder(observer_, &report_);
  const auto started = Clock::now();
  auto run = Migrate(copy, request_, &recorder);
  report_.apply_ms = MsSince(started);
  report_.result = run.ok() ? Status::Ok() : run.status();
  if (run.ok()) report_.reached = run->summary.reached;
  // A step that failed before its statements or a check: the version the
  // copy's changelog holds is what it reached.
  if (auto target = internal::OpenTarget(copy); target.ok()) {
    if (auto state = target->changelog->ReadState(); state.ok()) report_.reached = state->version;
  }
  if (auto reached = FingerprintTarget(copy); reached.ok()) report_.fingerprint = reached->declaration;
  int64_t steps_ms = 0;
  for (const RehearsedStep& s : report_.steps) steps_ms += s.duration_ms;
  report_.estimate_ms = TwoDigits(steps_ms);
}

Result<RehearsalReport> Rehearsal::Run() {
  const auto started = Clock::now();
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options_));
  report_.database = options_.database;
  report_.changelog_schema = options_.changelog_schema;
  CHIMP_ASSIGN_OR_RETURN(auto real, internal::OpenTarget(options_));
  CHIMP_RETURN_IF_ERROR(Survey(real));
  if (plan_.empty()) {
    report_.total_ms = MsSince(started);
    return std::move(report_);  // nothing to rehearse
  }
  // The named lock lives in the server's memory: holding it writes nothing,
  // and it keeps a migrate (whose DDL would break the dump's snapshot) out
  // while the copy is taken. The lease lock is a row: not taken.
  std::unique_ptr<Connection> lock_conn;
  std::unique_ptr<RunLock> lock;
  CHIMP_ASSIGN_OR_RETURN(internal::GaleraNode galera, internal::DetectGalera(*real.conn));
  CHIMP_ASSIGN_OR_RETURN(LockKind kind, internal::LockKindFor(galera, options_.lock_kind, real.conn->Describe()));
  if (kind == LockKind::kNamed) {
    CHIMP_ASSIGN_OR_RETURN(lock_conn, internal::ConnectWithoutDatabase(options_));
    CHIMP_ASSIGN_OR_RETURN(lock, internal::TakeRunLock(options_, kind, *lock_conn, NewRunId(), {}));
    report_.lock_taken = true;
  } else {
    report_.fidelity_warnings.push_back(
        "the lease lock was not taken (it is a row, and rehearse writes nothing): a migrate that ran while the "
        "copy was taken would make it inconsistent");
  }
  CHIMP_RETURN_IF_ERROR(StartServer());
  CHIMP_RETURN_IF_ERROR(CompareServers());
  const auto copying = Clock::now();
  CHIMP_RETURN_IF_ERROR(Copy());
  report_.copy_ms = MsSince(copying);
  if (lock != nullptr) {
    CHIMP_RETURN_IF_ERROR(lock->Release());
    lock.reset();
  }
  Apply();
  server_.reset();  // stops it and removes its directory
  report_.total_ms = MsSince(started);
  return std::move(report_);
}

}  // namespace

Result<RehearsalReport> Rehearse(const EngineOptions& options, const PlanRequest& request,
                                 ExecutionObserver* observer) {
  return Rehearsal(options, request, observer).Run();
}

}  // namespace chimp
