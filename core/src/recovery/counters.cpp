#include "recovery/counters.hpp"

#include <algorithm>
#include <charconv>

#include "sql/statement_source.hpp"

namespace chimp::internal {

namespace {

// ER_NO_SUCH_TABLE, ER_BAD_DB_ERROR: the table or its schema was dropped
// since; there is no counter to put back.
constexpr unsigned int kErNoSuchTable = 1146;
constexpr unsigned int kErBadDb = 1049;

// Reads "`name`" (doubled backticks inside) at `pos`; moves `pos` past it.
std::optional<std::string> ReadQuoted(std::string_view text, size_t* pos) {
  if (*pos >= text.size() || text[*pos] != '`') return std::nullopt;
  std::string name;
  for (size_t i = *pos + 1; i < text.size(); ++i) {
    if (text[i] != '`') {
      name += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '`') {
      name += '`';
      ++i;
    } else {
      *pos = i + 1;
      return name;
    }
  }
  return std::nullopt;
}

std::optional<TableCounter> DecodeLine(std::string_view line) {
  size_t pos = 0;
  TableCounter counter;
  auto schema = ReadQuoted(line, &pos);
  if (!schema || pos >= line.size() || line[pos++] != '.') return std::nullopt;
  auto table = ReadQuoted(line, &pos);
  if (!table || pos >= line.size() || line[pos++] != '=') return std::nullopt;
  const char* end = line.data() + line.size();
  auto [stop, error] = std::from_chars(line.data() + pos, end, counter.next);
  if (error != std::errc() || stop != end) return std::nullopt;
  counter.schema = std::move(*schema);
  counter.table = std::move(*table);
  return counter;
}

// One SELECT per table, so that the server opens only that table.
std::string CounterQuery(Connection& conn, const std::vector<DdlObject>& tables) {
  std::string sql;
  for (const DdlObject& table : tables) {
    const bool all = table.kind == DdlObject::Kind::kDatabase;
    const std::string& schema = all ? table.name : table.schema;
    sql += sql.empty() ? std::string(kInternalTag) : std::string(" UNION ALL ");
    sql += "SELECT TABLE_SCHEMA, TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
           (schema.empty() ? std::string("DATABASE()") : conn.QuoteString(schema)) +
           (all ? std::string() : " AND TABLE_NAME = " + conn.QuoteString(table.name)) +
           " AND AUTO_INCREMENT IS NOT NULL";
  }
  return sql;
}

// The schema of the routine a CALL names ("": the session's), or nullopt
// for any other statement.
std::optional<std::string> CalledSchema(const StatementInfo& info) {
  if (!info.called_routine) return std::nullopt;
  return info.called_routine->schema;
}

}  // namespace

std::string EncodeCounters(const std::vector<TableCounter>& counters) {
  std::string text;
  for (const TableCounter& c : counters) {
    if (!text.empty()) text += '\n';
    text += Connection::QuoteIdentifier(c.schema) + "." + Connection::QuoteIdentifier(c.table) + "=" +
            std::to_string(c.next);
  }
  return text;
}

Result<std::vector<TableCounter>> DecodeCounters(std::string_view text) {
  std::vector<TableCounter> counters;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    auto counter = DecodeLine(text.substr(0, end));
    if (!counter) {
      return Status::InvalidArgument("AUTO_INCREMENT checkpoint: cannot read '" + std::string(text.substr(0, end)) +
                                     "' (expected `schema`.`table`=N)");
    }
    counters.push_back(std::move(*counter));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return counters;
}

Result<std::vector<TableCounter>> ReadCounters(Connection& conn, const std::vector<DdlObject>& tables) {
  std::vector<TableCounter> counters;
  if (tables.empty()) return counters;
  CHIMP_RETURN_IF_ERROR(conn.QueryEach(CounterQuery(conn, tables), {}, [&](const Row& row) {
    TableCounter c{row[0].ToString(), row[1].ToString(), 0};
    const std::string next = row[2].ToString();
    std::from_chars(next.data(), next.data() + next.size(), c.next);
    if (std::find(counters.begin(), counters.end(), c) == counters.end()) counters.push_back(std::move(c));
    return true;
  }));
  return counters;
}

Result<int32_t> RestoreCounters(Connection& conn, Changelog& changelog) {
  CHIMP_ASSIGN_OR_RETURN(std::string text, changelog.ReadCounterCheckpoint());
  if (text.empty()) return 0;
  CHIMP_ASSIGN_OR_RETURN(std::vector<TableCounter> counters, DecodeCounters(text));
  int32_t restored = 0;
  for (const TableCounter& c : counters) {
    const std::string table = Connection::QuoteIdentifier(c.schema) + "." + Connection::QuoteIdentifier(c.table);
    Status s =
        conn.Execute(std::string(kInternalTag) + "ALTER TABLE " + table + " AUTO_INCREMENT = " + std::to_string(c.next))
            .status();
    if (s.server_errno() == kErNoSuchTable || s.server_errno() == kErBadDb) continue;
    if (!s.ok()) {
      return s.WithContext("restoring the AUTO_INCREMENT counter of " + table + " to " + std::to_string(c.next) +
                           ", which a transaction of the last run took values of before it was interrupted; "
                           "migrate again once the table can be altered (doc/recovery.md)");
    }
    ++restored;
  }
  CHIMP_RETURN_IF_ERROR(changelog.SetCounterCheckpoint(""));
  return restored;
}

void CounterCheckpoint::Prepare(const PlannedStep& planned, const PlannedStep* next) {
  current_ = next_.step == &planned ? std::move(next_) : Summarize(planned);
  next_ = next != nullptr ? Summarize(*next) : Script{};
}

Status CounterCheckpoint::Arm(int32_t index) {
  const Key key{current_.step, index};
  pending_ = stored_;
  pending_text_ = stored_text_;
  if (stored_ == key) return Status::Ok();  // the last commit left it
  const bool whole = current_.step != nullptr && !current_.step->step->has_ddl;
  CHIMP_ASSIGN_OR_RETURN(auto counters, ReadCounters(conn_, Inserted(current_, index, whole, "")));
  std::string text = EncodeCounters(counters);
  if (text != stored_text_) CHIMP_RETURN_IF_ERROR(changelog_.SetCounterCheckpoint(text));
  stored_ = pending_ = key;
  stored_text_ = pending_text_ = std::move(text);
  return Status::Ok();
}

Status CounterCheckpoint::Leave(bool last) {
  Key key;
  std::string text;
  if (last && next_.step != nullptr) {
    const PlannedStep& next = *next_.step;
    const bool whole = !next.step->has_ddl;
    key = Key{&next, whole ? 0 : next.resume_from};
    CHIMP_ASSIGN_OR_RETURN(auto counters, ReadCounters(conn_, Inserted(next_, key.index, whole, DatabaseOf(next))));
    text = EncodeCounters(counters);
  }
  if (text != stored_text_) CHIMP_RETURN_IF_ERROR(changelog_.SetCounterCheckpoint(text));
  pending_ = key;
  pending_text_ = std::move(text);
  return Status::Ok();
}

void CounterCheckpoint::Committed() {
  stored_ = pending_;
  stored_text_ = pending_text_;
}

Status CounterCheckpoint::Clear() {
  if (!stored_text_.empty()) CHIMP_RETURN_IF_ERROR(changelog_.SetCounterCheckpoint(""));
  stored_ = pending_ = Key{};
  stored_text_.clear();
  pending_text_.clear();
  return Status::Ok();
}

CounterCheckpoint::Script CounterCheckpoint::Summarize(const PlannedStep& planned) {
  Script script;
  script.step = &planned;
  const Step& step = *planned.step;
  if (step.kind != StepKind::kSql) {
    script.native = step.kind == StepKind::kNative;
    return script;
  }
  auto split = SplitScriptFollowingLiteralModes(step.sql, step.dialect, "step '" + step.id + "'");
  if (!split.ok()) return script;  // the run reports the error at that statement
  for (const ClassifiedStatement& s : *split) {
    script.statements.push_back(Statement{s.info.runs_alone, s.info.inserted_table, CalledSchema(s.info),
                                          s.statement.kind == SqlStatement::Kind::kUse ? s.statement.database : ""});
  }
  return script;
}

std::vector<DdlObject> CounterCheckpoint::Inserted(const Script& script, int32_t index, bool whole,
                                                   const std::string& database) {
  std::vector<DdlObject> tables;
  auto add = [&](DdlObject table) {
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(std::move(table));
  };
  const DdlObject::Kind all = DdlObject::Kind::kDatabase;
  if (script.native) add(DdlObject{all, "", database});
  std::string current = database;
  for (size_t i = std::max<int32_t>(index, 0); i < script.statements.size(); ++i) {
    const Statement& s = script.statements[i];
    // A CALL may join the group (exec/ddl_run.cpp, CallRunsInGroup): the
    // group goes on past it.
    if (s.runs_alone && !s.calls && !whole) break;
    if (!s.use.empty()) current = s.use;
    if (s.calls) add(DdlObject{all, "", s.calls->empty() ? current : *s.calls});
    if (!s.inserted) continue;
    DdlObject table = *s.inserted;
    if (table.schema.empty()) table.schema = current;
    add(std::move(table));
  }
  return tables;
}

std::string CounterCheckpoint::DatabaseOf(const PlannedStep& planned) const {
  return planned.step->database.has_value() ? *planned.step->database : target_db_;
}

}  // namespace chimp::internal
