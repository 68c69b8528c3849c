// migrate --backup (backup.hpp). The dump runs as a child process
// (util/child_process.hpp); the password goes through an option file in an
// anonymous memfd, never the command line, the environment or the disk.
#include "engine/backup.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "util/child_process.hpp"
#include "util/fd_io.hpp"

namespace chimp::internal {

namespace {

namespace fs = std::filesystem;

// Closes a descriptor when it goes out of scope (the option file's memfd).
struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string FindDumpProgram() {
  if (const char* env = std::getenv("CHIMP_DUMP_PROGRAM"); env != nullptr && *env != '\0') return env;
  for (const char* name : {"mariadb-dump", "mysqldump"}) {
    if (std::string found = FindOnPath(name); !found.empty()) return found;
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
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

// The end of `text` (at most `max` characters), without trailing newlines.
std::string Tail(std::string text, size_t max) {
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

// The [client] option file the dump program reads instead of any other.
std::string OptionFileText(const ConnectionOptions& c) {
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
  return text;
}

// Puts the option file into an anonymous memory file (memfd, close-on-exec;
// the dump child inherits it explicitly) and returns its descriptor.
// Rationale: a file in $TMPDIR outlives a SIGKILL of chimp with the
// password in clear; a memfd has no name on disk and dies with the last
// process that holds it. Mode 0600: the client ignores world-writable
// option files.
Result<int> WriteOptionFile(const ConnectionOptions& c) {
  const int fd = ::memfd_create("chimp-dump-options", MFD_CLOEXEC);
  if (fd < 0)
    return Status::BackupFailed(std::string("cannot create the dump's option file (memfd_create): ") +
                                std::strerror(errno));
  const std::string text = OptionFileText(c);
  if (!WriteAll(fd, text)) {
    ::close(fd);
    return Status::BackupFailed(std::string("cannot write the dump's option file: ") + std::strerror(errno));
  }
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return Status::BackupFailed(std::string("cannot set the mode of the dump's option file: ") + std::strerror(errno));
  }
  return fd;
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
    p.note = "SHOW MASTER STATUS failed (needs BINLOG MONITOR or REPLICATION CLIENT): " + master.status().message();
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

namespace {

// Tells `on_bytes` the size of `fd` every 500 ms from a thread of its own,
// from construction to destruction; does nothing when `on_bytes` is empty.
class SizeWatch {
 public:
  SizeWatch(int fd, const std::string& file, const std::function<void(const std::string&, uint64_t)>& on_bytes)
      : fd_(fd), file_(file), on_bytes_(on_bytes) {
    if (on_bytes_) thread_ = std::thread([this] { Loop(); });
  }
  ~SizeWatch() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  SizeWatch(const SizeWatch&) = delete;
  SizeWatch& operator=(const SizeWatch&) = delete;

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) {
      struct stat st {};
      if (::fstat(fd_, &st) != 0) continue;
      try {
        on_bytes_(file_, static_cast<uint64_t>(st.st_size));
      } catch (...) {
        // Progress only informs.
      }
    }
  }

  const int fd_;
  const std::string& file_;
  const std::function<void(const std::string&, uint64_t)>& on_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// One dump attempt. Its record fills as it goes and is written once, as a
// success or a failure.
class BackupRun {
 public:
  BackupRun(Connection& conn, Changelog& changelog, const BackupJob& job)
      : conn_(conn), changelog_(changelog), job_(job) {}

  Result<BackupRecord> Run();

 private:
  // Fills what is known before the dump; returns whether the database exists.
  Result<bool> Start();
  // Records the attempt as failed and returns the error (the row is best
  // effort: the dump's failure is what the operator must see).
  Status Fail(const std::string& why);
  // Creates the dump file (mode 0600, never an existing one) into out_.
  Result<std::string> CreateDumpFile();
  // Runs the dump program into `file`; removes the file when it failed.
  Status Dump(const std::string& file);
  // Why the finished dump into `file` is no good; "" when it is.
  std::string Problem(const ChildResult& run, const std::string& file) const;
  std::string Now();

  Connection& conn_;
  Changelog& changelog_;
  const BackupJob& job_;
  BackupRecord record_;
  Position position_;
  std::string program_;
  std::vector<std::string> args_;
  int out_ = -1;
};

std::string BackupRun::Now() {
  auto now = conn_.QueryScalar("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')");
  return now.ok() && now->has_value() ? (*now)->ToString() : std::string();
}

Result<BackupRecord> BackupRun::Run() {
  CHIMP_ASSIGN_OR_RETURN(bool exists, Start());
  if (!exists) {
    record_.status = "success";
    record_.error = "the target database did not exist yet: nothing to dump";
    if (!position_.note.empty()) record_.error += "; " + position_.note;
    CHIMP_ASSIGN_OR_RETURN(record_.id, changelog_.InsertBackup(record_));
    return record_;
  }
  record_.databases = job_.database;
  if (program_.empty()) return Fail("neither mariadb-dump nor mysqldump was found on PATH (or set CHIMP_DUMP_PROGRAM)");
  CHIMP_ASSIGN_OR_RETURN(std::string file, CreateDumpFile());
  CHIMP_RETURN_IF_ERROR(Dump(file));
  std::error_code ec;
  record_.status = "success";
  record_.file = file;
  record_.size_bytes = static_cast<int64_t>(fs::file_size(file, ec));
  if (!position_.note.empty()) record_.error = position_.note;
  record_.finished_at = Now();
  CHIMP_ASSIGN_OR_RETURN(record_.id, changelog_.InsertBackup(record_));
  return record_;
}

Result<bool> BackupRun::Start() {
  record_.run_id = job_.run_id;
  record_.version = job_.version;
  record_.started_at = Now();
  const Value params[] = {Value::Text(job_.database)};
  CHIMP_ASSIGN_OR_RETURN(auto exists, conn_.QueryScalar("SELECT COUNT(*) FROM information_schema.SCHEMATA "
                                                        "WHERE SCHEMA_NAME = ?",
                                                        params));
  CHIMP_ASSIGN_OR_RETURN(record_.changelog_last_id, changelog_.LastEntryId());
  position_ = ReadPosition(conn_);
  record_.binlog_file = position_.binlog_file;
  record_.binlog_position = position_.binlog_position;
  record_.gtid_position = position_.gtid;
  program_ = FindDumpProgram();
  args_ = DumpArguments(job_.database);
  record_.tool = program_.empty() ? "mariadb-dump" : program_;
  for (const auto& a : args_) record_.tool += " " + a;
  return exists.has_value() && exists->ToString() == "1";
}

Status BackupRun::Fail(const std::string& why) {
  record_.status = "failed";
  record_.error = why;
  record_.file.clear();
  record_.size_bytes = 0;
  auto ignored = changelog_.InsertBackup(record_);
  (void)ignored;
  return Status::BackupFailed("backup of database '" + job_.database + "' into '" + job_.dir + "' failed: " + why +
                              "; no step was run");
}

Result<std::string> BackupRun::CreateDumpFile() {
  std::error_code ec;
  fs::create_directories(job_.dir, ec);
  if (ec || !fs::is_directory(job_.dir, ec)) {
    return Fail("cannot create the directory '" + job_.dir + "': " + (ec ? ec.message() : "not a directory"));
  }
  fs::path dir = fs::absolute(job_.dir, ec);
  const std::string file =
      (dir / (SafeFileName(job_.database) + "-" + UtcStamp() + "-" + job_.run_id.substr(0, 8) + ".sql")).string();
  out_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out_ < 0) return Fail("cannot create '" + file + "': " + std::strerror(errno));
  return file;
}

Status BackupRun::Dump(const std::string& file) {
  auto option_file = WriteOptionFile(job_.connection);
  if (!option_file.ok()) {
    ::close(out_);
    ::unlink(file.c_str());
    return Fail(option_file.status().message());
  }
  FdGuard options_guard{*option_file};
  const std::string path = "/dev/fd/" + std::to_string(*option_file);
  const std::string defaults =
      (job_.connection.read_default_option_file ? "--defaults-extra-file=" : "--defaults-file=") + path;
  std::vector<std::string> argv = {program_, defaults};
  argv.insert(argv.end(), args_.begin(), args_.end());
  ChildOptions child;
  child.stdout_fd = out_;
  child.capture_stderr = true;
  child.inherit_fds = {*option_file};
  child.unset_env = {"CHIMP_PASSWORD"};
  auto run = [&] {
    const SizeWatch watch(out_, file, job_.on_bytes);
    return RunProgram(argv, child);
  }();
  ::close(out_);
  std::string problem = run.ok() ? Problem(*run, file) : run.status().message();
  if (problem.empty()) return Status::Ok();
  ::unlink(file.c_str());
  return Fail(problem);
}

std::string BackupRun::Problem(const ChildResult& run, const std::string& file) const {
  std::string problem;
  if (!run.exited()) {
    problem = program_ + " was killed by signal " + std::to_string(run.signal());
  } else if (run.exit_code() == 127) {
    problem = "cannot run " + program_;
  } else if (run.exit_code() != 0) {
    problem = program_ + " exited with code " + std::to_string(run.exit_code());
  } else if (!EndsWithDumpCompleted(file)) {
    problem = program_ + " exited with 0 but the dump does not end with '-- Dump completed'";
  }
  const std::string stderr_text = Tail(run.error_text, 1500);
  if (!problem.empty() && !stderr_text.empty()) problem += ": " + stderr_text;
  return problem;
}

}  // namespace

Result<BackupRecord> RunBackup(Connection& conn, Changelog& changelog, const BackupJob& job) {
  return BackupRun(conn, changelog, job).Run();
}

}  // namespace chimp::internal
