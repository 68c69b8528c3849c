#include "exec/online_alter.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/backup.hpp"
#include "exec/run_guard.hpp"
#include "recovery/fault_points.hpp"
#include "recovery/pre_image.hpp"
#include "recovery/probe.hpp"
#include "sql/token_cursor.hpp"
#include "util/child_process.hpp"

namespace chimp::internal {

namespace {

constexpr const char* kTool = "pt-online-schema-change";

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

bool IsName(const Token& t) { return t.type == Token::Type::kWord || t.type == Token::Type::kQuoted; }

std::string Trim(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(text[b])) != 0)) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(text[e - 1])) != 0 || text[e - 1] == ';')) --e;
  return std::string(text.substr(b, e - b));
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The last `max` bytes of the tool's output, without blank lines at the end.
std::string TailOf(const std::string& text, size_t max) {
  std::string out = Trim(text);
  if (out.size() > max) out = "..." + out.substr(out.size() - max);
  return out;
}

// The lines of the tool's output that say why it failed, else its tail.
std::string WhyFailed(const std::string& output) {
  std::string why;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string_view line(output.data() + start, end - start);
    if (line.find("Error") != std::string_view::npos || line.find("error") != std::string_view::npos ||
        line.find("failed") != std::string_view::npos || line.find("DBI") != std::string_view::npos ||
        line.find("does not") != std::string_view::npos || line.find("Cannot") != std::string_view::npos) {
      why += (why.empty() ? "" : " ") + Trim(line);
    }
    start = end + 1;
  }
  return why.empty() ? TailOf(output, 600) : TailOf(why, 600);
}

}  // namespace

Result<OnlineAlter> ParseOnlineAlter(std::string_view statement) {
  const std::vector<Token> tokens = LexStatement(statement);
  TokenCursor c(tokens);
  if (!c.Keyword("ALTER")) return Status::InvalidArgument("it does not start with ALTER");
  (void)c.Keyword("ONLINE");
  (void)c.Keyword("IGNORE");
  if (!c.Keyword("TABLE")) return Status::InvalidArgument("it is an ALTER but not ALTER TABLE");
  (void)c.Keywords({"IF", "EXISTS"});
  OnlineAlter alter;
  Token first = c.Next();
  if (!IsName(first)) return Status::InvalidArgument("no table name after ALTER TABLE");
  alter.table = first.Value();
  if (c.Symbol('.')) {
    Token second = c.Next();
    if (!IsName(second)) return Status::InvalidArgument("no table name after '" + alter.table + ".'");
    alter.schema = alter.table;
    alter.table = second.Value();
  }
  const Token& rest = c.Peek();
  if (rest.end()) return Status::InvalidArgument("ALTER TABLE " + alter.table + " holds no change");
  alter.clauses = Trim(statement.substr(static_cast<size_t>(rest.raw.data() - statement.data())));
  if (alter.clauses.empty()) return Status::InvalidArgument("ALTER TABLE " + alter.table + " holds no change");
  return alter;
}

Status CheckOnlineStep(const Step& step) {
  const std::string flag = "CHIMP_STEP_ONLINE (chimp::sdk::kOnline)";
  if (step.kind != StepKind::kSql) {
    return Status::InvalidArgument(flag + " is for SQL steps holding one ALTER TABLE; this is a " +
                                   StepKindName(step.kind) + " step");
  }
  if (!step.has_ddl) return Status::InvalidArgument(flag + " needs CHIMP_STEP_HAS_DDL (kDdl) too");
  auto split = SplitScript(step.sql, step.dialect, step.id);
  if (!split.ok()) return split.status();
  if (split->size() != 1) {
    return Status::InvalidArgument(flag + " needs a script of one ALTER TABLE statement; this one holds " +
                                   std::to_string(split->size()) + " statements");
  }
  auto alter = ParseOnlineAlter((*split)[0].statement.text);
  if (!alter.ok()) {
    return Status::InvalidArgument(flag + " needs a script of one ALTER TABLE statement; " + alter.status().message() +
                                   ": " + (*split)[0].statement.text.substr(0, 80));
  }
  return Status::Ok();
}

