// migrate --backup (backup.hpp). The dump runs as a child process; the
// password goes through a 0600 option file, never the command line.
#include "exec/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chimp::internal {

namespace {

namespace fs = std::filesystem;

// Removes a file when it goes out of scope (the option file, stderr).
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

std::string FindDumpProgram() {
  if (const char* env = std::getenv("CHIMP_DUMP_PROGRAM"); env != nullptr && *env != '\0') return env;
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/bin:/usr/local/bin";
  for (const char* name : {"mariadb-dump", "mysqldump"}) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t colon = path.find(':', start);
      if (colon == std::string::npos) colon = path.size();
      std::string dir = path.substr(start, colon - start);
      start = colon + 1;
      if (dir.empty()) continue;
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

std::string UtcStamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string SafeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

std::string Tail(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  return text;
}

bool EndsWithDumpCompleted(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  std::streamoff size = in.tellg();
  std::streamoff from = size > 512 ? size - 512 : 0;
  in.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail.find("-- Dump completed") != std::string::npos;
}

// Writes the [client] option file the dump program reads instead of any
// other (--defaults-file), mode 0600 from creation (mkstemp).
Result<std::string> WriteOptionFile(const ConnectionOptions& c) {
  std::string tmpl = (fs::temp_directory_path() / "chimp-dump-XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return Status::BackupFailed("cannot create a temporary option file in " +
                                fs::temp_directory_path().string() + ": " + std::strerror(errno));
  }
  std::string text = "[client]\n";
  if (!c.user.empty()) text += "user=" + OptionFileValue(c.user) + "\n";
  if (!c.password.empty()) text += "password=" + OptionFileValue(c.password) + "\n";
  if (!c.socket.empty()) {
    text += "socket=" + OptionFileValue(c.socket) + "\n";
  } else {
    if (!c.host.empty()) text += "host=" + OptionFileValue(c.host) + "\n";
    if (c.port != 0) text += "port=" + std::to_string(c.port) + "\n";
  }
  if (!c.ssl_ca.empty()) text += "ssl-ca=" + OptionFileValue(c.ssl_ca) + "\n";
  if (!c.ssl_cert.empty()) text += "ssl-cert=" + OptionFileValue(c.ssl_cert) + "\n";
  if (!c.ssl_key.empty()) text += "ssl-key=" + OptionFileValue(c.ssl_key) + "\n";
  if (c.ssl_verify_server_cert) text += "ssl-verify-server-cert\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmpl.c_str());
      return Status::BackupFailed("cannot write the temporary option file " + tmpl);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return tmpl;
}

struct Position {
  std::string binlog_file;
  int64_t binlog_position = -1;
  std::string gtid;
  std::string note;  // why something is missing
};

// The binlog position and GTID state now; empty when binlog is off.
Position ReadPosition(Connection& conn) {
  Position p;
  auto log_bin = conn.QueryScalar("SELECT @@log_bin");
  if (!log_bin.ok()) {
    p.note = "binlog state not readable: " + log_bin.status().message();
    return p;
  }
  if (!log_bin->has_value() || (*log_bin)->ToString() != "1") return p;  // binlog off
  auto master = conn.Query("SHOW MASTER STATUS");
  if (master.ok() && !master->rows.empty() && master->rows[0].size() >= 2) {
    p.binlog_file = master->rows[0][0].ToString();
    const Value& pos = master->rows[0][1];
    if (pos.type == Value::Type::kInt64) {
      p.binlog_position = pos.i64;
    } else if (!pos.is_null()) {
      try {
        p.binlog_position = std::stoll(pos.ToString());
      } catch (...) {
      }
    }
  } else if (!master.ok()) {
    p.note = "SHOW MASTER STATUS failed (needs BINLOG MONITOR or REPLICATION CLIENT): " +
             master.status().message();
  }
  auto gtid = conn.QueryScalar(conn.IsMariaDB() ? "SELECT @@gtid_binlog_pos" : "SELECT @@gtid_executed");
  if (gtid.ok() && gtid->has_value()) p.gtid = (*gtid)->ToString();
  return p;
}

}  // namespace

std::vector<std::string> DumpArguments(const std::string& database) {
  return {"--single-transaction", "--routines", "--triggers", "--events", "--databases", database};
}

