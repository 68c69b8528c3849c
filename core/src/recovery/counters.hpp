// Counter checkpoints: the AUTO_INCREMENT counters a transaction would
// leave behind if it died (doc/recovery.md, "AUTO_INCREMENT counters").
//
// InnoDB does not give back the AUTO_INCREMENT values a rolled-back
// transaction took, and keeps its counters across a server restart. So
// before a transaction that inserts rows (a step without DDL, a group of a
// step with DDL) begins, the counters of the tables it inserts into are made
// durable in chimp_state.autoinc_checkpoint; the transaction clears the
// checkpoint in its own commit. A checkpoint that survives therefore belongs
// to a transaction that did not commit, and the next `migrate` puts its
// counters back (RestoreCounters) before it plans anything.
//
// Format (EncodeCounters / DecodeCounters round-trip it): one line per
// table, "`schema`.`table`=N", N the counter's next value.
#ifndef CHIMP_RECOVERY_COUNTERS_HPP_
#define CHIMP_RECOVERY_COUNTERS_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/changelog.hpp"
#include "chimp/connection.hpp"
#include "chimp/planner.hpp"
#include "chimp/status.hpp"
#include "sql/ddl_shape.hpp"

namespace chimp::internal {

// One table's counter: the next value it hands out.
struct TableCounter {
  std::string schema;
  std::string table;
  uint64_t next = 0;

  bool operator==(const TableCounter&) const = default;
};

std::string EncodeCounters(const std::vector<TableCounter>& counters);
// InvalidArgument naming the line when `text` is not in the format above.
Result<std::vector<TableCounter>> DecodeCounters(std::string_view text);

// The counters of `tables` that have one, in one read; a table without a
// schema is in the session's current database; a kDatabase object stands
// for every table of its schema. Tables that do not exist (yet) are left
// out.
Result<std::vector<TableCounter>> ReadCounters(Connection& conn, const std::vector<DdlObject>& tables);

// Puts back the counters of a checkpoint that survived, then clears it
// (`ALTER TABLE t AUTO_INCREMENT = N`: InnoDB sets max(N, MAX(id) + 1)).
// Returns how many counters were restored. REQUIRES: the migration lock is
// held and the sessions of the run that wrote it are gone.
Result<int32_t> RestoreCounters(Connection& conn, Changelog& changelog);

// CounterCheckpoint: keeps the target's checkpoint for the steps of one
// run, so that each inserting transaction is covered with as few writes as
// possible: when the previous transaction's commit is directly followed by
// the next one (nothing but the session set-up in between), that commit
// leaves the next transaction's checkpoint instead of clearing its own.
//
// REQUIRES: `conn` and `changelog` outlive it; Prepare() before a step's
// Arm() and Leave(). [main-thread]
class CounterCheckpoint {
 public:
  CounterCheckpoint(Connection& conn, Changelog& changelog, const std::string& target_db)
      : conn_(conn), changelog_(changelog), target_db_(target_db) {}

  // `planned` is about to run; `next` is the step the run goes on with
  // right after it (nullptr: none).
  void Prepare(const PlannedStep& planned, const PlannedStep* next);
  // Before the transaction of the step's statements from `index` on (a
  // step without DDL: 0, the whole step; with DDL: up to the next statement
  // that runs alone) begins: makes the counters of the tables it inserts
  // into durable, with a write of its own unless the last commit left them.
  Status Arm(int32_t index);
  // Inside the transaction, just before its COMMIT: clears the checkpoint,
  // or, when `last` (the step's last commit), sets the next step's.
  Status Leave(bool last);
  // After the COMMIT succeeded.
  void Committed();
  // After a rollback: the checkpoint stays for the next `migrate`.
  void RolledBack() { pending_ = stored_; }
  // After something committed that Leave() did not see (an implicit
  // commit inside a group): clears the checkpoint with a write of its own.
  Status Clear();

 private:
  // What the split of a step tells about one statement.
  struct Statement {
    bool runs_alone = false;
    std::optional<DdlObject> inserted;
    // A CALL: the tables its routine inserts into are not known; its schema.
    std::optional<std::string> calls;
    std::string use;  // the database a "use" selects
  };
  struct Script {
    const PlannedStep* step = nullptr;
    bool native = false;  // native code: the tables it inserts into are not known
    std::vector<Statement> statements;
  };
  // Which transaction a stored checkpoint covers.
  struct Key {
    const PlannedStep* step = nullptr;
    int32_t index = -1;
    bool operator==(const Key&) const = default;
  };

  static Script Summarize(const PlannedStep& planned);
  // The tables statements from `index` on insert into, up to the first that
  // runs alone other than a CALL, which may join the group (`whole`: to the
  // end); unqualified ones in `database` ("":
  // the session's) or the database of the last "use" before them. Where
  // what is inserted into is not known (a CALL, a native step), every table
  // of that database (a kDatabase object).
  static std::vector<DdlObject> Inserted(const Script& script, int32_t index, bool whole, const std::string& database);
  // The step's database as StepRunner::EnterStep selects it.
  std::string DatabaseOf(const PlannedStep& planned) const;

  Connection& conn_;
  Changelog& changelog_;
  const std::string& target_db_;
  Script current_;
  Script next_;
  Key stored_;   // the checkpoint committed (index -1: none)
  Key pending_;  // what the open transaction leaves on commit
  std::string pending_text_;
  std::string stored_text_;
};

}  // namespace chimp::internal

#endif  // CHIMP_RECOVERY_COUNTERS_HPP_