std::string FindOnlineTool(const OnlineAlterOptions& options) {
  if (!options.program.empty()) {
    if (options.program.find('/') != std::string::npos) {
      return ::access(options.program.c_str(), X_OK) == 0 ? options.program : std::string();
    }
    return FindOnPath(options.program, "");
  }
  return FindOnPath(kTool, "");
}

Status RequireOnlineTool(const OnlineAlterOptions& options, const Plan& plan) {
  for (const PlannedStep& ps : plan.steps) {
    if (!ps.step->online) continue;
    if (!FindOnlineTool(options).empty()) return Status::Ok();
    const char* path = std::getenv("PATH");
    const std::string program = options.program.empty() ? std::string(kTool) : options.program;
    return Status::FailedPrecondition(
        StepWhere(ps) + " is an online ALTER TABLE, run through " + kTool + ", and '" + program +
        "' is not found (PATH=" + (path != nullptr ? path : "") +
        "); install it (Debian: apt-get install percona-toolkit) or name it with [online] program or "
        "--online-program (doc/operations.md, \"Online schema changes\")");
  }
  return Status::Ok();
}

std::optional<uint32_t> ParseCopyPercent(std::string_view line) {
  const size_t at = line.find("Copying ");
  if (at == std::string_view::npos) return std::nullopt;
  const size_t pct = line.find('%', at);
  if (pct == std::string_view::npos || line.find("remain", pct) == std::string_view::npos) return std::nullopt;
  size_t b = pct;
  while (b > at && std::isdigit(static_cast<unsigned char>(line[b - 1])) != 0) --b;
  if (b == pct) return std::nullopt;
  uint32_t value = 0;
  for (size_t i = b; i < pct; ++i) value = value * 10 + static_cast<uint32_t>(line[i] - '0');
  if (value > 100) return std::nullopt;
  return value;
}

std::vector<std::string> OnlineToolArguments(const OnlineAlterOptions& options, const OnlineAlter& alter,
                                             const std::string& database, int option_fd) {
  std::vector<std::string> args = {"--alter=" + alter.clauses, "--execute", "--no-version-check", "--progress=time,1"};
  if (options.chunk_size != 0) args.push_back("--chunk-size=" + std::to_string(options.chunk_size));
  if (options.chunk_time > 0) args.push_back("--chunk-time=" + Number(options.chunk_time));
  if (!options.max_load.empty()) args.push_back("--max-load=" + options.max_load);
  if (!options.critical_load.empty()) args.push_back("--critical-load=" + options.critical_load);
  if (options.max_lag > 0) args.push_back("--max-lag=" + Number(options.max_lag));
  if (!options.recursion_method.empty()) args.push_back("--recursion-method=" + options.recursion_method);
  // DSN values cannot hold ',' or '=' unescaped; names with them are refused
  // by the caller.
  args.push_back("F=/dev/fd/" + std::to_string(option_fd) + ",D=" + database + ",t=" + alter.table);
  return args;
}

OnlineAlterRun::OnlineAlterRun(const StepContext& step, StatementSource& source, StepRow& row, StepOutcome* outcome)
    : step_(step), source_(source), row_(row), outcome_(outcome) {}

Result<std::string> OnlineAlterRun::Probe() { return ProbeFingerprint(step_.conn(), statement_->info.ddl); }

void OnlineAlterRun::Note(const std::string& text) {
  outcome_->warnings += "statement 1: " + text + "\n";
  ++outcome_->warning_count;
  if (step_.observer() != nullptr) step_.observer()->OnWarning(step_.planned(), "statement 1: " + text);
}

