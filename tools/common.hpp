// What the subcommands of the chimp command share: the options accepted
// before and after the command name, building the EngineOptions from
// defaults, config file, environment and flags, and printing.
#ifndef CHIMP_TOOLS_COMMON_HPP_
#define CHIMP_TOOLS_COMMON_HPP_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chimp/changelog.hpp"
#include "chimp/check.hpp"
#include "chimp/engine.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp::cli {

// JSON documents keep their fields in the order written.
using Json = nlohmann::ordered_json;

// The options every command takes, before or after its name. The root app
// and every subcommand each get their own GlobalFlags (AddGlobalOptions);
// BuildContext merges them, the subcommand's value winning, --plugins
// accumulating (root first).
//
// Rationale: CLI11's fallthrough would accept the options after the command
// name too, but `chimp migrate --help` would then not list them, and every
// option would need a second "was it set" lookup. One struct per app is
// plain and shows every option in every help page.
struct GlobalFlags {
  std::optional<std::string> host;
  std::optional<uint32_t> port;
  std::optional<std::string> socket;
  std::optional<std::string> user;
  std::vector<std::string> databases;  // -d/--database, repeatable
  std::optional<std::string> pattern;  // --databases LIKE-PATTERN
  std::optional<int> jobs;
  bool keep_going = false;
  std::optional<std::string> password_file;
  std::vector<std::string> plugins;
  std::vector<std::string> trusted_keys;
  std::optional<std::string> config;
  std::optional<std::string> changelog_schema;
  std::optional<int64_t> lock_timeout;
  std::optional<int64_t> lock_wait_timeout;
  // Online ALTER TABLE (pt-online-schema-change; [online] in the config).
  std::optional<std::string> online_program;
  std::optional<int64_t> online_chunk_size;
  std::optional<double> online_chunk_time;
  std::optional<std::string> online_max_load;
  std::optional<std::string> online_critical_load;
  std::optional<double> online_max_lag;
  std::optional<std::string> online_recursion_method;
  std::optional<std::string> format;
  std::optional<std::string> ssl_ca;
  std::optional<std::string> ssl_cert;
  std::optional<std::string> ssl_key;
  std::optional<int64_t> connect_timeout;
  bool ssl_verify_server_cert = false;
  bool require_signature = false;
  std::optional<std::string> lock;
  std::optional<int64_t> lease_seconds;
  bool no_defaults = false;
  std::optional<std::string> defaults_file;
  std::optional<std::string> defaults_extra_file;
  std::optional<std::string> color;
  int verbose = 0;
  int quiet = 0;
};

// Adds the global options to `app`, writing into `*flags` (which must
// outlive `app`'s parsing). `formats` are the --format values the command
// supports, its default first: --help lists them (FORMAT:{text,json}), the
// man page and the shell completion read them from there, and any other
// value is refused while parsing (exit 2). `command` names it in that error.
void AddGlobalOptions(CLI::App* app, GlobalFlags* flags, const std::vector<std::string>& formats,
                      const std::string& command);

// The refusal of a --format value `command` does not support (InvalidArgument,
// exit 2): "'status' does not support --format dot (use text or json)".
Status UnsupportedFormat(const std::string& command, const std::string& format,
                         const std::vector<std::string>& formats);

// Everything a command needs once the command line is parsed.
struct Context {
  EngineOptions options;
  std::string format;  // as given, else the command's default (main.cpp fills it in)
  bool verbose = false;
  bool quiet = false;
  // A flag, a CHIMP_* variable or the config file names the server (host,
  // port or socket). The MySQL option files do not count: the system's
  // /etc/mysql/my.cnf names the local socket on every Debian machine.
  bool server_named = false;
  // Fleet runs (fleet.hpp, README "Fleet runs"): every --database given
  // (root first; options.database is the first), the --databases pattern,
  // --jobs (Default: 1) and --keep-going. options.targets holds the config
  // file's [[targets]] unless a --database or --databases flag replaced them.
  std::vector<std::string> databases;
  std::string pattern;
  int jobs = 1;
  bool jobs_given = false;
  bool keep_going = false;
  // More than one target may be meant: several --database, a pattern or
  // [[targets]].
  bool fleet() const { return databases.size() > 1 || !pattern.empty() || !options.targets.empty(); }
};

