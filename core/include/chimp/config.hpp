// Configuration: the TOML file (`--config FILE`, default ./chimp.toml when
// present), the environment and the password file. Flags are applied by the
// command line after these, so they win.
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
//   read_default_option_file = false   # also read ~/.my.cnf [client]
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

// Applies CHIMP_PASSWORD (when set) to options->connection.password.
void ApplyEnvironment(EngineOptions* options);

// Reads a password file: its first line, without the line ending. Errors
// name the file but never its content.
Result<std::string> ReadPasswordFile(const std::string& path);

}  // namespace chimp

#endif  // CHIMP_CONFIG_HPP_
