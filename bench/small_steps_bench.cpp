// chimp_bench_small_steps: the small-steps benchmark of issue 13 on a server
// the caller started (bench/small_steps.sh starts a throwaway one).
//
//   chimp_bench_small_steps --socket SOCK [--user U] [--rounds N] [--noop-reps N]
//                           [--chimp BIN] [--data DIR] [--dbmate BIN | --no-dbmate REASON]
//
// DIR is what chimp_bench_small_steps_gen wrote and the build put beside it
// (build/bench/small_steps: all.sql, dbmate/db/migrations, p30/*.so,
// p300/*.so). The password, if any, comes from CHIMP_PASSWORD.
//
// W1, empty -> all 300 migrations, N rounds (default 9; 0 leaves W1 out). Each round runs
// every side once, in an order rotated by one each round, each on a fresh
// database (dropped, with its changelog, before; not timed):
//   client     `mariadb DB < all.sql` (the database created untimed first)
//   dbmate     `dbmate up` on dbmate/db/migrations (creates the database)
//   chimp 30   `chimp migrate`, 30 plugins x 10 steps
//   chimp 300  `chimp migrate`, 300 plugins x 1 step
// Each side is a whole process, timed from fork to exit; afterwards (not
// timed) the database must hold the 80 tables and views and 16 procedures.
//
// W2, nothing to do, all 300 applied, M repetitions (default 30), rotated:
//   floor (client)     `mariadb -e` reading the changelog: connect + read
//                      the successful rows and the state row (process start
//                      included, like every other side)
//   floor (in-process) the same queries over Connector/C from this program:
//                      connect + read + close, no process start
//   dbmate up          with nothing to do
//   chimp 30/300 migrate and status
//
// Per side: median wall time, its min-max, the median of the per-round
// ratios to the client (W1) or of the per-repetition differences to the
// floor (W2), and from SHOW GLOBAL STATUS deltas: Questions (statements the
// clients sent: round trips), Com_commit (explicit COMMITs), Handler_commit
// (commits inside the server, autocommit statements and DDL included),
// Innodb_log_writes (redo log writes: with innodb_flush_log_at_trx_commit=1
// one per durable commit) and Innodb_data_fsyncs (every fsync InnoDB makes,
// the redo log's and the data files'; DDL syncs files too), per step in W1
// and per invocation in W2. The counters are global: the server must be
// otherwise idle. The statements of this program's own probe are subtracted.
//
// Exit status: 0 on success, 1 on any error (a side failing included).
#include <mysql.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error(message); }

constexpr int kSteps = 300;
const char* const kCounters[] = {"Questions", "Com_commit", "Handler_commit", "Innodb_log_writes",
                                 "Innodb_data_fsyncs"};
constexpr int kCounterCount = 5;

struct Options {
  std::string socket, user = "root", password, chimp, data, dbmate, dbmate_skipped;
  int rounds = 9, noop_reps = 30;
};

class Db {
 public:
  explicit Db(const Options& o) : conn_(mysql_init(nullptr)) {
    if (conn_ == nullptr) Fail("mysql_init failed");
    if (mysql_real_connect(conn_, nullptr, o.user.c_str(), o.password.empty() ? nullptr : o.password.c_str(), nullptr,
                           0, o.socket.c_str(), CLIENT_MULTI_STATEMENTS) == nullptr) {
      Fail("cannot connect to " + o.socket + ": " + mysql_error(conn_));
    }
  }
  ~Db() { mysql_close(conn_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Sends `sql` (one or more statements) and returns the rows of every result.
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) Fail(Error(sql));
    std::vector<std::vector<std::string>> rows;
    for (;;) {
      if (MYSQL_RES* res = mysql_store_result(conn_)) {
        const unsigned n = mysql_num_fields(res);
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
          std::vector<std::string> r;
          for (unsigned i = 0; i < n; ++i) r.emplace_back(row[i] != nullptr ? row[i] : "");
          rows.push_back(std::move(r));
        }
        mysql_free_result(res);
      } else if (mysql_field_count(conn_) != 0) {
        Fail(Error(sql));
      }
      const int next = mysql_next_result(conn_);
      if (next == -1) return rows;
      if (next > 0) Fail(Error(sql));
    }
  }

 private:
  std::string Error(const std::string& sql) { return std::string(mysql_error(conn_)) + "\n  in: " + sql; }
  MYSQL* conn_;
};

