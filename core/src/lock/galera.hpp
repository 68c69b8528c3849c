// What chimp needs to know when its target is a node of a Galera cluster
// (private to core): whether replication is on for the session, the
// cluster's size, how DDL is replicated (wsrep_OSU_method), and the lock
// kind that excludes runs there. doc/operations.md "Galera clusters".
//
// Rationale: GET_LOCK is local to the node that grants it, so two runs on
// two nodes would both hold "the" named lock; a lease row is replicated like
// any InnoDB row and is certified cluster-wide, so only one INSERT of it
// commits. DDL replicates by total-order isolation (TOI) only: under rolling
// schema upgrade (RSU) a statement changes the node it runs on and nothing
// else, which a migration of the cluster cannot want.
#ifndef CHIMP_LOCK_GALERA_HPP_
#define CHIMP_LOCK_GALERA_HPP_

#include <cstdint>
#include <string>

#include "chimp/connection.hpp"
#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp::internal {

struct GaleraNode {
  // wsrep_on = ON for the session and a provider is loaded (a cluster
  // size above 0). False on a server without wsrep, MySQL included.
  bool on = false;
  int64_t cluster_size = 0;  // wsrep_cluster_size
  std::string osu_method;    // the session's wsrep_OSU_method: "TOI", "RSU", "NBO"
  std::string node_name;     // wsrep_node_name
  std::string local_state;   // wsrep_local_state_comment: "Synced", "Donor/Desynced", ...
  int64_t sync_wait = 0;     // the session's wsrep_sync_wait
};

// Reads the session's wsrep settings in one round trip. A server that does
// not know them (no wsrep: MySQL, a build without Galera) is "not Galera",
// not an error. Errors: Unavailable when the session is lost.
Result<GaleraNode> DetectGalera(Connection& conn);

// "Galera node 'node1' (cluster of 3, wsrep_OSU_method TOI)".
std::string DescribeGalera(const GaleraNode& node);

// The lock kind a run takes on `node` (described as `where` in errors), as
// ResolveLockKind. Pure.
Result<LockKind> LockKindFor(const GaleraNode& node, LockKind asked, const std::string& where);

// The lock kind a run takes on `conn`: kAuto becomes kLease on a Galera
// node and kNamed elsewhere; kLease stays. kNamed on a Galera node is
// InvalidArgument: a named lock there excludes only the runs on the same
// node (the message says to use lock = "lease" or "auto").
Result<LockKind> ResolveLockKind(Connection& conn, LockKind asked);

}  // namespace chimp::internal

#endif  // CHIMP_LOCK_GALERA_HPP_
