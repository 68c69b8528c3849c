#include "exec/check_run.hpp"

#include <cstdint>
#include <optional>

#include "plugin/services.hpp"
#include "sql/shorten.hpp"
#include "sql/statement_source.hpp"

namespace chimp::internal {

namespace {

bool IsTrue(const Row& row) {
  if (row.empty() || row[0].is_null()) return false;
  const std::string text = row[0].ToString();
  return text != "0" && !text.empty() && text != "0.0";
}

Status RunCheckQuery(Connection& conn, const Step& step, const Edge& edge) {
  int64_t rows = 0;
  int64_t failing = 0;
  std::string first_failing;
  Status s = conn.QueryEach(step.sql, {}, [&](const Row& row) {
    ++rows;
    if (!IsTrue(row) && failing++ == 0) {
      for (size_t i = 0; i < row.size(); ++i) {
        first_failing += (i ? ", " : "") + (row[i].is_null() ? std::string("NULL") : row[i].ToString());
      }
    }
    return true;
  });
  const std::string where = "check '" + step.id + "' (plugin '" + edge.plugin->file + "')";
  if (!s.ok()) return s.WithContext(where).WithCode(StatusCode::kStepFailed);
  if (rows == 0) return Status::CheckFailed(where + " failed: the query returned no row: " + ShortenSql(step.sql));
  if (failing > 0) {
    return Status::CheckFailed(where + " failed: " + std::to_string(failing) + " of " + std::to_string(rows) +
                               " row(s) are false, the first: (" + first_failing + "); query: " + ShortenSql(step.sql));
  }
  return Status::Ok();
}

}  // namespace

Status RunSessionSql(Connection& conn, const std::string& sql, const char* what) {
  if (sql.empty()) return Status::Ok();
  StatementSource source(sql, SqlDialect::kClient, what);
  for (;;) {
    CHIMP_ASSIGN_OR_RETURN(std::optional<ClassifiedStatement> next, source.Next());
    if (!next.has_value()) return Status::Ok();
    CHIMP_RETURN_IF_ERROR(conn.Execute(next->statement.text).status().WithContext(what));
    source.Follow(conn.Flags());
  }
}

Status RunCheck(Connection& conn, const Step& step, const Edge& edge) {
  if (step.run != nullptr) return RunNativeStep(step, edge, conn);
  return RunCheckQuery(conn, step, edge);
}

}  // namespace chimp::internal
