// What a Galera cluster refuses or mishandles in one statement, read from
// its tokens by the classifier (sql/statement_info.hpp), so that a plan for
// a Galera node can say so before anything runs (engine/galera_plan.hpp;
// doc/operations.md "Galera clusters").
#ifndef CHIMP_SQL_GALERA_HAZARD_HPP_
#define CHIMP_SQL_GALERA_HAZARD_HPP_

#include <string>

#include "sql/token_cursor.hpp"

namespace chimp::internal {

struct GaleraHazard {
  enum class Kind {
    kNone,
    // Runs, but leaves the nodes apart or the run unprotected: refused on
    // a Galera node. LOCK TABLES (locks one node only), a table of another
    // engine than InnoDB (its rows do not replicate), GET_LOCK (one node
    // only), SET of wsrep_OSU_method other than TOI or of wsrep_on (DDL and
    // rows would stop replicating).
    kRefused,
    // Works, with a caveat: a CREATE TABLE without a PRIMARY KEY (Galera
    // cannot certify or apply DELETEs on it reliably, and its rows may
    // differ in order between nodes).
    kWarning,
  };
  Kind kind = Kind::kNone;
  // Why, in one clause: "LOCK TABLES locks the tables on one node only ...".
  std::string why;
};

// The hazard of the statement whose tokens `tokens` holds (from its start)
// and whose first keyword (upper case) is `first_keyword`.
GaleraHazard FindGaleraHazard(TokenCursor tokens, const std::string& first_keyword);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_GALERA_HAZARD_HPP_
