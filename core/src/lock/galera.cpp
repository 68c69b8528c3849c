#include "lock/galera.hpp"

#include "changelog/row_reader.hpp"

namespace chimp::internal {

namespace {

// Each value comes from information_schema, which answers NULL (no row)
// where the server has no such variable, instead of failing as @@x would.
constexpr const char* kProbe =
    "SELECT (SELECT VARIABLE_VALUE FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = 'WSREP_ON'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = 'WSREP_OSU_METHOD'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'WSREP_NODE_NAME'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
    "'WSREP_LOCAL_STATE_COMMENT'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = 'WSREP_SYNC_WAIT')";

}  // namespace

Result<GaleraNode> DetectGalera(Connection& conn) {
  GaleraNode node;
  auto rows = conn.Query(std::string(kInternalTag) + kProbe);
  if (!rows.ok()) {
    // MySQL 8 has no information_schema.SESSION_VARIABLES: no wsrep there.
    if (rows.status().code() == StatusCode::kDatabaseError) return node;
    return rows.status().WithContext("reading the server's wsrep settings");
  }
  if (rows->rows.empty()) return node;
  RowReader r(rows->rows.front());
  const std::string on = r.Text();
  node.cluster_size = r.Int(0);
  node.osu_method = r.Text();
  node.node_name = r.Text();
  node.local_state = r.Text();
  node.sync_wait = r.Int(0);
  node.on = (on == "ON" || on == "1") && node.cluster_size > 0;
  return node;
}

std::string DescribeGalera(const GaleraNode& node) {
  return "Galera node '" + node.node_name + "' (cluster of " + std::to_string(node.cluster_size) +
         ", wsrep_OSU_method " + node.osu_method + ")";
}

Result<LockKind> LockKindFor(const GaleraNode& node, LockKind asked, const std::string& where) {
  if (asked == LockKind::kLease) return asked;
  if (!node.on) return LockKind::kNamed;
  if (asked == LockKind::kAuto) return LockKind::kLease;
  return Status::InvalidArgument(
      "lock = \"named\" (--lock, [changelog] lock or CHIMP_LOCK) on " + where + ", a " + DescribeGalera(node) +
      ": GET_LOCK is local to one node, so it would not keep a run on another node out. Use lock = \"lease\" "
      "or \"auto\" (the default), which takes the lease there (doc/operations.md \"Galera clusters\")");
}

Result<LockKind> ResolveLockKind(Connection& conn, LockKind asked) {
  if (asked == LockKind::kLease) return asked;
  CHIMP_ASSIGN_OR_RETURN(GaleraNode node, DetectGalera(conn));
  return LockKindFor(node, asked, conn.Describe());
}

}  // namespace chimp::internal
