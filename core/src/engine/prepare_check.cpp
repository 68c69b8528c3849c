#include "engine/prepare_check.hpp"

#include <algorithm>
#include <optional>

#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {
namespace {

// Server errors that say the text does not parse, whatever the schema.
constexpr uint32_t kParseErrors[] = {1064, 1149, 4161};  // ER_PARSE_ERROR, ER_SYNTAX_ERROR, ER_UNKNOWN_DATA_TYPE
constexpr uint32_t kNotPreparable = 1295;                // ER_UNSUPPORTED_PS

bool IsParseError(uint32_t server_errno) {
  return std::find(std::begin(kParseErrors), std::end(kParseErrors), server_errno) != std::end(kParseErrors);
}

class EdgePreparer {
 public:
  EdgePreparer(Connection& conn, const Edge& edge, const std::string& db, const std::string& where, VerifyEdge* out,
               std::vector<VerifyProblem>* problems)
      : conn_(conn), edge_(edge), db_(db), where_(where), out_(out), problems_(problems) {}

  void Run() {
    const std::string tag(kInternalTag);
    if (!Fatal(conn_.Execute(tag + "CREATE DATABASE IF NOT EXISTS " + Connection::QuoteIdentifier(db_)).status()))
      return;
    for (const Step& step : edge_.steps) {
      if (step.run != nullptr) {
        out_->unchecked.push_back({step.id, step.source, 0, "",
                                   std::string("a native ") + (step.kind == StepKind::kCheck ? "check" : "step") +
                                       " runs only on a database at " + edge_.from.ToString()});
      } else if (!PrepareStep(step)) {
        return;
      }
    }
  }

 private:
  // False when the check must stop (a parse error or a lost server).
  bool PrepareStep(const Step& step) {
    const std::string tag(kInternalTag);
    if (!Fatal(conn_.ResetSession()) ||
        !Fatal(conn_.Execute(tag + "USE " + Connection::QuoteIdentifier(db_)).status()) ||
        !Fatal(RunSession(edge_.plugin->session_sql)) || !Fatal(RunSession(step.session_sql))) {
      return false;
    }
    const std::string source = step.source.empty() ? "step '" + step.id + "'" : step.source;
    StatementSource statements(step.sql, step.dialect, source);
    for (;;) {
      auto next = statements.Next();
      if (!next.ok()) return Fatal(next.status().WithCode(StatusCode::kPluginError));
      if (!next->has_value()) return true;
      if (!PrepareStatement(step, source, statements.estimated(), **next)) return false;
      statements.Follow(conn_.Flags());
    }
  }

  bool PrepareStatement(const Step& step, const std::string& source, int32_t count, const ClassifiedStatement& c) {
    const SqlStatement& s = c.statement;
    ++out_->statements;
    if (s.kind == SqlStatement::Kind::kUse) {  // the client's command: nothing for the server to parse
      ++out_->prepared;
      return true;
    }
    // A session SET is run: what follows is parsed under it.
    const bool run = c.info.replays_on_resume && c.info.first_keyword == "SET";
    auto done = conn_.Execute(run ? s.text : "PREPARE chimp_verify FROM " + conn_.QuoteString(s.text));
    if (done.ok()) {
      ++out_->prepared;
      if (!run) (void)conn_.Execute("DEALLOCATE PREPARE chimp_verify");
      return true;
    }
    const Status& e = done.status();
    const std::string what = "step '" + step.id + "' statement " + std::to_string(s.index + 1) + " of " +
                             std::to_string(std::max<int32_t>(count, static_cast<int32_t>(s.index) + 1)) + " (" +
                             source + ", line " + std::to_string(s.first_line) + ": " + ShortenSql(s.text) + ")";
    if (e.code() == StatusCode::kUnavailable) return Fatal(e.WithContext(what));
    if (IsParseError(e.server_errno())) {
      problems_->push_back({StatusCode::kStepFailed, where_ + ": " + what + ": the server refuses its syntax (" +
                                                         (run ? "run" : "PREPARE, nothing was run") +
                                                         "): " + e.message()});
      return false;
    }
    const std::string reason = e.server_errno() == kNotPreparable
                                   ? "the server cannot prepare this kind of statement: " + e.message()
                                   : "PREPARE needs the schema of " + edge_.from.ToString() + ": " + e.message();
    out_->unchecked.push_back({step.id, step.source, static_cast<int32_t>(s.first_line), ShortenSql(s.text), reason});
    return true;
  }

  Status RunSession(const std::string& sql) {
    if (sql.empty()) return Status::Ok();
    StatementSource statements(sql, SqlDialect::kClient, "session_sql");
    for (;;) {
      CHIMP_ASSIGN_OR_RETURN(auto next, statements.Next());
      if (!next.has_value()) return Status::Ok();
      CHIMP_RETURN_IF_ERROR(conn_.Execute(next->statement.text).status().WithContext("session_sql"));
      statements.Follow(conn_.Flags());
    }
  }

  // Records a failure of the check itself; false when `s` is one.
  bool Fatal(const Status& s) {
    if (s.ok()) return true;
    problems_->push_back({s.code(), where_ + ": preparing the statements: " + s.message()});
    return false;
  }

  Connection& conn_;
  const Edge& edge_;
  const std::string& db_;
  const std::string& where_;
  VerifyEdge* out_;
  std::vector<VerifyProblem>* problems_;
};

}  // namespace

void PrepareEdge(Connection& conn, const Edge& edge, const std::string& db, const std::string& where, VerifyEdge* out,
                 std::vector<VerifyProblem>* problems) {
  EdgePreparer(conn, edge, db, where, out, problems).Run();
}

}  // namespace chimp::internal