using Counters = std::vector<double>;  // kCounters, in order

Counters ReadCounters(Db& db) {
  std::map<std::string, double> by_name;
  for (const auto& r : db.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', "
                                "'Handler_commit', 'Innodb_log_writes', 'Innodb_data_fsyncs')")) {
    by_name[r[0]] = std::atof(r[1].c_str());
  }
  Counters c;
  for (const char* name : kCounters) c.push_back(by_name[name]);
  return c;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Runs `args` with stdin from `input` ("" = /dev/null), output to a log that
// is shown when the exit status is not 0 (then throws). Returns seconds.
double RunTimed(const std::vector<std::string>& args, const std::string& input, const std::string& what) {
  const std::string log = "/tmp/chimp_small_steps_" + std::to_string(::getpid()) + ".log";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) Fail("fork failed");
  if (pid == 0) {
    const int in = ::open(input.empty() ? "/dev/null" : input.c_str(), O_RDONLY);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) _exit(127);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double seconds = Seconds(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::cerr << in.rdbuf();
    Fail(what + " failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "): " + args[0]);
  }
  std::remove(log.c_str());
  return seconds;
}

std::string Which(const char* name) {
  for (const char* dir : {"/usr/bin/", "/usr/local/bin/", "/bin/"}) {
    const std::string p = std::string(dir) + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  Fail(std::string(name) + " not found in /usr/bin, /usr/local/bin or /bin (install mariadb-client)");
}

// One side of a workload: a name, how to prepare (untimed) and how to run.
struct Side {
  Side(std::string n, std::function<void(Db&)> p, std::function<double()> r, std::function<void(Db&)> c = nullptr)
      : name(std::move(n)), prepare(std::move(p)), run(std::move(r)), check(std::move(c)) {}
  std::string name;
  std::function<void(Db&)> prepare;
  std::function<double()> run;
  std::function<void(Db&)> check;  // after the run, untimed; throws when the result is wrong
  std::vector<double> seconds;
  std::vector<Counters> deltas;
};

std::vector<std::string> ChimpArgs(const Options& o, const std::string& variant, const std::string& db,
                                   const std::string& command) {
  return {
      o.chimp, "--socket",           o.socket,      "--user", o.user, "--plugins", o.data + "/" + variant, "--database",
      db,      "--changelog-schema", "chimp_" + db, command};
}

std::vector<std::string> DbmateArgs(const Options& o, const std::string& db) {
  return {o.dbmate,
          "--url",
          "mysql://" + o.user + "@/" + db + "?socket=" + o.socket,
          "--migrations-dir",
          o.data + "/dbmate/db/migrations",
          "--no-dump-schema",
          "up"};
}

void Drop(Db& db, const std::string& name) {
  db.Query("DROP DATABASE IF EXISTS `" + name + "`; DROP DATABASE IF EXISTS `chimp_" + name + "`");
}

// Runs every side `reps` times, rotating the order by one each time.
void RunRounds(Db& admin, std::vector<Side>& sides, int reps, const char* label) {
  const size_t n = sides.size();
  for (int r = 0; r < reps; ++r) {
    std::string line;
    for (size_t k = 0; k < n; ++k) {
      Side& s = sides[(k + static_cast<size_t>(r)) % n];
      if (s.prepare) s.prepare(admin);
      const Counters before = ReadCounters(admin);
      const double t = s.run();
      Counters delta = ReadCounters(admin);
      for (int i = 0; i < kCounterCount; ++i) delta[i] -= before[i];
      delta[0] -= 1;  // the second SHOW GLOBAL STATUS itself
      if (s.check) s.check(admin);
      s.seconds.push_back(t);
      s.deltas.push_back(delta);
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%s %.1f ms", k ? ", " : "", s.name.c_str(), t * 1000);
      line += buf;
    }
    std::fprintf(stderr, "%s %d/%d: %s\n", label, r + 1, reps, line.c_str());
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double MedianCounter(const Side& s, int i) {
  std::vector<double> v;
  for (const Counters& c : s.deltas) v.push_back(c[i]);
  return Median(v);
}

// "median (min-max)" of the per-repetition ratio or difference to `base`.
std::string Paired(const Side& s, const Side& base, bool ratio) {
  std::vector<double> v;
  for (size_t i = 0; i < s.seconds.size(); ++i) {
    v.push_back(ratio ? s.seconds[i] / base.seconds[i] : (s.seconds[i] - base.seconds[i]) * 1000);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, ratio ? "%.2fx (%.2f-%.2f)" : "%+.1f ms (%+.1f to %+.1f)", Median(v),
                *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
  return buf;
}

void PrintTable(const std::vector<Side>& sides, const Side& base, bool ratio, double per) {
  std::printf("| side | median | min-max | %s | Questions | Com_commit | Handler_commit | log writes | fsyncs |\n",
              ratio ? "paired ratio to client (min-max)" : "paired difference to floor (min-max)");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Side& s : sides) {
    const double scale = ratio ? 1.0 : 1000.0;
    const char* unit = ratio ? "s" : "ms";
    std::printf("| %s | %.3f %s | %.3f-%.3f | %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", s.name.c_str(),
                Median(s.seconds) * scale, unit, *std::min_element(s.seconds.begin(), s.seconds.end()) * scale,
                *std::max_element(s.seconds.begin(), s.seconds.end()) * scale,
                &s == &base ? (ratio ? "1.00" : "0") : Paired(s, base, ratio).c_str(), MedianCounter(s, 0) / per,
                MedianCounter(s, 1) / per, MedianCounter(s, 2) / per, MedianCounter(s, 3) / per,
                MedianCounter(s, 4) / per);
  }
}

// Throws unless `db` holds the whole schema of the 300 migrations: 65 tables
// and 15 views (dbmate's schema_migrations aside) and 16 procedures.
void CheckSchema(Db& admin, const std::string& db) {
  const auto rows =
      admin.Query("SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + db +
                  "' AND table_name <> 'schema_migrations'), (SELECT COUNT(*) FROM information_schema.routines WHERE "
                  "routine_schema = '" +
                  db + "')");
  if (rows.empty() || rows[0][0] != "80" || rows[0][1] != "16") {
    Fail("database " + db + " does not hold the 80 tables and views and 16 procedures of the 300 migrations");
  }
}

std::vector<Side> W1Sides(const Options& o, const std::string& client) {
  const std::string db = "bench_w1";
  std::vector<Side> sides;
  sides.push_back({"client", [db](Db& a) { Drop(a, db), a.Query("CREATE DATABASE " + db); },
                   [&o, client, db] {
                     return RunTimed({client, "--no-defaults", "--socket=" + o.socket, "-u" + o.user, db},
                                     o.data + "/all.sql", "mariadb < all.sql");
                   }});
  if (!o.dbmate.empty()) {
    sides.push_back(
        {"dbmate", [db](Db& a) { Drop(a, db); }, [&o, db] { return RunTimed(DbmateArgs(o, db), "", "dbmate up"); }});
  }
  for (const char* v : {"p30", "p300"}) {
    const std::string variant = v;
    sides.push_back(
        {std::string("chimp ") + (variant == "p30" ? "30 plugins" : "300 plugins"), [db](Db& a) { Drop(a, db); },
         [&o, variant, db] { return RunTimed(ChimpArgs(o, variant, db, "migrate"), "", "chimp migrate"); }});
  }
  for (Side& s : sides) s.check = [db](Db& a) { CheckSchema(a, db); };
  return sides;
}

// Applies all 300 to the W2 databases (not timed).
void PrepareW2(Db& admin, const Options& o) {
  for (const char* v : {"p30", "p300"}) {
    const std::string db = std::string("bench_w2_") + (v + 1);
    Drop(admin, db);
    RunTimed(ChimpArgs(o, v, db, "migrate"), "", "chimp migrate (W2 setup)");
    CheckSchema(admin, db);
  }
  if (!o.dbmate.empty()) {
    Drop(admin, "bench_w2_dbmate");
    RunTimed(DbmateArgs(o, "bench_w2_dbmate"), "", "dbmate up (W2 setup)");
    CheckSchema(admin, "bench_w2_dbmate");
  }
}

std::vector<Side> W2Sides(const Options& o, const std::string& client) {
  const std::string floor_sql =
      "SELECT step_id, checksum FROM chimp_bench_w2_30.chimp_changelog WHERE target = 'bench_w2_30' AND status = "
      "'success'; SELECT version FROM chimp_bench_w2_30.chimp_state WHERE target = 'bench_w2_30'";
  std::vector<Side> sides;
  sides.push_back({"floor (mariadb client)", nullptr, [&o, client, floor_sql] {
                     return RunTimed(
                         {client, "--no-defaults", "--socket=" + o.socket, "-u" + o.user, "-N", "-e", floor_sql}, "",
                         "mariadb -e (floor)");
                   }});
  sides.push_back({"floor (in-process, Connector/C)", nullptr, [&o, floor_sql] {
                     const auto t = std::chrono::steady_clock::now();
                     {
                       Db db(o);
                       db.Query(floor_sql);
                     }
                     return Seconds(t);
                   }});
  if (!o.dbmate.empty()) {
    sides.push_back(
        {"dbmate up", nullptr, [&o] { return RunTimed(DbmateArgs(o, "bench_w2_dbmate"), "", "dbmate up"); }});
  }
  for (const char* v : {"p30", "p300"}) {
    for (const char* command : {"migrate", "status"}) {
      const std::string variant = v, cmd = command, db = std::string("bench_w2_") + (v + 1);
      sides.push_back(
          {"chimp " + cmd + ", " + (variant == "p30" ? "30" : "300") + " plugins", nullptr,
           [&o, variant, cmd, db] { return RunTimed(ChimpArgs(o, variant, db, cmd), "", "chimp " + cmd); }});
    }
  }
  return sides;
}

const Side* Find(const std::vector<Side>& sides, const std::string& name) {
  for (const Side& s : sides) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The table: ratios to the client (W1) and medians in ms (W2).
void PrintSummary(const Options& o, const std::vector<Side>& w1, const std::vector<Side>& w2) {
  auto ratio = [&](const char* name) -> std::string {
    const Side* s = Find(w1, name);
    if (s == nullptr) return "skipped";
    std::vector<double> v;
    for (size_t i = 0; i < s->seconds.size(); ++i) v.push_back(s->seconds[i] / w1[0].seconds[i]);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", Median(v));
    return buf;
  };
  auto ms = [&](const char* name) -> std::string {
    const Side* s = Find(w2, name);
    if (s == nullptr) return "skipped";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", Median(s->seconds) * 1000);
    return buf;
  };
  std::printf("\n| workload | plain `mariadb` client | dbmate | chimp |\n|---|---|---|---|\n");
  std::printf(
      "| 300 small migrations as 30 plugins x 10 SQL steps, empty -> all (%d rounds) | 1.00 | %s | **%s** "
      "(300 plugins: %s) |\n",
      o.rounds, ratio("dbmate").c_str(), ratio("chimp 30 plugins").c_str(), ratio("chimp 300 plugins").c_str());
  std::printf(
      "| no-op `migrate`, 300 steps applied, 30 plugins (%d reps) | floor (connect + read the changelog) "
      "%s (in-process: %s) | %s | **%s** (300 plugins: %s; `status`: %s, 300 plugins: %s) |\n",
      o.noop_reps, ms("floor (mariadb client)").c_str(), ms("floor (in-process, Connector/C)").c_str(),
      ms("dbmate up").c_str(), ms("chimp migrate, 30 plugins").c_str(), ms("chimp migrate, 300 plugins").c_str(),
      ms("chimp status, 30 plugins").c_str(), ms("chimp status, 300 plugins").c_str());
  if (o.dbmate.empty()) std::printf("\ndbmate: skipped (%s)\n", o.dbmate_skipped.c_str());
}

Options ParseOptions(int argc, char** argv) {
  Options o;
#ifdef CHIMP_BENCH_DEFAULT_CHIMP
  o.chimp = CHIMP_BENCH_DEFAULT_CHIMP;
#endif
#ifdef CHIMP_BENCH_DEFAULT_DATA
  o.data = CHIMP_BENCH_DEFAULT_DATA;
#endif
  o.dbmate_skipped = "no --dbmate given";
  if (const char* p = std::getenv("CHIMP_PASSWORD")) o.password = p;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--socket") o.socket = value();
    else if (a == "--user") o.user = value();
    else if (a == "--rounds") o.rounds = std::stoi(value());
    else if (a == "--noop-reps") o.noop_reps = std::stoi(value());
    else if (a == "--chimp") o.chimp = value();
    else if (a == "--data") o.data = value();
    else if (a == "--dbmate") o.dbmate = value();
    else if (a == "--no-dbmate") o.dbmate.clear(), o.dbmate_skipped = value();
    else Fail("unknown argument " + a + " (see the header of bench/small_steps_bench.cpp)");
  }
  if (o.socket.empty() || o.chimp.empty() || o.data.empty() || o.rounds < 0 || o.noop_reps < 1) {
    Fail(
        "usage: chimp_bench_small_steps --socket SOCK [--user U] [--rounds N] [--noop-reps N] [--chimp BIN] "
        "[--data DIR] [--dbmate BIN | --no-dbmate REASON]");
  }
  if (!o.password.empty() && !o.dbmate.empty())
    Fail("--dbmate with a password is not supported (root over the socket)");
  return o;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const std::string client = Which("mariadb");
  Db admin(o);
  std::printf("small steps: %d migrations; server %s; W1 %d rounds, W2 %d repetitions\n\n", kSteps,
              admin.Query("SELECT VERSION()")[0][0].c_str(), o.rounds, o.noop_reps);
  std::fflush(stdout);

  std::vector<Side> w1;
  if (o.rounds > 0) {  // --rounds 0: W2 alone
    w1 = W1Sides(o, client);
    RunRounds(admin, w1, o.rounds, "W1 round");
    Drop(admin, "bench_w1");
    std::printf("W1: empty -> all %d migrations; counters per step (delta / %d)\n\n", kSteps, kSteps);
    PrintTable(w1, w1[0], true, kSteps);
  }

  PrepareW2(admin, o);
  std::vector<Side> w2 = W2Sides(o, client);
  RunRounds(admin, w2, o.noop_reps, "W2 repetition");
  std::printf("\nW2: nothing to do, all %d applied; times in ms, counters per invocation\n\n", kSteps);
  PrintTable(w2, w2[0], false, 1);
  for (const char* db : {"bench_w2_30", "bench_w2_300", "bench_w2_dbmate"}) Drop(admin, db);

  PrintSummary(o, w1, w2);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chimp_bench_small_steps: %s\n", e.what());
    return 1;
  }
}
