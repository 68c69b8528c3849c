#include "lock/sessions.hpp"

#include "changelog/row_reader.hpp"
#include "sql/shorten.hpp"

namespace chimp::internal {

namespace {

constexpr const char* kSessionColumns =
    "p.ID, p.USER, p.HOST, p.COMMAND, p.TIME, IFNULL(p.STATE, ''), IFNULL(LEFT(p.INFO, 400), '')";

SessionInfo ReadSession(RowReader& r) {
  SessionInfo s;
  s.id = static_cast<uint64_t>(r.Int());
  s.user = r.Text();
  s.host = r.Text();
  s.command = r.Text();
  s.seconds = r.Int(-1);
  s.state = r.Text();
  s.query = r.Text();
  return s;
}

SessionInfo ReadHolder(RowReader& r) {
  SessionInfo s = ReadSession(r);
  s.transaction_seconds = r.Int(-1);
  return s;
}

}  // namespace

std::string DescribeSession(const SessionInfo& s) {
  std::string out = "connection " + std::to_string(s.id) + " (" + s.user + "@" + s.host + ", ";
  if (s.command == "Sleep" && s.transaction_seconds >= 0) {
    out += "idle in transaction for " + std::to_string(s.transaction_seconds) + " s";
  } else {
    out += s.command + " for " + std::to_string(s.seconds) + " s";
    if (s.transaction_seconds >= 0) out += ", in a transaction for " + std::to_string(s.transaction_seconds) + " s";
  }
  if (!s.state.empty()) out += ", state '" + s.state + "'";
  if (!s.query.empty()) out += ": " + ShortenSql(s.query);
  return out + ")";
}

Result<std::vector<SessionInfo>> FindSessions(Connection& conn, const std::vector<uint64_t>& ids) {
  std::string list;
  for (uint64_t id : ids) {
    if (id == 0) continue;
    list += (list.empty() ? "" : ", ") + std::to_string(id);
  }
  if (list.empty()) return std::vector<SessionInfo>();
  return ReadRows(conn,
                  std::string(kInternalTag) + "SELECT " + kSessionColumns +
                      " FROM information_schema.PROCESSLIST p WHERE p.ID IN (" + list + ") ORDER BY p.ID",
                  {}, &ReadSession);
}

Result<std::vector<SessionInfo>> FindLockHolders(Connection& conn, uint64_t waiter) {
  const Value params[] = {Value::Int(static_cast<int64_t>(waiter))};
  return ReadRows(conn,
                  std::string(kInternalTag) + "SELECT " + kSessionColumns +
                      ", TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) FROM information_schema.INNODB_TRX t "
                      "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                      "WHERE p.ID <> ? ORDER BY t.trx_started LIMIT 5",
                  params, &ReadHolder);
}

}  // namespace chimp::internal
