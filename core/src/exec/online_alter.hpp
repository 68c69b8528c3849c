// OnlineAlterRun: the one ALTER TABLE of a step marked online
// (Step::online, CHIMP_STEP_ONLINE), run through pt-online-schema-change
// (doc/operations.md "Online schema changes", doc/recovery.md).
//
// The tool copies the table into a shadow table `_<table>_new` that it
// alters first, keeps the copy in step with triggers
// `pt_osc_<db>_<table>_{ins,upd,del}` on the table while it copies in
// chunks, then swaps the two with one atomic RENAME TABLE and drops the old
// one. Before it starts, the step's row records the statement's pre-image
// (the table's probe fingerprint, recovery/probe.hpp) as for any DDL
// statement, so the changelog names the change in flight. The tool dies
// with chimp (PR_SET_PDEATHSIG). On resume, or after the tool failed, chimp
// drops what the tool left (the triggers, the shadow table, and after a
// swap the old table) and decides by the probe: a changed table means the
// RENAME happened, the step is done; an unchanged one means it did not, and
// the tool runs again. What was dropped is recorded in the row's warnings.
//
// The password reaches the tool in an option file in an anonymous memfd
// (F=/dev/fd/N in its DSN), never its command line, environment or disk.
#ifndef CHIMP_EXEC_ONLINE_ALTER_HPP_
#define CHIMP_EXEC_ONLINE_ALTER_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/options.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"
#include "exec/step_context.hpp"
#include "exec/step_row.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

// An ALTER TABLE statement cut into what the tool takes: the table and the
// clauses after its name (the tool's --alter).
struct OnlineAlter {
  std::string schema;  // "" = the step's database
  std::string table;
  std::string clauses;
};

// Reads `statement` as ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name
// clauses. InvalidArgument saying what it is otherwise.
Result<OnlineAlter> ParseOnlineAlter(std::string_view statement);

// Loader check of a step marked online: a SQL step with DDL whose script is
// one ALTER TABLE statement. InvalidArgument naming what is wrong.
Status CheckOnlineStep(const Step& step);

// The pt-online-schema-change program `options` name, or the one on $PATH;
// "" when there is none.
std::string FindOnlineTool(const OnlineAlterOptions& options);

// Plan time: FailedPrecondition naming the first step of `plan` marked
// online when the tool cannot be found.
Status RequireOnlineTool(const OnlineAlterOptions& options, const Plan& plan);

// "Copying `d`.`t`:  45% 00:12 remain" -> 45; nullopt for any other line.
std::optional<uint32_t> ParseCopyPercent(std::string_view line);

// The tool's arguments for one run (without the program), the DSN naming
// option file descriptor `option_fd`.
std::vector<std::string> OnlineToolArguments(const OnlineAlterOptions& options, const OnlineAlter& alter,
                                             const std::string& database, int option_fd);

class OnlineAlterRun {
 public:
  // REQUIRES: the references and `outcome` outlive the run.
  OnlineAlterRun(const StepContext& step, StatementSource& source, StepRow& row, StepOutcome* outcome);

  // Runs the step's ALTER online; fills the outcome. Errors name the step
  // and carry the tool's own message.
  Status Run();

 private:
  // Drops the triggers and the shadow table a killed or failed run left;
  // `swapped`: the old table too. Appends what it dropped to dropped_.
  Status DropLeftovers(bool swapped);
  // Whether the table's schema holds a trigger (`trigger`) or a table
  // `name`; DropIfThere drops it when it does and notes it in dropped_.
  Result<bool> Exists(bool trigger, const std::string& name);
  Status DropIfThere(bool trigger, const std::string& name);
  // The table's probe fingerprint now.
  Result<std::string> Probe();
  // Starts the tool, reads its output (progress lines to the observer),
  // waits for it. Its failure as a Status with its message.
  Status RunTool();
  // Records in the row's warnings what a resume or failure found.
  void Note(const std::string& text);

  const StepContext& step_;
  StatementSource& source_;
  StepRow& row_;
  StepOutcome* outcome_;
  std::optional<ClassifiedStatement> statement_;
  OnlineAlter alter_;
  std::string database_;  // the table's schema, resolved
  std::vector<std::string> dropped_;
};

}  // namespace chimp::internal

#endif  // CHIMP_EXEC_ONLINE_ALTER_HPP_
