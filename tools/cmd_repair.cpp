// chimp repair: re-records checksums and resolves failed or interrupted
// steps, each only when asked (a flag) and confirmed (--yes, or y at the
// prompt on a terminal). Every change is recorded in chimp_repairs.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct RepairFlags {
  bool checksums = false;
  std::vector<std::string> mark_applied;
  std::vector<std::string> mark_rolled_back;
  std::vector<std::string> statement_done;
  std::vector<std::string> statement_not_done;
  bool yes = false;
};

void PrintActions(std::ostream& out, const std::string& database, const std::vector<RepairAction>& actions) {
  out << "Repairs for the changelog of database '" << database << "' (" << actions.size() << "):\n";
  std::vector<std::vector<std::string>> rows;
  for (const RepairAction& a : actions) rows.push_back({RepairKindName(a.action), a.step_id, a.detail});
  PrintTable(out, {"ACTION", "STEP", "CHANGE"}, rows, 2);
}

int RunRepair(const Context& ctx, const RepairFlags& flags) {
  Result<std::string> format = ChooseFormat(ctx, "repair", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  const bool json = *format == "json";
  RepairRequest request;
  request.checksums = flags.checksums;
  request.mark_applied = flags.mark_applied;
  request.mark_rolled_back = flags.mark_rolled_back;
  request.statement_done = flags.statement_done;
  request.statement_not_done = flags.statement_not_done;

  const bool interactive = ::isatty(0) == 1 && ::isatty(2) == 1;
  bool refused_no_tty = false;
  bool declined = false;
  auto confirm = [&](const std::vector<RepairAction>& actions) -> bool {
    // What a prompt asks about is always shown: with -q (stdout silenced),
    // on stderr, next to the prompt.
    const bool prompting = !flags.yes && interactive;
    if (!json) PrintActions(prompting && ctx.quiet ? std::cerr : std::cout, ctx.options.database, actions);
    if (json && prompting) PrintActions(std::cerr, ctx.options.database, actions);
    if (flags.yes) return true;
    if (!interactive) {
      refused_no_tty = true;
      return false;
    }
    std::cout << std::flush;
    std::cerr << "Apply " << (actions.size() == 1 ? "this repair" : "these repairs") << "? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) answer.clear();
    declined = !(answer == "y" || answer == "Y" || answer == "yes" || answer == "YES");
    return !declined;
  };
  const std::string database = ctx.options.database;
  auto on_wait = [database](const LockHolder& holder) {
    std::fflush(stdout);
    std::cerr << "chimp: waiting for the migration lock of '" << database << "', held by " << holder.ToString() << '\n';
  };
  Result<RepairReport> result = Repair(ctx.options, request, confirm, on_wait);
  if (!result.ok()) return Fail(result.status());
  const RepairReport& r = *result;
  Status refusal;
  if (!r.actions.empty() && refused_no_tty) {
    refusal = Status::InvalidArgument(
        "repair not applied: it changes the changelog and needs confirmation; stdin is not a terminal, so "
        "give --yes to confirm");
  } else if (!r.actions.empty() && declined) {
    refusal = Status::InvalidArgument("repair not confirmed; nothing changed");
  }
  if (json) {
    Json actions = Json::array();
    for (const RepairAction& a : r.actions) {
      actions.push_back({{"action", RepairKindName(a.action)}, {"step_id", a.step_id}, {"change", a.detail}});
    }
    PrintJson({{"database", database},
               {"run_id", r.run_id},
               {"applied", r.applied},
               {"actions", actions},
               {"error", refusal.ok() ? Json(nullptr) : ErrorJson(ExitCodeFor(refusal.code()), refusal.message())}});
  }
  if (r.actions.empty()) {
    if (!json) std::cout << "Nothing to repair for database '" << database << "'.\n";
    return kExitOk;
  }
  if (!refusal.ok()) return Fail(refusal);
  if (!json) {
    std::cout << "Applied " << r.actions.size() << (r.actions.size() == 1 ? " repair" : " repairs") << " (run "
              << r.run_id << "; recorded in chimp_repairs, see chimp log).\n";
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterRepair(CLI::App* app) {
  auto flags = std::make_shared<RepairFlags>();
  app->add_flag("--checksums", flags->checksums,
                "Re-record the checksum of every applied step whose installed plugin now differs");
  app->add_option("--mark-applied", flags->mark_applied,
                  "The operator completed this failed or interrupted step by hand: record it as applied")
      ->type_name("STEP")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("--mark-rolled-back", flags->mark_rolled_back,
                  "The operator undid this step's partial changes: the next migrate starts it from "
                  "statement 1")
      ->type_name("STEP")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("--statement-done", flags->statement_done,
                  "The statement in doubt of this interrupted step took effect: the next migrate goes on "
                  "after it")
      ->type_name("STEP")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_option("--statement-not-done", flags->statement_not_done,
                  "The statement in doubt of this interrupted step did not take effect: the next migrate "
                  "runs it again")
      ->type_name("STEP")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app->add_flag("-y,--yes", flags->yes, "Apply without asking (needed when stdin is not a terminal)");
  return [flags](const Context& ctx) { return RunRepair(ctx, *flags); };
}

}  // namespace chimp::cli