// Precedence, lowest first: EngineOptions defaults, the MySQL option files
// (the standard ones unless --no-defaults, --defaults-file or
// [database] read_default_option_file = false; then --defaults-extra-file),
// the config file (--config FILE, else CHIMP_CONFIG, else ./chimp.toml when
// present), the CHIMP_* environment variables, flags. A layer that sets a
// host or port but no socket means TCP: a socket from a lower layer is
// dropped. Errors are InvalidArgument or NotFound (exit code 2).
Result<Context> BuildContext(const GlobalFlags& root, const GlobalFlags& sub);

// Whether log lines and other output to a terminal are coloured: --color
// (auto, always, never), else CHIMP_COLOR, else never when NO_COLOR is set
// and not empty, else auto (stderr is a terminal). InvalidArgument naming
// CHIMP_COLOR for a bad value.
Result<bool> UseColor(const GlobalFlags& root, const GlobalFlags& sub);

// The command table (main.cpp, kCommands) ---------------------------------

// The body of a subcommand: returns the exit code and prints its own errors
// through Fail(). It may read what the command's options wrote.
using CommandRun = std::function<int(const Context&)>;

// Adds a subcommand's own options (and subcommands) to `app`, which the table
// created with the command's name and help, and returns its body.
using CommandRegister = CommandRun (*)(CLI::App* app);

// One row of the command table: what `chimp --help` lists, in its order,
// and the --format values the command supports (its default first).
struct CommandSpec {
  const char* name;
  const char* help;
  CommandRegister add;
  std::vector<std::string> formats;
};

// One per cmd_*.cpp.
CommandRun RegisterInit(CLI::App* app);
CommandRun RegisterStatus(CLI::App* app);
CommandRun RegisterPlan(CLI::App* app);
CommandRun RegisterMigrate(CLI::App* app);
CommandRun RegisterLog(CLI::App* app);
CommandRun RegisterGraph(CLI::App* app);
CommandRun RegisterValidate(CLI::App* app);
CommandRun RegisterRepair(CLI::App* app);
CommandRun RegisterBaseline(CLI::App* app);
CommandRun RegisterRestore(CLI::App* app);
CommandRun RegisterCreate(CLI::App* app);
CommandRun RegisterPlugins(CLI::App* app);
CommandRun RegisterAdhoc(CLI::App* app);
CommandRun RegisterBundle(CLI::App* app);
CommandRun RegisterCheck(CLI::App* app);
CommandRun RegisterRehearse(CLI::App* app);

// The options rehearse and migrate --rehearse share (cmd_rehearse.cpp).
struct RehearsalFlags {
  std::string server_bin_dir;
  std::vector<std::string> copy_schemas;
};
void AddRehearsalOptions(CLI::App* app, RehearsalFlags* flags);
// Sets what the flags name in `*options` (over the config and environment).
void ApplyRehearsalFlags(const RehearsalFlags& flags, EngineOptions* options);
// Rehearses `request` with `options` and prints the report: text, one JSON
// document, or with `as_event` one `rehearsal` event line (migrate's
// stream). Returns 0 when it passed, else the exit code of its failure
// (12 when a signal stopped it).
int RunRehearsal(const Context& ctx, const EngineOptions& options, const PlanRequest& request, bool json,
                 bool as_event);
CommandRun RegisterFingerprint(CLI::App* app);

// The body of `plan`, shared with `migrate --dry-run`: plans from the
// current version to `to` ("" = newest) in `phase` and prints the plan.
// `command` names the caller in messages.
int RunPlan(const Context& ctx, const std::string& to, const std::string& phase, const char* command);

// Errors and formats ---------------------------------------------------------