std::string OptionFileValue(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

Result<BackupRecord> RunBackup(Connection& conn, Changelog& changelog, const BackupJob& job) {
  BackupRecord record;
  record.run_id = job.run_id;
  record.version = job.version;
  auto when = conn.QueryScalar("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')");
  if (when.ok() && when->has_value()) record.started_at = (*when)->ToString();

  // Records the attempt as failed and returns the error (the row is best
  // effort: the dump's failure is what the operator must see).
  auto fail = [&](const std::string& why) -> Status {
    record.status = "failed";
    record.error = why;
    record.file.clear();
    record.size_bytes = 0;
    auto ignored = changelog.InsertBackup(record);
    (void)ignored;
    return Status::BackupFailed("backup of database '" + job.database + "' into '" + job.dir + "' failed: " +
                                why + "; no step was run");
  };

  const Value params[] = {Value::Text(job.database)};
  CHIMP_ASSIGN_OR_RETURN(auto exists, conn.QueryScalar("SELECT COUNT(*) FROM information_schema.SCHEMATA "
                                                       "WHERE SCHEMA_NAME = ?",
                                                       params));
  CHIMP_ASSIGN_OR_RETURN(record.changelog_last_id, changelog.LastEntryId());
  Position position = ReadPosition(conn);
  record.binlog_file = position.binlog_file;
  record.binlog_position = position.binlog_position;
  record.gtid_position = position.gtid;

  const std::string program = FindDumpProgram();
  std::vector<std::string> args = DumpArguments(job.database);
  record.tool = program.empty() ? "mariadb-dump" : program;
  for (const auto& a : args) record.tool += " " + a;

  if (!exists.has_value() || exists->ToString() != "1") {
    record.status = "success";
    record.error = "the target database did not exist yet: nothing to dump";
    if (!position.note.empty()) record.error += "; " + position.note;
    CHIMP_ASSIGN_OR_RETURN(record.id, changelog.InsertBackup(record));
    return record;
  }
  record.databases = job.database;
  if (program.empty()) return fail("neither mariadb-dump nor mysqldump was found on PATH (or set CHIMP_DUMP_PROGRAM)");

  std::error_code ec;
  fs::create_directories(job.dir, ec);
  if (ec || !fs::is_directory(job.dir, ec)) {
    return fail("cannot create the directory '" + job.dir + "': " + (ec ? ec.message() : "not a directory"));
  }
  fs::path dir = fs::absolute(job.dir, ec);
  const std::string file =
      (dir / (SafeFileName(job.database) + "-" + UtcStamp() + "-" + job.run_id.substr(0, 8) + ".sql")).string();
  int out = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return fail("cannot create '" + file + "': " + std::strerror(errno));

  auto option_file = WriteOptionFile(job.connection);
  if (!option_file.ok()) {
    ::close(out);
    ::unlink(file.c_str());
    return fail(option_file.status().message());
  }
  TempFile options_guard{*option_file};
  std::string err_tmpl = (fs::temp_directory_path() / "chimp-dump-err-XXXXXX").string();
  int err = ::mkstemp(err_tmpl.data());
  if (err < 0) {
    ::close(out);
    ::unlink(file.c_str());
    return fail("cannot create a temporary file for the dump's errors");
  }
  TempFile err_guard{err_tmpl};

  // Everything the child needs is built before fork(): between fork and
  // exec only async-signal-safe calls happen.
  const std::string defaults = (job.connection.read_default_option_file ? "--defaults-extra-file="
                                                                         : "--defaults-file=") +
                               *option_file;
  std::vector<std::string> argv_text = {program, defaults};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    ::close(err);
    ::unlink(file.c_str());
    return fail(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) _exit(126);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out);
  ::close(err);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  const std::string stderr_text = Tail(err_tmpl, 1500);
  std::string problem;
  if (!WIFEXITED(status)) {
    problem = program + " was killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  } else if (WEXITSTATUS(status) == 127) {
    problem = "cannot run " + program;
  } else if (WEXITSTATUS(status) != 0) {
    problem = program + " exited with code " + std::to_string(WEXITSTATUS(status));
  } else if (!EndsWithDumpCompleted(file)) {
    problem = program + " exited with 0 but the dump does not end with '-- Dump completed'";
  }
  if (!problem.empty()) {
    ::unlink(file.c_str());
    if (!stderr_text.empty()) problem += ": " + stderr_text;
    return fail(problem);
  }
  record.status = "success";
  record.file = file;
  record.size_bytes = static_cast<int64_t>(fs::file_size(file, ec));
  if (!position.note.empty()) record.error = position.note;
  auto finished = conn.QueryScalar("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')");
  if (finished.ok() && finished->has_value()) record.finished_at = (*finished)->ToString();
  CHIMP_ASSIGN_OR_RETURN(record.id, changelog.InsertBackup(record));
  return record;
}

}  // namespace chimp::internal