Result<bool> OnlineAlterRun::Exists(bool trigger, const std::string& name) {
  Connection& conn = step_.conn();
  const std::string where = trigger ? "TRIGGERS WHERE TRIGGER_SCHEMA = " : "TABLES WHERE TABLE_SCHEMA = ";
  CHIMP_ASSIGN_OR_RETURN(
      auto found, conn.QueryScalar(std::string(kInternalTag) + "SELECT COUNT(*) FROM information_schema." + where +
                                   conn.QuoteString(database_) +
                                   (trigger ? " AND TRIGGER_NAME = " : " AND TABLE_NAME = ") + conn.QuoteString(name)));
  return found.has_value() && found->ToString() != "0";
}

Status OnlineAlterRun::DropIfThere(bool trigger, const std::string& name) {
  CHIMP_ASSIGN_OR_RETURN(bool there, Exists(trigger, name));
  if (!there) return Status::Ok();
  const std::string drop = trigger ? "DROP TRIGGER IF EXISTS " : "DROP TABLE IF EXISTS ";
  CHIMP_RETURN_IF_ERROR(step_.conn()
                            .Execute(std::string(kInternalTag) + drop + Connection::QuoteIdentifier(database_) + "." +
                                     Connection::QuoteIdentifier(name))
                            .status());
  dropped_.push_back((trigger ? "trigger " : "table ") + name);
  return Status::Ok();
}

Status OnlineAlterRun::DropLeftovers(bool swapped) {
  for (const char* suffix : {"ins", "upd", "del"}) {
    CHIMP_RETURN_IF_ERROR(DropIfThere(true, "pt_osc_" + database_ + "_" + alter_.table + "_" + suffix));
  }
  CHIMP_RETURN_IF_ERROR(DropIfThere(false, "_" + alter_.table + "_new"));
  if (swapped) CHIMP_RETURN_IF_ERROR(DropIfThere(false, "_" + alter_.table + "_old"));
  return Status::Ok();
}

Status OnlineAlterRun::Run() {
  const PlannedStep& planned = step_.planned();
  auto next = source_.Next();
  if (!next.ok()) return step_.Error(next.status(), 0, nullptr);
  if (!next->has_value()) return step_.Error(Status::Internal("the online step holds no statement"), 0, nullptr);
  statement_ = std::move(**next);
  const SqlStatement& sql = statement_->statement;
  outcome_->statements_seen = 1;
  auto parsed = ParseOnlineAlter(sql.text);
  if (!parsed.ok()) return step_.Error(parsed.status(), 0, &sql);
  alter_ = std::move(parsed).value();
  database_ = alter_.schema;
  if (database_.empty()) {
    CHIMP_ASSIGN_OR_RETURN(auto db, step_.conn().QueryScalar(std::string(kInternalTag) + "SELECT DATABASE()"));
    if (db && !db->is_null()) database_ = db->ToString();
  }
  for (const std::string& name : {database_, alter_.table}) {
    if (name.empty() || name.find_first_of(",=") != std::string::npos) {
      return step_.Error(Status::InvalidArgument("the online ALTER's table and database must be named, without ',' "
                                                 "or '=' (the tool's DSN cannot carry them)"),
                         0, &sql);
    }
  }

  // A resume, or a retry after a failure: the last attempt recorded the
  // table's pre-image before it started the tool.
  const PreImage pending = DecodePreImage(planned.pending_fingerprint);
  if (pending.is_probe() && !pending.fingerprints.empty()) {
    CHIMP_ASSIGN_OR_RETURN(std::string now, Probe());
    const bool took_effect = now != pending.fingerprints.front();
    Status dropped = DropLeftovers(took_effect);
    if (!dropped.ok()) {
      outcome_->keep_pending = planned.pending_fingerprint;
      return step_.Error(dropped, 0, &sql);
    }
    std::string what = dropped_.empty() ? std::string("nothing of it was left") : "dropped its ";
    for (size_t i = 0; i < dropped_.size(); ++i) what += (i == 0 ? "" : ", ") + dropped_[i];
    Note(std::string("online: the last attempt of ") + kTool + " did not finish; " + what + "; the ALTER had " +
         (took_effect ? "taken effect (the table was swapped): done" : "not taken effect: running it again"));
    dropped_.clear();
    if (took_effect) {
      CHIMP_RETURN_IF_ERROR(row_.SetStatementIndex(1));
      outcome_->statements_done = 1;
      step_.ReportStatements(1);
      return Status::Ok();
    }
  }

  // The tool refuses to start beside a shadow table that is not its own.
  CHIMP_ASSIGN_OR_RETURN(bool shadow, Exists(false, "_" + alter_.table + "_new"));
  if (shadow) {
    return step_.Error(Status::FailedPrecondition("a table `_" + alter_.table + "_new` exists in `" + database_ +
                                                  "` that chimp did not record: a shadow table of another " + kTool +
                                                  " run? Drop it when no such run is going on, then migrate again"),
                       0, &sql);
  }

  // The pre-image first: from here on the changelog names the change.
  CHIMP_ASSIGN_OR_RETURN(std::string image, Probe());
  PreImage write;
  write.kind = PreImage::Kind::kProbe;
  write.fingerprints = {image};
  CHIMP_RETURN_IF_ERROR(row_.SetPending(0, EncodePreImage(write)));
  TEST_CrashPoint("after-index");
  if (step_.observer() != nullptr) step_.observer()->OnStatement(planned, 0, sql.text);
  Status ran = RunTool();
  if (!ran.ok()) {
    // The tool cleans up after itself when it fails; whatever it left is
    // dropped here, and the resume decides by the probe again.
    outcome_->keep_pending = EncodePreImage(write);
    auto now = Probe();
    const bool took_effect = now.ok() && *now != image;
    if (DropLeftovers(took_effect).ok() && !dropped_.empty()) {
      std::string what;
      for (size_t i = 0; i < dropped_.size(); ++i) what += (i == 0 ? "" : ", ") + dropped_[i];
      ran = ran.WithContext("chimp dropped what it left: " + what);
    }
    return step_.Error(ran, 0, &sql);
  }
  TEST_CrashPoint("online-done");
  outcome_->statements_done = 1;
  step_.ReportStatements(1);
  return Status::Ok();
}

