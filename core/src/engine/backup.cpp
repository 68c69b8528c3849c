// migrate --backup (backup.hpp). The dump runs as a child process
// (util/child_process.hpp); the password goes through an option file in an
// anonymous memfd, never the command line, the environment or the disk.
#include "engine/backup.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
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

}  // namespace

std::string FindDumpProgram() {
  if (const char* env = std::getenv("CHIMP_DUMP_PROGRAM"); env != nullptr && *env != '\0') return env;
  for (const char* name : {"mariadb-dump", "mysqldump"}) {
    if (std::string found = FindOnPath(name); !found.empty()) return found;
  }
  return "";
}

std::string FindClientProgram() {
  if (const char* env = std::getenv("CHIMP_CLIENT_PROGRAM"); env != nullptr && *env != '\0') return env;
  for (const char* name : {"mariadb", "mysql"}) {
    if (std::string found = FindOnPath(name); !found.empty()) return found;
  }
  return "";
}

// The [client] option file the client program reads instead of any other.
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

// Rationale for the memfd: a file in $TMPDIR outlives a SIGKILL of chimp
// with the password in clear; a memfd has no name on disk and dies with the
// last process that holds it. Mode 0600: the client ignores world-writable
// option files.
Result<int> WriteOptionFile(const ConnectionOptions& c) {
  const int fd = ::memfd_create("chimp-client-options", MFD_CLOEXEC);
  if (fd < 0)
    return Status::BackupFailed(std::string("cannot create the client's option file (memfd_create): ") +
                                std::strerror(errno));
  const std::string text = OptionFileText(c);
  if (!WriteAll(fd, text)) {
    ::close(fd);
    return Status::BackupFailed(std::string("cannot write the client's option file: ") + std::strerror(errno));
  }
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return Status::BackupFailed(std::string("cannot set the mode of the client's option file: ") +
                                std::strerror(errno));
  }
  return fd;
}

std::string DefaultsArgument(const ConnectionOptions& c, int option_fd) {
  return (c.read_default_option_file ? "--defaults-extra-file=/dev/fd/" : "--defaults-file=/dev/fd/") +
         std::to_string(option_fd);
}

std::string DumpHeader(const std::string& database, const std::string& charset, const std::string& collation) {
  return std::string(kDumpHeaderPrefix) + Connection::QuoteIdentifier(database) + ": character set " + charset +
         ", collation " + collation + "; chimp restore loads it into any database\n";
}

