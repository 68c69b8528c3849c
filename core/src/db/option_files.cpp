// MySQL option files read by MariaDB Connector/C itself (config.hpp
// ApplyOptionFiles), so that chimp understands them exactly as the mariadb
// client's library does: groups, quoting, escapes, !include, !includedir.
//
// Connector/C reads option files only inside mysql_real_connect, before it
// opens a network connection. A probe handle is told to read them, given a
// protocol that is invalid on Unix (named pipe), and asked to connect: it
// reads the files into its options, then refuses the protocol before it
// touches the network. Should a file override the protocol, the probe still
// goes nowhere but 127.0.0.1 port 1 (explicit host and port win over the
// files'), which refuses at once. CLIENT_REMEMBER_OPTIONS keeps what was read.
#include <mysql.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "chimp/config.hpp"

namespace chimp {
namespace {

// What one read of the option files set. Empty / 0 = not set.
struct FileValues {
  std::string host, user, password, socket, database, ssl_ca, ssl_cert, ssl_key;
  bool has_password = false;
  unsigned int port = 0;
  unsigned int connect_timeout = 0;
};

std::string Copy(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// Reads the standard files (file == nullptr) or only `file`.
Result<FileValues> Probe(const char* file) {
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return Status::Internal("reading option files: mysql_init failed");
  if (file != nullptr) mysql_optionsv(m, MYSQL_READ_DEFAULT_FILE, file);
  mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "chimp");
  unsigned int protocol = MYSQL_PROTOCOL_PIPE;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  // Fails (by design); what it read stays in m->options.
  if (mysql_real_connect(m, "127.0.0.1", nullptr, nullptr, nullptr, 1, nullptr, CLIENT_REMEMBER_OPTIONS) != nullptr) {
    mysql_close(m);
    return Status::Internal("reading option files: the probe connection unexpectedly succeeded");
  }
  FileValues v;
  const st_mysql_options& o = m->options;
  v.host = Copy(o.host);
  v.user = Copy(o.user);
  v.has_password = o.password != nullptr;
  v.password = Copy(o.password);
  v.socket = Copy(o.unix_socket);
  v.database = Copy(o.db);
  v.ssl_ca = Copy(o.ssl_ca);
  v.ssl_cert = Copy(o.ssl_cert);
  v.ssl_key = Copy(o.ssl_key);
  v.port = o.port;
  v.connect_timeout = o.connect_timeout;
  mysql_close(m);
  return v;
}

Status RequireFile(const std::string& path, const char* flag) {
  if (::access(path.c_str(), R_OK) != 0) {
    const int err = errno;
    return Status::NotFound(std::string(flag) + " '" + path + "': " + std::strerror(err));
  }
  return Status::Ok();
}

// Applies one read; a host other than localhost means TCP, so a socket read
// before (from an earlier file, or this one) no longer applies.
void Apply(const FileValues& v, EngineOptions* options) {
  ConnectionOptions& c = options->connection;
  if (!v.host.empty()) c.host = v.host;
  if (v.port != 0) c.port = v.port;
  if (!c.host.empty() && c.host != "localhost") {
    c.socket.clear();
  } else if (!v.socket.empty()) {
    c.socket = v.socket;
  }
  if (!v.user.empty()) c.user = v.user;
  if (v.has_password) c.password = v.password;
  if (!v.database.empty()) options->database = v.database;
  if (!v.ssl_ca.empty()) c.ssl_ca = v.ssl_ca;
  if (!v.ssl_cert.empty()) c.ssl_cert = v.ssl_cert;
  if (!v.ssl_key.empty()) c.ssl_key = v.ssl_key;
  if (v.connect_timeout != 0) c.connect_timeout_s = v.connect_timeout;
}

}  // namespace

Status ApplyOptionFiles(const OptionFileChoice& choice, EngineOptions* options) {
  if (!choice.read) return Status::Ok();
  if (!choice.defaults_file.empty()) {
    CHIMP_RETURN_IF_ERROR(RequireFile(choice.defaults_file, "--defaults-file"));
    CHIMP_ASSIGN_OR_RETURN(FileValues only, Probe(choice.defaults_file.c_str()));
    Apply(only, options);
    return Status::Ok();
  }
  if (!choice.extra_file.empty()) CHIMP_RETURN_IF_ERROR(RequireFile(choice.extra_file, "--defaults-extra-file"));
  CHIMP_ASSIGN_OR_RETURN(FileValues standard, Probe(nullptr));
  Apply(standard, options);
  if (!choice.extra_file.empty()) {
    CHIMP_ASSIGN_OR_RETURN(FileValues extra, Probe(choice.extra_file.c_str()));
    Apply(extra, options);
  }
  return Status::Ok();
}

}  // namespace chimp