Status OnlineAlterRun::RunTool() {
  const RunGuard* guard = step_.guard();
  if (guard == nullptr) return Status::Internal("an online step needs the run's connection settings");
  CHIMP_RETURN_IF_ERROR(guard->CheckHeld());
  const std::string program = FindOnlineTool(guard->online());
  if (program.empty()) return Status::FailedPrecondition(std::string(kTool) + " is not found");
  ConnectionOptions conn = guard->online_connection();
  conn.database.clear();
  auto option_file = WriteOptionFile(conn);
  if (!option_file.ok()) return Status::StepFailed(option_file.status().message());
  FdCloser options_fd{*option_file};
  int out[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  FdCloser read_end{out[0]};
  std::vector<std::string> argv = {program};
  for (std::string& a : OnlineToolArguments(guard->online(), alter_, database_, options_fd.fd)) {
    argv.push_back(std::move(a));
  }
  ChildOptions child;
  child.stdout_fd = out[1];
  child.inherit_fds = {options_fd.fd};
  child.unset_env = {"CHIMP_PASSWORD", "MYSQL_PWD"};
  child.die_with_parent = true;
  auto started = StartProgram(argv, child, -1, out[1]);
  ::close(out[1]);
  if (!started.ok()) return started.status();
  std::string output, line;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') {
        line.push_back(buf[i]);
        continue;
      }
      if (auto pct = ParseCopyPercent(line); pct.has_value()) {
        if (step_.observer() != nullptr) {
          StepProgress progress;
          progress.unit = StepProgress::Unit::kPercent;
          progress.done = *pct;
          progress.total = 100;
          step_.observer()->OnProgress(step_.planned(), progress);
        }
        if (*pct < 100) TEST_CrashPoint("online-copy");
      }
      line.clear();
    }
    if (output.size() > (1u << 20)) output.erase(0, output.size() - (1u << 19));
  }
  const int status = WaitProgram(*started);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  std::string how = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) how += " (it could not be started)";
  return Status::StepFailed(std::string(kTool) + " " + how + ": " + WhyFailed(output));
}

}  // namespace chimp::internal
