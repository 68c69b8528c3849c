// chimp restore: loads a backup `migrate --backup` recorded back into its
// database (or --into another) and makes the changelog say so; shows what
// it will do and asks first (--yes, or y at the prompt on a terminal).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct RestoreFlags {
  std::string backup;
  std::string into;
  bool yes = false;
};

std::string Shown(const Version& v) { return v.empty() ? "(empty)" : v.ToString(); }

void PrintPlan(std::ostream& out, const RestoreReport& r, bool same_database) {
  const BackupRecord& b = r.backup;
  out << "Restore backup #" << b.id << " of database '" << b.databases << "' into database '" << r.into << "':\n"
      << "  dump:     " << b.file << " (" << b.size_bytes << " bytes, taken " << b.started_at << " by run " << b.run_id
      << " at version " << (b.version.empty() ? "(empty)" : b.version) << ")\n"
      << "  database: '" << r.into << "' is dropped, recreated and loaded from the dump\n"
      << "  version:  " << Shown(r.version_before) << " -> " << (b.version.empty() ? "(empty)" : b.version) << "\n";
  if (!same_database) {
    out << "  changelog: '" << r.into << "' starts at the backup's version (a 'chimp:restore' row)\n";
    return;
  }
  out << "  changelog: " << r.rolled_back.size()
      << " rows written after the backup are marked rolled_back; a 'chimp:restore' row records the restore\n";
  if (r.rolled_back.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const ChangelogEntry& e : r.rolled_back) {
    rows.push_back({std::to_string(e.id), e.step_id, StepStatusName(e.status), e.edge_from + " -> " + e.edge_to});
  }
  PrintTable(out, {"ROW", "STEP", "STATUS", "EDGE"}, rows, 4);
}

int RunRestore(const Context& ctx, const RestoreFlags& flags) {
  Result<std::string> format = ChooseFormat(ctx, "restore", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  const bool json = *format == "json";
  RestoreRequest request;
  request.backup = flags.backup;
  request.into = flags.into;
  const bool same_database = flags.into.empty() || flags.into == ctx.options.database;
  const bool interactive = ::isatty(0) == 1 && ::isatty(2) == 1;
  bool refused_no_tty = false;
  bool declined = false;
  auto confirm = [&](const RestoreReport& plan) -> bool {
    if (!json) PrintPlan(std::cout, plan, same_database);
    if (json && !flags.yes && interactive) PrintPlan(std::cerr, plan, same_database);
    if (flags.yes) return true;
    if (!interactive) {
      refused_no_tty = true;
      return false;
    }
    std::cout << std::flush;
    std::cerr << "Restore? This replaces everything in database '" << plan.into << "'. [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) answer.clear();
    declined = !(answer == "y" || answer == "Y" || answer == "yes" || answer == "YES");
    return !declined;
  };
  const std::string database = same_database ? ctx.options.database : flags.into;
  auto on_wait = [database](const LockHolder& holder) {
    std::fflush(stdout);
    std::cerr << "chimp: waiting for the migration lock of '" << database << "', held by " << holder.ToString() << '\n';
  };
  Result<RestoreReport> result = Restore(ctx.options, request, confirm, on_wait);
  if (!result.ok()) return Fail(result.status());
  const RestoreReport& r = *result;
  Status refusal;
  if (refused_no_tty) {
    refusal = Status::InvalidArgument(
        "restore not done: it replaces the database and needs confirmation; stdin is not a terminal, so give "
        "--yes to confirm");
  } else if (declined) {
    refusal = Status::InvalidArgument("restore not confirmed; nothing changed");
  }
  if (json) {
    Json rows = Json::array();
    for (const ChangelogEntry& e : r.rolled_back) rows.push_back({{"id", e.id}, {"step_id", e.step_id}});
    PrintJson({{"database", r.into},
               {"run_id", r.run_id},
               {"applied", r.applied},
               {"backup", BackupToJson(r.backup)},
               {"version_before", r.version_before.ToString()},
               {"version", r.backup.version},
               {"rolled_back", rows},
               {"changelog_id", r.changelog_id},
               {"error", refusal.ok() ? Json(nullptr) : ErrorJson(ExitCodeFor(refusal.code()), refusal.message())}});
  }
  if (!refusal.ok()) return Fail(refusal);
  if (!json) {
    std::cout << "Restored database '" << r.into << "' from backup #" << r.backup.id << "; it is at version "
              << (r.backup.version.empty() ? "(empty)" : r.backup.version) << " (run " << r.run_id
              << "; see chimp log). chimp migrate goes on from there.\n";
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterRestore(CLI::App* app) {
  auto flags = std::make_shared<RestoreFlags>();
  app->add_option("backup", flags->backup,
                  "The backup: its id (chimp log lists them) or its dump file (Default: the newest with a dump)")
      ->type_name("BACKUP");
  app->add_option("--into", flags->into,
                  "Restore into this new (or empty) database instead of the one the backup came from")
      ->type_name("DB");
  app->add_flag("-y,--yes", flags->yes, "Restore without asking (needed when stdin is not a terminal)");
  return [flags](const Context& ctx) { return RunRestore(ctx, *flags); };
}

}  // namespace chimp::cli