Result<Pumped> Pump(int in, int out, size_t head_bytes, std::atomic<uint64_t>* so_far) {
  // A reader that dies (gzip, the client) must not kill chimp with SIGPIPE:
  // the write fails with EPIPE instead. Children started before keep the
  // default disposition.
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  Pumped p;
  std::string buf(65536, '\0');
  Status failed = Status::Ok();
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = Status::Internal(std::string("read: ") + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    const std::string_view chunk(buf.data(), static_cast<size_t>(n));
    if (p.head.size() < head_bytes) p.head.append(chunk.substr(0, head_bytes - p.head.size()));
    p.tail.append(chunk);
    if (p.tail.size() > 1024) p.tail.erase(0, p.tail.size() - 512);
    p.bytes += static_cast<uint64_t>(n);
    if (so_far != nullptr) so_far->store(p.bytes, std::memory_order_relaxed);
    if (out >= 0 && !WriteAll(out, chunk)) {
      failed = Status::Internal(std::string("write: ") + std::strerror(errno));
      break;
    }
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  if (!failed.ok()) return failed;
  if (p.tail.size() > 512) p.tail.erase(0, p.tail.size() - 512);
  return p;
}

std::string ReadMemFile(int fd) {
  std::string text;
  if (::lseek(fd, 0, SEEK_SET) == 0) ReadAll(fd, &text);
  return text;
}

std::string DescribeEnd(const std::string& program, int wait_status) {
  if (WIFSIGNALED(wait_status)) return program + " was killed by signal " + std::to_string(WTERMSIG(wait_status));
  if (!WIFEXITED(wait_status)) return program + " did not exit";
  const int code = WEXITSTATUS(wait_status);
  if (code == 0) return "";
  if (code == 127) return "cannot run " + program;
  return program + " exited with code " + std::to_string(code);
}

namespace {

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
  // The database as a plain argument, not --databases: the dump then holds
  // no CREATE DATABASE or USE, and loads into any database (restore --into).
  return {"--single-transaction", "--routines", "--triggers", "--events", database};
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

// Tells `on_bytes` the count in `bytes` (what the dump program has written
// so far) every 500 ms from a thread of its own, from construction to
// destruction; does nothing when `on_bytes` is empty.
class SizeWatch {
 public:
  SizeWatch(const std::atomic<uint64_t>& bytes, const std::string& file,
            const std::function<void(const std::string&, uint64_t)>& on_bytes)
      : bytes_(bytes), file_(file), on_bytes_(on_bytes) {
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
      try {
        on_bytes_(file_, bytes_.load(std::memory_order_relaxed));
      } catch (...) {
        // Progress only informs.
      }
    }
  }

  const std::atomic<uint64_t>& bytes_;
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
  // Runs the dump program through gzip into `file`; removes the file when
  // it failed.
  Status Dump(const std::string& file);
  // Why the finished dump is no good ("" when it is): the dump program's
  // and gzip's ends, the tail of what the dump wrote and its stderr.
  std::string Problem(int dump_status, int gzip_status, const std::string& tail, const std::string& stderr_text) const;
  std::string Now();

  Connection& conn_;
  Changelog& changelog_;
  const BackupJob& job_;
  BackupRecord record_;
  Position position_;
  std::string program_;
  std::vector<std::string> args_;
  std::string charset_ = "utf8mb4";
  std::string collation_ = "utf8mb4_general_ci";
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
  CHIMP_ASSIGN_OR_RETURN(auto charset, conn_.Query("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
                                                   "information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                                                   params));
  if (!charset.rows.empty() && charset.rows[0].size() == 2) {
    charset_ = charset.rows[0][0].ToString();
    collation_ = charset.rows[0][1].ToString();
  }
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
      (dir / (SafeFileName(job_.database) + "-" + UtcStamp() + "-" + job_.run_id.substr(0, 8) + ".sql.gz")).string();
  out_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out_ < 0) return Fail("cannot create '" + file + "': " + std::strerror(errno));
  return file;
}

Status BackupRun::Dump(const std::string& file) {
  auto failed = [&](const std::string& why) {
    ::close(out_);
    ::unlink(file.c_str());
    return Fail(why);
  };
  const std::string gzip = FindOnPath("gzip");
  if (gzip.empty()) return failed("gzip was not found on PATH (Debian: apt-get install gzip)");
  auto option_file = WriteOptionFile(job_.connection);
  if (!option_file.ok()) return failed(option_file.status().message());
  FdGuard options_guard{*option_file};
  const int err = ::memfd_create("chimp-dump-stderr", MFD_CLOEXEC);
  int to_gzip[2] = {-1, -1};
  int from_dump[2] = {-1, -1};
  if (err < 0 || ::pipe2(to_gzip, O_CLOEXEC) != 0 || ::pipe2(from_dump, O_CLOEXEC) != 0) {
    if (err >= 0) ::close(err);
    return failed(std::string("cannot set up the dump's pipes: ") + std::strerror(errno));
  }
  FdGuard err_guard{err};
  ChildOptions zip;
  zip.stdout_fd = out_;
  auto zipper = StartProgram({gzip, "-c", "-6"}, zip, to_gzip[0], -1);
  ::close(to_gzip[0]);
  std::vector<std::string> argv = {program_, DefaultsArgument(job_.connection, *option_file)};
  argv.insert(argv.end(), args_.begin(), args_.end());
  ChildOptions dump;
  dump.stdout_fd = from_dump[1];
  dump.inherit_fds = {*option_file};
  dump.unset_env = {"CHIMP_PASSWORD"};
  Result<StartedProgram> dumper = zipper.ok() ? StartProgram(argv, dump, -1, err) : zipper.status();
  ::close(from_dump[1]);
  std::string problem;
  std::string tail;
  int dump_status = 0;
  int gzip_status = 0;
  {
    // The dump's bytes so far (before compression), for the progress
    // line (job_.on_bytes).
    std::atomic<uint64_t> dumped{0};
    const SizeWatch watch(dumped, file, job_.on_bytes);
    if (dumper.ok()) {
      const std::string header = DumpHeader(job_.database, charset_, collation_);
      auto pumped = WriteAll(to_gzip[1], header) ? Pump(from_dump[0], to_gzip[1], 0, &dumped)
                                                 : Result<Pumped>(Status::Internal("cannot write to gzip"));
      if (pumped.ok()) {
        tail = pumped->tail;
      } else {
        problem = "passing the dump to gzip: " + pumped.status().message();
      }
    }
    ::close(from_dump[0]);
    ::close(to_gzip[1]);
    dump_status = dumper.ok() ? WaitProgram(*dumper) : 0;
    gzip_status = zipper.ok() ? WaitProgram(*zipper) : 0;
  }
  if (!zipper.ok()) problem = "cannot start gzip: " + zipper.status().message();
  if (zipper.ok() && !dumper.ok()) problem = "cannot start " + program_ + ": " + dumper.status().message();
  if (problem.empty()) problem = Problem(dump_status, gzip_status, tail, ReadMemFile(err));
  if (problem.empty()) {
    ::close(out_);
    return Status::Ok();
  }
  return failed(problem);
}

std::string BackupRun::Problem(int dump_status, int gzip_status, const std::string& tail,
                               const std::string& stderr_text) const {
  std::string problem = DescribeEnd(program_, dump_status);
  if (problem.empty()) problem = DescribeEnd("gzip", gzip_status);
  if (problem.empty() && tail.find("-- Dump completed") == std::string::npos) {
    problem = program_ + " exited with 0 but the dump does not end with '-- Dump completed'";
  }
  const std::string shown = Tail(stderr_text, 1500);
  if (!problem.empty() && !shown.empty()) problem += ": " + shown;
  return problem;
}

}  // namespace

Result<BackupRecord> RunBackup(Connection& conn, Changelog& changelog, const BackupJob& job) {
  return BackupRun(conn, changelog, job).Run();
}

}  // namespace chimp::internal
