// chimp adhoc: runs one-off SQL (a file or -e) through the same splitter and
// connection as migration steps, one statement at a time; stops at the first
// error. Result sets print as tables (--format json: one document with every
// statement's outcome and rows); each run is recorded in the changelog.
// --dry-run prints the statements it would send, one per block.
#include <fstream>
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

std::string CellText(const Value& v) { return v.is_null() ? "NULL" : v.ToString(); }

Json CellJson(const Value& v) {
  switch (v.type) {
    case Value::Type::kNull: return nullptr;
    case Value::Type::kInt64: return v.i64;
    case Value::Type::kDouble: return v.f64;
    default: return v.ToString();
  }
}

// A statement's result set as an aligned table and a row count.
void PrintRows(const QueryResult& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const Row& row : rows.rows) {
    std::vector<std::string> line;
    for (const Value& v : row) line.push_back(CellText(v));
    cells.push_back(std::move(line));
  }
  PrintTable(std::cout, rows.columns, cells, 2);
  std::cout << "  (" << rows.rows.size() << (rows.rows.size() == 1 ? " row" : " rows") << ")\n";
}

Json StatementJson(const std::string& source, const SqlStatement& s, const ExecInfo& info, const QueryResult& rows) {
  Json j = {{"source", source},
            {"line", s.first_line},
            {"sql", s.text},
            {"affected_rows", info.affected_rows},
            {"warnings", info.warning_count}};
  if (!rows.columns.empty()) {
    Json data = Json::array();
    for (const Row& row : rows.rows) {
      Json line = Json::array();
      for (const Value& v : row) line.push_back(CellJson(v));
      data.push_back(std::move(line));
    }
    j["columns"] = rows.columns;
    j["rows"] = std::move(data);
  }
  return j;
}

}  // namespace

CommandRun RegisterAdhoc(CLI::App* app) {
  struct Options {
    std::string file;
    std::string execute;
    std::string dialect = "client";
    bool dry_run = false;
  };
  auto opts = std::make_shared<Options>();
  auto* file = app->add_option("--file,-f", opts->file, "SQL script to run")->type_name("FILE");
  auto* exec = app->add_option("--execute,-e", opts->execute, "SQL to run")->type_name("SQL");
  file->excludes(exec);
  exec->excludes(file);
  app->add_option("--dialect", opts->dialect,
                  "client (Default: split as the mariadb client does) or script-runner (CloudStack's "
                  "line-based runner)")
      ->check(CLI::IsMember({"client", "script-runner"}));
  app->add_flag("--dry-run", opts->dry_run, "Only print the statements that would be sent, one per block");
  return [opts](const Context& ctx) -> int {
    std::string script;
    std::string source;
    if (!opts->file.empty()) {
      std::ifstream in(opts->file, std::ios::binary);
      if (!in) return Fail(Status::NotFound("cannot read SQL file '" + opts->file + "'"));
      std::ostringstream text;
      text << in.rdbuf();
      script = text.str();
      source = opts->file;
    } else if (!opts->execute.empty()) {
      script = opts->execute;
      source = "-e";
    } else {
      return Fail(Status::InvalidArgument("adhoc needs --file FILE or -e SQL"));
    }
    Result<std::string> format = ChooseFormat(ctx, "adhoc", {"text", "json"});
    if (!format.ok()) return Fail(format.status());
    const bool json = *format == "json";
    Json statements = Json::array();
    int32_t shown = 0;
    auto on_statement = [&](const SqlStatement& s, const ExecInfo* info, const QueryResult* rows) {
      if (info == nullptr) {
        if (json) {
          statements.push_back({{"source", source}, {"line", s.first_line}, {"sql", s.text}});
        } else {
          std::cout << (shown++ ? "\n" : "") << "-- " << source << ":" << s.first_line << "\n" << s.text << "\n";
        }
        return;
      }
      if (json) {
        statements.push_back(StatementJson(source, s, *info, *rows));
        return;
      }
      if (ctx.quiet) return;
      std::cout << source << ":" << s.first_line << ": ok";
      if (info->affected_rows > 0) std::cout << ", " << info->affected_rows << " rows affected";
      if (info->warning_count > 0) std::cout << ", " << info->warning_count << " warnings";
      std::cout << "\n";
      if (!rows->columns.empty()) PrintRows(*rows);
    };
    auto result = RunAdhoc(ctx.options, script, source, opts->dialect == "script-runner", opts->dry_run, on_statement);
    if (json) {
      Json doc = {{"database", ctx.options.database}, {"dry_run", opts->dry_run}, {"statements", statements}};
      if (result.ok()) {
        doc["changelog_id"] = result->changelog_id == 0 ? Json(nullptr) : Json(result->changelog_id);
        if (!result->not_recorded.empty()) doc["not_recorded"] = result->not_recorded;
      } else {
        doc["error"] = {{"exit_code", ExitCodeFor(result.status().code())}, {"message", result.status().message()}};
      }
      PrintJson(doc);
    }
    if (!result.ok()) return Fail(result.status());
    if (!opts->dry_run && !ctx.quiet && !json) {
      std::cout << result->statements << (result->statements == 1 ? " statement" : " statements") << " run";
      if (result->changelog_id != 0) std::cout << ", recorded in the changelog (row " << result->changelog_id << ")";
      std::cout << ".\n";
      if (!result->not_recorded.empty()) std::cout << "Not recorded: " << result->not_recorded << ".\n";
    }
    return kExitOk;
  };
}

}  // namespace chimp::cli
