// chimp_bench_cloudstack: wall time of `chimp migrate` applying the CloudStack
// chain (empty -> 4.22.0.0) beside a baseline that sends the same statements
// one by one over one connection, with no engine.
//
//   chimp_bench_cloudstack --socket SOCK [--user U] [--runs N]
//                          [--chimp BIN] [--plugins DIR] [--statements-out FILE]
//
// The password, if any, comes from CHIMP_PASSWORD (passed on to chimp).
//
// 1. Capture: one chimp run with the server's general log on (log_output =
//    TABLE). The statements chimp's session sent (COM_QUERY, COM_STMT_EXECUTE
//    with its parameters inlined by the server, COM_INIT_DB), in order, minus
//    what chimp sends for its own sake: every statement that starts with
//    chimp's tag comment (kInternalTag: transaction control, session resets,
//    pre-image probes, SHOW WARNINGS), that names the changelog schema, or
//    that takes the named lock. Kept from the tagged ones: the CREATE
//    DATABASE of the target, and a USE where the step's database differs
//    from the session's. What remains is the migration itself: the
//    statements of the SQL files as the mariadb client splits them, the
//    statements of the native steps, and the plugins' session SQL.
// 2. N times each, in turn: reset (drop cloud, cloud_usage and the
//    changelog schema; not timed), then time chimp migrate; reset, then
//    time a baseline over one connection. Two baselines:
//      client:  the statements in autocommit, as `mariadb < file` sends
//               them: the figure the target is measured against;
//      grouped: the same with chimp's transactions around runs of DML, so
//               that both sides commit alike and the difference is chimp's
//               bookkeeping alone.
// 3. A table of wall times, the medians and the ratios.
//
// Exit status: 0 on success, 1 on any error.
#include <mysql.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error(message); }

const char* kChangelogSchema = "chimp_bench_changelog";

struct Options {
  std::string socket, user = "root", password, chimp, plugins, statements_out;
  int runs = 5;
};

class Db {
 public:
  explicit Db(const Options& o) {
    conn_ = mysql_init(nullptr);
    if (conn_ == nullptr) Fail("mysql_init failed");
    mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(conn_, nullptr, o.user.c_str(), o.password.empty() ? nullptr : o.password.c_str(), nullptr,
                           0, o.socket.c_str(), CLIENT_MULTI_RESULTS) == nullptr) {
      Fail("cannot connect to " + o.socket + ": " + mysql_error(conn_));
    }
  }
  ~Db() { mysql_close(conn_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Sends `sql` and discards every result. Throws with the server's error.
  void Run(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) Fail(Error(sql));
    Drain(sql);
  }
  void Use(const std::string& db) {
    if (mysql_select_db(conn_, db.c_str()) != 0) Fail(Error("USE " + db));
  }
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) Fail(Error(sql));
    std::vector<std::vector<std::string>> rows;
    MYSQL_RES* res = mysql_store_result(conn_);
    if (res == nullptr) return rows;
    unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      std::vector<std::string> r;
      for (unsigned i = 0; i < n; ++i) r.emplace_back(row[i] != nullptr ? std::string(row[i], len[i]) : "");
      rows.push_back(std::move(r));
    }
    mysql_free_result(res);
    return rows;
  }
  unsigned long ThreadId() { return mysql_thread_id(conn_); }

 private:
  std::string Error(const std::string& sql) {
    return std::string("statement failed: ") + mysql_error(conn_) + "\n  " + sql.substr(0, 300);
  }
  void Drain(const std::string& sql) {
    for (;;) {
      MYSQL_RES* res = mysql_store_result(conn_);
      if (res != nullptr) mysql_free_result(res);
      else if (mysql_field_count(conn_) != 0) Fail(Error(sql));
      int next = mysql_next_result(conn_);
      if (next == -1) return;
      if (next > 0) Fail(Error(sql));
    }
  }
  MYSQL* conn_;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Runs chimp migrate to 4.22.0.0 against `cloud`; its output goes to