// Prints "chimp: <message>" to stderr and returns the exit code for `status`.
int Fail(const Status& status);

// Returns the output format of `command`: ctx.format, or `allowed`'s first
// entry when none was given. InvalidArgument when ctx.format is not allowed.
Result<std::string> ChooseFormat(const Context& ctx, const char* command, std::initializer_list<const char*> allowed);

// Refuses an empty --to (a script's unset variable must not mean "the
// newest version"): exit 2.
CLI::Validator NonEmptyVersion();

// Adds --to VERSION and --phase (expand or cleanup) to `app`, writing into
// `*to` and `*phase` (which must outlive parsing): plan and rehearse.
void AddTargetOptions(CLI::App* app, std::string* to, std::string* phase);

// Parses --to and --phase.
Result<PlanRequest> MakePlanRequest(const std::string& to, const std::string& phase);

// Printing -------------------------------------------------------------------

// Writes `doc` indented, and a newline, to stdout. Invalid UTF-8 (from a
// server message, say) is replaced, never thrown on.
void PrintJson(const Json& doc);

// "(empty)" for the empty version, else the version as written.
std::string VersionText(const Version& version);
std::string VersionText(const std::string& version);
// "<from> -> <to>" with VersionText for both.
std::string EdgeText(const Version& from, const Version& to);
std::string EdgeText(const std::string& from, const std::string& to);
// The first line of `text`, cut to `max` characters ("..." added) when max > 0.
std::string FirstLine(const std::string& text, size_t max = 0);
// "12 ms", "3.4 s", "2 min 05 s".
std::string DurationText(int64_t ms);

// Writes rows in aligned columns under `header` (two spaces apart, the last
// column unpadded), each line prefixed by `indent` spaces.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, int indent = 0);

// The plan as text: header line, path, pending steps; with `verbose` every
// statement of every step (StatementsOf).
void PrintPlan(std::ostream& out, const std::string& database, const Plan& plan, bool verbose);
// One table row per pending step (columns of PlanStepHeader()), `limit` rows
// at most (0 = all).
std::vector<std::string> PlanStepHeader();
// The edge of a planned step as text; for a repeatable "repeatable (before, changed)".
std::string StepEdgeText(const PlannedStep& ps);
std::vector<std::vector<std::string>> PlanStepRows(const Plan& plan, size_t limit = 0);

// JSON documents. Field names are snake_case and stable; versions are
// strings, "" for the empty version.
Json PlannedStepToJson(const PlannedStep& step, bool with_statements);
Json PlanToJson(const Plan& plan, bool with_statements);
Json EntryToJson(const ChangelogEntry& entry);
Json BackupToJson(const BackupRecord& backup);
Json RepairToJson(const RepairRecord& repair);
// ", binlog mysql-bin.000042:1234, GTID 0-1-99", or ", binlog off".
std::string BinlogText(const BackupRecord& backup);
Json ErrorToJson(const Status& status);
// {"exit_code": N, "message": "..."}: the `error` object every --format json
// document of a command that exits non-zero carries (doc/json.md).
Json ErrorJson(int exit_code, const std::string& message);

// Checks (chimp/check.hpp): one JSON object per result, and one text line
// per result: "ok" or "FAILED", the kind, the name, the edge ("-" when
// none) and the message (the description when it passed), under `indent`
// spaces. Shared by `check`, `plan`, `migrate --dry-run` and `migrate`.
Json CheckResultToJson(const CheckResult& result);
Json CheckResultsToJson(const std::vector<CheckResult>& results);
void PrintCheckLines(std::ostream& out, const std::vector<CheckResult>& results, int indent = 0);
// "3 checks: 2 ok, 1 failed".
// For every failed drift result: its name ("  drift.app:"), then each
// difference it names on a line of its own ("    app: column t.c added").
void PrintDriftDetails(std::ostream& out, const std::vector<CheckResult>& results);

std::string CheckCountText(const std::vector<CheckResult>& results);

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_COMMON_HPP_
