// chimp restore: puts a database back to a backup `migrate --backup` took,
// and makes the changelog say so (engine.hpp; doc/operations.md "Restore").
// The dump goes from gzip straight into the mariadb client (two children
// joined by a pipe); the password reaches the client only through an option
// file in a memfd, as for the dump (backup.hpp).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "chimp/engine.hpp"
#include "chimp/fingerprint.hpp"
#include "engine/adoption.hpp"
#include "engine/backup.hpp"
#include "engine/session.hpp"
#include "engine/target.hpp"
#include "util/child_process.hpp"

namespace chimp {

namespace {

namespace fs = std::filesystem;
using internal::ChildOptions;
using internal::StartedProgram;
using internal::StartProgram;
using internal::WaitProgram;

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool AllDigits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string SamePath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

std::string Ids(const std::vector<BackupRecord>& backups) {
  std::string out;
  for (const BackupRecord& b : backups) out += (out.empty() ? "#" : ", #") + std::to_string(b.id);
  return out;
}

// The backup `wanted` names ("" = the newest with a dump file).
Result<BackupRecord> ChooseBackup(const std::vector<BackupRecord>& backups, const std::string& wanted,
                                  const EngineOptions& options) {
  const std::string where =
      "database '" + options.database + "' (chimp_backups in schema '" + options.changelog_schema + "')";
  if (backups.empty()) {
    return Status::NotFound("restore: no backup of " + where +
                            " is recorded; take one with chimp migrate --backup DIR");
  }
  const BackupRecord* chosen = nullptr;
  if (wanted.empty()) {
    for (auto it = backups.rbegin(); it != backups.rend() && chosen == nullptr; ++it) {
      if (it->status == "success" && !it->file.empty()) chosen = &*it;
    }
    if (chosen == nullptr) {
      return Status::NotFound("restore: none of the " + std::to_string(backups.size()) + " backups of " + where + " (" +
                              Ids(backups) + ") has a dump file (failed, or the database did not exist yet)");
    }
    return *chosen;
  }
  for (const BackupRecord& b : backups) {
    if (AllDigits(wanted) ? std::to_string(b.id) == wanted : SamePath(b.file) == SamePath(wanted)) chosen = &b;
  }
  if (chosen == nullptr) {
    return Status::NotFound("restore: no backup '" + wanted + "' of " + where + "; recorded: " + Ids(backups) +
                            " (give a backup id or its file, see chimp log)");
  }
  if (chosen->status != "success" || chosen->file.empty()) {
    return Status::FailedPrecondition(
        "restore: backup #" + std::to_string(chosen->id) + " of " + where + " has no dump to restore (" +
        (chosen->status != "success" ? "it failed: " + chosen->error : "the database did not exist when it was taken") +
        ")");
  }
  return *chosen;
}

// What the dump file says about itself.
struct DumpFacts {
  bool gzip = false;
  bool chimp_header = false;  // starts with DumpHeader: loads into any name
  std::string source;         // the database it came from (chimp_header)
  std::string charset;
  std::string collation;
};

// Parses DumpHeader's line into `facts`; false when `head` does not start
// with it.
bool ParseHeader(const std::string& head, DumpFacts* facts) {
  const std::string prefix = internal::kDumpHeaderPrefix;
  if (head.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size();
  if (i >= head.size() || head[i] != '`') return false;
  std::string name;
  for (++i; i < head.size(); ++i) {
    if (head[i] == '`') {
      if (i + 1 < head.size() && head[i + 1] == '`') {
        name.push_back('`');
        ++i;
        continue;
      }
      break;
    }
    name.push_back(head[i]);
  }
  static const std::regex kRest(R"(^`: character set (\w+), collation (\w+);)");
  std::smatch m;
  const std::string rest = head.substr(i < head.size() ? i : head.size());
  if (!std::regex_search(rest, m, kRest)) return false;
  facts->chimp_header = true;
  facts->source = name;
  facts->charset = m[1];
  facts->collation = m[2];
  return true;
}

// gzip -dc reading `file_fd`, its output into `out`, its complaints into
// `err` (a memfd; -1: chimp's stderr).
Result<StartedProgram> StartReader(const std::string& gzip, int file_fd, int out, int err) {
  ChildOptions options;
  options.stdout_fd = out;
  return StartProgram({gzip, "-dc"}, options, file_fd, err);
}

// What a program wrote into the memfd `fd`, on one line, shortened.
std::string Complaint(int fd) {
  std::string text = internal::ReadMemFile(fd);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) c = c == '\n' ? ' ' : c;
  if (text.size() > 1500) text = "..." + text.substr(text.size() - 1500);
  return text.empty() ? "" : ": " + text;
}

// Reads the whole dump once: it must decompress, start as chimp's dumps
// start (or be an older plain dump), and end with '-- Dump completed'.
Result<DumpFacts> InspectDump(const std::string& file, const std::string& gzip) {
  const std::string what = "restore: the dump '" + file + "'";
  Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return Status::FailedPrecondition(what + " cannot be read: " + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  DumpFacts facts;
  facts.gzip = ::pread(in.fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  Result<internal::Pumped> pumped = Status::Ok();
  std::string ended;
  if (facts.gzip) {
    if (gzip.empty()) return Status::FailedPrecondition(what + " is compressed and gzip was not found on PATH");
    int pipe[2] = {-1, -1};
    if (::pipe2(pipe, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe: ") + std::strerror(errno));
    Fd read_end(pipe[0]);
    Fd write_end(pipe[1]);
    Fd err(::memfd_create("chimp-gzip-stderr", MFD_CLOEXEC));
    CHIMP_ASSIGN_OR_RETURN(StartedProgram reader, StartReader(gzip, in.fd, write_end.fd, err.fd));
    write_end.Close();
    pumped = internal::Pump(read_end.fd, -1, 4096);
    read_end.Close();
    ended = internal::DescribeEnd("gzip -dc", WaitProgram(reader));
    if (!ended.empty()) ended += Complaint(err.fd);
  } else {
    pumped = internal::Pump(in.fd, -1, 4096);
  }
  if (!pumped.ok()) return Status::FailedPrecondition(what + " cannot be read: " + pumped.status().message());
  if (!ended.empty()) return Status::FailedPrecondition(what + " is damaged: " + ended);
  if (pumped->tail.find("-- Dump completed") == std::string::npos) {
    return Status::FailedPrecondition(what + " is not complete: it does not end with '-- Dump completed'");
  }
  ParseHeader(pumped->head, &facts);
  return facts;
}

// One restore: worked out and shown, then, once confirmed, the database
// dropped, recreated and loaded, and the changelog told.
class RestoreRun {
 public:
  RestoreRun(const EngineOptions& options, const RestoreRequest& request) : options_(options), request_(request) {}

  Result<RestoreReport> Run(const std::function<bool(const RestoreReport&)>& confirm,
                            std::function<void(const LockHolder&)> on_wait);

 private:
  // The backup, the dump's facts, and the report shown before confirming.
  Status Resolve();
  // FailedPrecondition unless the --into database is new: no objects, no
  // changelog rows or version.
  Status RequireNewInto();
  // Drops and recreates the database and loads the dump into it.
  Status Load();
  // The rolled-back rows, the version and the restore's own rows.
  Status Record(int64_t duration_ms);

  const EngineOptions& options_;
  const RestoreRequest& request_;
  EngineOptions into_options_;
  internal::Target target_;
  RestoreReport report_;
  DumpFacts facts_;
  std::string gzip_;
  bool same_database_ = true;
};

Result<RestoreReport> RestoreRun::Run(const std::function<bool(const RestoreReport&)>& confirm,
                                      std::function<void(const LockHolder&)> on_wait) {
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(options_));
  into_options_ = options_;
  if (!request_.into.empty()) into_options_.database = request_.into;
  same_database_ = into_options_.database == options_.database;
  CHIMP_RETURN_IF_ERROR(internal::RequireTarget(into_options_));
  CHIMP_ASSIGN_OR_RETURN(target_,
                         internal::OpenTarget(into_options_, internal::TargetNeeds::Locked(std::move(on_wait), false)));
  report_.run_id = target_.run_id;
  report_.into = into_options_.database;
  CHIMP_RETURN_IF_ERROR(Resolve());
  if (!confirm || !confirm(report_)) return report_;
  const auto start = std::chrono::steady_clock::now();
  CHIMP_RETURN_IF_ERROR(Load());
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  CHIMP_RETURN_IF_ERROR(Record(static_cast<int64_t>(ms)));
  report_.applied = true;
  return report_;
}

Status RestoreRun::Resolve() {
  Changelog source(*target_.conn, options_.changelog_schema, options_.database);
  CHIMP_ASSIGN_OR_RETURN(auto backups, source.ReadBackups());
  CHIMP_ASSIGN_OR_RETURN(report_.backup, ChooseBackup(backups, request_.backup, options_));
  const BackupRecord& b = report_.backup;
  if (b.databases != options_.database) {
    return Status::FailedPrecondition("restore: backup #" + std::to_string(b.id) + " holds '" + b.databases +
                                      "', not just database '" + options_.database + "'; chimp restores one database");
  }
  gzip_ = internal::FindOnPath("gzip");
  CHIMP_ASSIGN_OR_RETURN(facts_, InspectDump(b.file, gzip_));
  if (!facts_.chimp_header && !same_database_) {
    return Status::FailedPrecondition("restore --into: the dump '" + b.file +
                                      "' was written by an older chimp (mariadb-dump --databases): its statements "
                                      "name database '" +
                                      b.databases + "', so it restores only into that database");
  }
  CHIMP_ASSIGN_OR_RETURN(ChangelogState state, target_.changelog->ReadState());
  report_.version_before = state.version;
  if (!same_database_) return RequireNewInto();
  CHIMP_ASSIGN_OR_RETURN(auto entries, target_.changelog->ReadEntries());
  for (const ChangelogEntry& e : entries) {
    if (e.id > b.changelog_last_id && !IsEngineRow(e) && e.status != StepStatus::kRolledBack) {
      report_.rolled_back.push_back(e);
    }
  }
  return Status::Ok();
}

Status RestoreRun::RequireNewInto() {
  const std::string& into = into_options_.database;
  CHIMP_ASSIGN_OR_RETURN(int64_t objects, internal::CountSchemaObjects(*target_.conn, into, false));
  if (objects > 0) {
    return Status::FailedPrecondition("restore --into: database '" + into + "' already has " + std::to_string(objects) +
                                      " objects; --into loads a backup into a new (or empty) database. Drop it "
                                      "first, or choose another name");
  }
  CHIMP_ASSIGN_OR_RETURN(auto entries, target_.changelog->ReadEntries());
  if (!entries.empty() || !report_.version_before.empty()) {
    return Status::FailedPrecondition("restore --into: the changelog in schema '" + into_options_.changelog_schema +
                                      "' already has " + std::to_string(entries.size()) + " rows for database '" +
                                      into + "'; choose a name chimp has not migrated");
  }
  return Status::Ok();
}

Status RestoreRun::Load() {
  Connection& conn = *target_.conn;
  const std::string& into = into_options_.database;
  const std::string quoted = Connection::QuoteIdentifier(into);
  const std::string client = internal::FindClientProgram();
  const std::string failed = "restore of backup #" + std::to_string(report_.backup.id) + " into '" + into + "' failed";
  if (client.empty()) {
    return Status::FailedPrecondition(failed +
                                      ": neither mariadb nor mysql was found on PATH (or set "
                                      "CHIMP_CLIENT_PROGRAM); nothing was changed");
  }
  Fd file(::open(report_.backup.file.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) return Status::FailedPrecondition(failed + ": cannot read the dump: " + std::strerror(errno));
  CHIMP_ASSIGN_OR_RETURN(int option_fd, internal::WriteOptionFile(options_.connection));
  Fd options_file(option_fd);
  Fd err(::memfd_create("chimp-restore-stderr", MFD_CLOEXEC));
  int pipe[2] = {-1, -1};
  if (err.fd < 0 || ::pipe2(pipe, O_CLOEXEC) != 0) {
    return Status::Internal(failed + ": cannot set up the pipes: " + std::strerror(errno));
  }
  Fd read_end(pipe[0]);
  Fd write_end(pipe[1]);

  CHIMP_RETURN_IF_ERROR(conn.Execute("DROP DATABASE IF EXISTS " + quoted).status().WithContext(failed));
  if (facts_.chimp_header) {
    CHIMP_RETURN_IF_ERROR(
        conn.Execute("CREATE DATABASE " + quoted + " CHARACTER SET " + facts_.charset + " COLLATE " + facts_.collation)
            .status()
            .WithContext(failed));
  }
  std::vector<std::string> argv = {client, internal::DefaultsArgument(options_.connection, option_fd), "--batch"};
  if (facts_.chimp_header) argv.push_back("--database=" + into);  // older dumps say USE themselves
  ChildOptions load;
  load.stdout_fd = err.fd;
  load.inherit_fds = {option_fd};
  load.unset_env = {"CHIMP_PASSWORD"};
  Result<StartedProgram> reader = Status::Ok();
  int client_in = file.fd;
  if (facts_.gzip) {
    reader = StartReader(gzip_, file.fd, write_end.fd, err.fd);
    client_in = read_end.fd;
  }
  write_end.Close();
  Result<StartedProgram> loader = reader.ok() ? StartProgram(argv, load, client_in, err.fd) : reader.status();
  read_end.Close();
  std::string problem;
  if (loader.ok()) problem = internal::DescribeEnd(client, WaitProgram(*loader));
  if (facts_.gzip && reader.ok()) {
    const std::string gz = internal::DescribeEnd("gzip -dc", WaitProgram(*reader));
    if (problem.empty()) problem = gz;
  }
  if (!reader.ok()) problem = "cannot start gzip: " + reader.status().message();
  if (reader.ok() && !loader.ok()) problem = "cannot start " + client + ": " + loader.status().message();
  if (problem.empty()) return Status::Ok();
  return Status::DatabaseError(failed + ": " + problem + Complaint(err.fd) + "; database '" + into +
                               "' is partly restored and the changelog is unchanged: fix the cause and run "
                               "chimp restore again");
}

Status RestoreRun::Record(int64_t duration_ms) {
  Changelog& changelog = *target_.changelog;
  const BackupRecord& b = report_.backup;
  CHIMP_RETURN_IF_ERROR(changelog.EnsureTables());
  CHIMP_RETURN_IF_ERROR(changelog.CloseInterrupted());
  CHIMP_ASSIGN_OR_RETURN(Version version, Version::Parse(b.version, "the backup's version", /*allow_empty=*/true));
  const std::string backup = "backup #" + std::to_string(b.id) + " (" + b.file + ", taken by run " + b.run_id +
                             " at version " + (b.version.empty() ? "(empty)" : b.version) + ")";
  const std::string before = report_.version_before.empty() ? "(empty)" : report_.version_before.ToString();
  // The restored schema is what drift is judged against from now on: the
  // fingerprints recorded after the rolled-back edges describe a schema
  // that is gone.
  CHIMP_ASSIGN_OR_RETURN(SchemaFingerprint restored, FingerprintSchemas(*target_.conn, {report_.into}));
  return internal::InTransaction(*target_.conn, [&]() -> Status {
    int64_t rolled_back = 0;
    if (same_database_) {
      CHIMP_ASSIGN_OR_RETURN(rolled_back,
                             changelog.MarkRolledBackAfter(b.changelog_last_id, "rolled back by chimp restore (run " +
                                                                                    target_.run_id + ") of " + backup));
    }
    ChangelogEntry entry;
    entry.run_id = target_.run_id;
    entry.step_id = kRestoreStepId;
    entry.edge_from = report_.version_before.ToString();
    entry.edge_to = version.ToString();
    entry.status = StepStatus::kSuccess;
    entry.engine_version = EngineVersion();
    entry.description =
        same_database_ ? "restore: database '" + report_.into + "' restored from " + backup + "; version " + before +
                             " -> " + (b.version.empty() ? "(empty)" : b.version) + "; " + std::to_string(rolled_back) +
                             " changelog rows after the backup marked rolled_back"
                       : "restore: database '" + report_.into + "' created from " + backup + " of database '" +
                             b.databases + "'; it starts at version " + (b.version.empty() ? "(empty)" : b.version);
    CHIMP_ASSIGN_OR_RETURN(report_.changelog_id, changelog.InsertFinished(entry, duration_ms));
    CHIMP_RETURN_IF_ERROR(changelog.SetVersion(version, target_.run_id));
    CHIMP_RETURN_IF_ERROR(
        changelog.RecordFingerprints(target_.run_id, report_.version_before, version, restored.schemas));
    RepairRecord audit;
    audit.run_id = target_.run_id;
    audit.action = RepairKindName(RepairKind::kRestore);
    audit.changelog_id = report_.changelog_id;
    audit.old_value = before;
    audit.new_value = version.ToString();
    audit.note = entry.description;
    return changelog.InsertRepair(audit).status();
  });
}

}  // namespace

Result<RestoreReport> Restore(const EngineOptions& options, const RestoreRequest& request,
                              const std::function<bool(const RestoreReport&)>& confirm,
                              std::function<void(const LockHolder&)> on_wait) {
  return RestoreRun(options, request).Run(confirm, std::move(on_wait));
}

}  // namespace chimp