// /dev/null unless it fails (then to stderr via a file).
void RunChimp(const Options& o) {
  std::vector<std::string> args = {o.chimp,          "--socket", o.socket,    "--user",  o.user,
                                   "--database",     "cloud",    "--plugins", o.plugins, "--changelog-schema",
                                   kChangelogSchema, "migrate",  "--to",      "4.22.0.0"};
  std::string log = "/tmp/chimp_bench_" + std::to_string(::getpid()) + ".log";
  pid_t pid = ::fork();
  if (pid < 0) Fail("fork failed");
  if (pid == 0) {
    if (std::freopen(log.c_str(), "w", stdout) == nullptr || std::freopen(log.c_str(), "a", stderr) == nullptr)
      _exit(127);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::cerr << in.rdbuf();
    Fail("chimp migrate failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  std::remove(log.c_str());
}

void Reset(Db& db) {
  db.Run("DROP DATABASE IF EXISTS `cloud`");
  db.Run("DROP DATABASE IF EXISTS `cloud_usage`");
  db.Run(std::string("DROP DATABASE IF EXISTS `") + kChangelogSchema + "`");
}

struct Statement {
  bool use = false;          // COM_INIT_DB: `text` is the database
  bool transaction = false;  // chimp's START TRANSACTION or COMMIT
  std::string text;
};

const std::string kTag = "/*chimp*/ ";  // kInternalTag, core/include/chimp/connection.hpp

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// The database a "USE `db`" selects.
std::string UsedDatabase(const std::string& use) {
  std::string name = use.substr(4);
  if (name.size() >= 2 && name.front() == '`' && name.back() == '`') name = name.substr(1, name.size() - 2);
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    out += name[i];
    if (name[i] == '`' && i + 1 < name.size() && name[i + 1] == '`') ++i;
  }
  return out;
}

bool Contains(const std::string& s, const char* needle) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(needle) != std::string::npos;
}

