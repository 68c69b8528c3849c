// Configuration: the MySQL option files, the TOML file (`--config FILE`,
// default ./chimp.toml when present), the environment and the password file.
// The command line applies them in that order and its flags last, so later
// ones win (README "Configuration").
//
// File layout (every key optional):
//
//   [database]
//   host = "127.0.0.1"        # or socket = "/run/mysqld/mysqld.sock"
//   port = 3306
//   socket = "..."
//   user = "chimp"
//   password = "..."          # discouraged: prefer password_file or CHIMP_PASSWORD
//   password_file = "..."     # first line is the password
//   name = "app"              # the target database
//   ssl_ca = "..."  ssl_cert = "..."  ssl_key = "..."  ssl_verify_server_cert = true
//   connect_timeout = 10
//   read_default_option_file = true    # the chimp command: false = --no-defaults
//
//   [plugins]
//   paths = ["plugins"]       # relative to the config file's directory
//   trusted_keys = ["keys/release.pem"]  # Ed25519 public keys (PEM) that sign bundles
//   require_signature = false # true: refuse unsigned bundles even without keys
//
//   [changelog]
//   schema = "chimp"
//   lock_timeout = 60         # seconds
//   lock = "named"            # or "lease" (Galera, proxies): a lease row with a heartbeat
//   lease_seconds = 30        # lease only: a holder that stops renewing loses it after this
//
//   [[targets]]               # fleet runs (README "Fleet runs"); repeat the table per server
//   host = "db1"  port = 3306  socket = "..."  user = "..."  password_file = "..."
//   database = "app"          # or ["a", "b"]; or, instead:
//   databases = "tenant_%"    # a LIKE pattern matched against the server's schemas
//   (EngineOptions::targets; not together with [database] name)
//   [rehearse]
//   server_bin_dir = "/usr/sbin"  # where mariadbd and mariadb-install-db are (default: $PATH, /usr/sbin)
//
// Unknown keys are errors naming the key and the file, so typos do not pass
// silently. Relative paths (plugins.paths, password_file, ssl_ca, ssl_cert,
// ssl_key, plugins.trusted_keys) resolve against the config file's directory, not the working
// directory. Setting both password and password_file is an error. Error
// messages start with "<file>:<line>: " (invalid TOML: "<file>:<line>:<col>: ").
// The password is never part of a message.
#ifndef CHIMP_CONFIG_HPP_
#define CHIMP_CONFIG_HPP_

#include <string>

#include "chimp/options.hpp"
#include "chimp/status.hpp"

namespace chimp {

// Applies the TOML file at `path` to `*options`; keys present override.
// Errors (InvalidArgument) name the file, the line and the key.
Status ApplyConfigFile(const std::string& path, EngineOptions* options);

// Applies the CHIMP_* environment variables that are set to `*options`:
// CHIMP_HOST, CHIMP_PORT, CHIMP_SOCKET, CHIMP_USER, CHIMP_PASSWORD,
// CHIMP_PASSWORD_FILE, CHIMP_DATABASE, CHIMP_SSL_CA, CHIMP_SSL_CERT,
// CHIMP_SSL_KEY, CHIMP_SSL_VERIFY_SERVER_CERT, CHIMP_CONNECT_TIMEOUT,
// CHIMP_PLUGINS and CHIMP_TRUSTED_KEYS (lists separated by ':'),
// CHIMP_REQUIRE_SIGNATURE, CHIMP_CHANGELOG_SCHEMA, CHIMP_LOCK_TIMEOUT,
// CHIMP_LOCK_WAIT_TIMEOUT, CHIMP_LOCK, CHIMP_LEASE_SECONDS and CHIMP_SERVER_BIN_DIR: one per key of
// the config file, with the same ranges. A variable set to "" counts as
// unset, except CHIMP_PASSWORD ("" = no password). CHIMP_HOST or CHIMP_PORT
// without CHIMP_SOCKET means TCP: a socket set before is dropped.
// Booleans are 1/0, true/false, yes/no, on/off. Errors (InvalidArgument)
// name the variable and the bad value (never a password's).
Status ApplyEnvironment(EngineOptions* options);

// The environment variable `name`, or "" when unset.
std::string EnvironmentValue(const char* name);

// Parses a boolean setting ("1", "true", "yes", "on" / "0", "false", "no",
// "off", any case); InvalidArgument naming `what` otherwise.
Result<bool> ParseBool(const std::string& value, const std::string& what);

// Which MySQL option files to read, as the mariadb client's --no-defaults,
// --defaults-file and --defaults-extra-file do.
struct OptionFileChoice {
  // false: read none (--no-defaults). Default: true.
  bool read = true;
  // Read only this file instead of the standard ones (--defaults-file).
  std::string defaults_file;
  // Read this file after the standard ones (--defaults-extra-file).
  std::string extra_file;
};

// Reads the groups [client], [client-server], [client-mariadb] and [chimp]
// of the chosen option files with MariaDB Connector/C's own reader
// (MYSQL_READ_DEFAULT_FILE, MYSQL_READ_DEFAULT_GROUP: the standard files are
// /etc/my.cnf, /etc/mysql/my.cnf, $MYSQL_HOME/my.cnf and ~/.my.cnf, with
// their !include and !includedir) and applies what they set to `*options`:
// host, port, socket, user, password, database (the target database),
// ssl-ca, ssl-cert, ssl-key and connect-timeout. Later files win, as in the
// mariadb client; a host other than localhost drops the files' socket (the
// client uses a socket only for localhost). Other keys are ignored.
// NotFound when a named file does not exist. Touches no server.
Status ApplyOptionFiles(const OptionFileChoice& choice, EngineOptions* options);

// Reads a password file: its first line, without the line ending. Errors
// name the file but never its content.
Result<std::string> ReadPasswordFile(const std::string& path);

}  // namespace chimp

#endif  // CHIMP_CONFIG_HPP_