std::vector<Statement> Capture(Db& db, const Options& o) {
  Reset(db);
  db.Run("SET GLOBAL log_output = 'TABLE'");
  db.Run("TRUNCATE TABLE mysql.general_log");
  db.Run("SET GLOBAL general_log = ON");
  try {
    RunChimp(o);
  } catch (...) {
    db.Run("SET GLOBAL general_log = OFF");
    throw;
  }
  db.Run("SET GLOBAL general_log = OFF");
  const std::string self = std::to_string(db.ThreadId());
  auto rows = db.Query("SELECT thread_id, command_type, argument FROM mysql.general_log");
  std::vector<Statement> out;
  size_t dropped = 0;
  size_t changelog_writes = 0, probes = 0;  // of the dropped: what chimp spends its time on
  std::string database;                     // the session's, as the baseline will have it
  for (const auto& r : rows) {
    const std::string& thread = r[0];
    const std::string& command = r[1];
    const std::string& arg = r[2];
    if (thread == self) continue;
    if (command == "Init DB") {
      out.push_back({true, false, arg});
      database = arg;
      continue;
    }
    if (command != "Query" && command != "Execute") continue;
    if (Contains(arg, kChangelogSchema) || Contains(arg, "get_lock(") || Contains(arg, "release_lock(") ||
        Contains(arg, "is_used_lock(") || Contains(arg, "is_free_lock(")) {
      ++dropped;
      if (Contains(arg, kChangelogSchema) && (StartsWith(arg, "UPDATE ") || StartsWith(arg, "INSERT "))) {
        ++changelog_writes;
      }
      continue;
    }
    if (StartsWith(arg, kTag)) {
      const std::string sql = arg.substr(kTag.size());
      if (StartsWith(sql, "USE ") && UsedDatabase(sql) != database && !StartsWith(UsedDatabase(sql), "chimp_nodb_")) {
        database = UsedDatabase(sql);
        out.push_back({true, false, database});
      } else if (StartsWith(sql, "CREATE DATABASE IF NOT EXISTS `cloud`")) {
        out.push_back({false, false, sql});
      } else if (sql == "START TRANSACTION" || sql == "COMMIT") {
        out.push_back({false, true, sql});
      } else {
        ++dropped;
        if (StartsWith(sql, "SHOW CREATE ")) ++probes;
      }
      continue;
    }
    if (StartsWith(arg, "USE ")) database = UsedDatabase(arg);
    out.push_back({false, false, arg});
  }
  std::cerr << "captured " << out.size() << " statements from chimp's session (" << dropped
            << " bookkeeping statements left out, among them " << changelog_writes << " changelog writes and " << probes
            << " pre-image probes)\n";
  if (!o.statements_out.empty()) {
    std::ofstream f(o.statements_out, std::ios::binary);
    for (const auto& s : out) f << (s.use ? "-- USE " : s.transaction ? "-- chimp: " : "") << s.text << "\n;;\n";
  }
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int Main(int argc, char** argv) {
  Options o;
#ifdef CHIMP_BENCH_DEFAULT_CHIMP
  o.chimp = CHIMP_BENCH_DEFAULT_CHIMP;
#endif
#ifdef CHIMP_BENCH_DEFAULT_PLUGINS
  o.plugins = CHIMP_BENCH_DEFAULT_PLUGINS;
#endif
  if (const char* p = std::getenv("CHIMP_PASSWORD")) o.password = p;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--socket") o.socket = value();
    else if (a == "--user") o.user = value();
    else if (a == "--runs") o.runs = std::stoi(value());
    else if (a == "--chimp") o.chimp = value();
    else if (a == "--plugins") o.plugins = value();
    else if (a == "--statements-out") o.statements_out = value();
    else Fail("unknown argument " + a + " (see the header of bench/cloudstack_bench.cpp)");
  }
  if (o.socket.empty() || o.chimp.empty() || o.plugins.empty() || o.runs < 1) {
    Fail("usage: chimp_bench_cloudstack --socket SOCK [--user U] [--runs N] [--chimp BIN] [--plugins DIR]");
  }

  Db admin(o);
  std::vector<Statement> statements = Capture(admin, o);

  size_t migration = 0;
  for (const Statement& s : statements) migration += s.transaction ? 0 : 1;

  // Replays the captured statements over one connection, with or without
  // chimp's transactions.
  auto replay = [&](bool grouped) {
    Reset(admin);
    auto t = std::chrono::steady_clock::now();
    {
      Db db(o);  // connecting is part of every side
      for (const Statement& s : statements) {
        if (s.use) {
          db.Use(s.text);
        } else if (!s.transaction || grouped) {
          db.Run(s.text);
        }
      }
    }
    return Seconds(t);
  };

  std::vector<double> chimp_times, client_times, grouped_times;
  for (int run = 1; run <= o.runs; ++run) {
    Reset(admin);
    auto t0 = std::chrono::steady_clock::now();
    RunChimp(o);
    chimp_times.push_back(Seconds(t0));
    client_times.push_back(replay(false));
    grouped_times.push_back(replay(true));
    std::fprintf(stderr, "run %d: chimp %.3f s, client %.3f s, grouped %.3f s\n", run, chimp_times.back(),
                 client_times.back(), grouped_times.back());
  }
  Reset(admin);

  std::printf("CloudStack 4.0.0 -> 4.22.0.0 (%zu statements), %d runs\n\n", migration, o.runs);
  std::printf(
      "| run | chimp migrate (s) | client (s) | ratio | grouped (s) | ratio |\n"
      "|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < o.runs; ++i) {
    std::printf("| %d | %.3f | %.3f | %.3f | %.3f | %.3f |\n", i + 1, chimp_times[i], client_times[i],
                chimp_times[i] / client_times[i], grouped_times[i], chimp_times[i] / grouped_times[i]);
  }
  const double mc = Median(chimp_times), ml = Median(client_times), mg = Median(grouped_times);
  std::printf("| median | %.3f | %.3f | %.3f | %.3f | %.3f |\n", mc, ml, mc / ml, mg, mc / mg);
  // Each run's sides ran back to back, so the median of the per-run ratios
  // is steadier than the ratio of medians when the machine's speed drifts.
  std::vector<double> client_ratios, grouped_ratios;
  for (int i = 0; i < o.runs; ++i) {
    client_ratios.push_back(chimp_times[i] / client_times[i]);
    grouped_ratios.push_back(chimp_times[i] / grouped_times[i]);
  }
  std::printf("| median of ratios | | | %.3f | | %.3f |\n", Median(client_ratios), Median(grouped_ratios));
  std::printf("\nchimp / client baseline (medians): %.3fx (target: within 1.10x)\n", mc / ml);
  std::printf("chimp / grouped baseline (medians): %.3fx (chimp's bookkeeping alone)\n", mc / mg);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chimp_bench_cloudstack: %s\n", e.what());
    return 1;
  }
}
