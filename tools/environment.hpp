// Every environment variable chimp reads, with what it does: the man page's
// ENVIRONMENT section is generated from this table (tools/manual.cpp). The
// variables are read where they act (core/src/config/config.cpp
// ApplyEnvironment, tools/common.cpp, core/src/engine, core/src/plugin,
// tools/cmd_create.cpp); tests/package/package_test.sh fails when a
// "CHIMP_*" name in those sources is missing from the man page.
#ifndef CHIMP_TOOLS_ENVIRONMENT_HPP_
#define CHIMP_TOOLS_ENVIRONMENT_HPP_

namespace chimp::cli {

struct EnvironmentVariable {
  const char* name;
  const char* meaning;
};

inline constexpr EnvironmentVariable kEnvironmentTable[] = {
    {"CHIMP_CONFIG", "The config file when --config is not given (else ./chimp.toml when present)."},
    {"CHIMP_HOST", "Server host name or IP, as --host. With CHIMP_PORT and without CHIMP_SOCKET it means TCP."},
    {"CHIMP_PORT", "Server TCP port, as --port."},
    {"CHIMP_SOCKET", "Unix socket, as --socket."},
    {"CHIMP_USER", "User name, as --user."},
    {"CHIMP_PASSWORD", "The password (\"\" is no password). Never printed or logged."},
    {"CHIMP_PASSWORD_FILE", "File whose first line is the password, as --password-file; not with CHIMP_PASSWORD."},
    {"CHIMP_DATABASE", "The target database, as --database."},
    {"CHIMP_SSL_CA", "TLS CA certificate file, as --ssl-ca."},
    {"CHIMP_SSL_CERT", "TLS client certificate file, as --ssl-cert."},
    {"CHIMP_SSL_KEY", "TLS client key file, as --ssl-key."},
    {"CHIMP_SSL_VERIFY_SERVER_CERT", "Boolean, as --ssl-verify-server-cert."},
    {"CHIMP_CONNECT_TIMEOUT", "Seconds to wait for the server, as --connect-timeout."},
    {"CHIMP_PLUGINS", "Plugin directories separated by ':', as --plugins."},
    {"CHIMP_TRUSTED_KEYS", "Ed25519 public keys (PEM files) separated by ':', as --trusted-key."},
    {"CHIMP_REQUIRE_SIGNATURE", "Boolean, as --require-signature."},
    {"CHIMP_CHANGELOG_SCHEMA", "Schema of the changelog tables, as --changelog-schema."},
    {"CHIMP_LOCK_TIMEOUT", "Seconds to wait for the migration lock, as --lock-timeout."},
    {"CHIMP_LOCK_WAIT_TIMEOUT", "Seconds a statement waits for a table or row lock, as --lock-wait-timeout."},
    {"CHIMP_LOCK", "auto, named or lease, as --lock."},
    {"CHIMP_LEASE_SECONDS", "Lease lock only: seconds until an unrenewed lease is lost, as --lease-seconds."},
    {"CHIMP_NO_DEFAULTS", "Boolean: read no MySQL option file, as --no-defaults."},
    {"CHIMP_DEFAULTS_FILE", "Read only this MySQL option file, as --defaults-file."},
    {"CHIMP_DEFAULTS_EXTRA_FILE", "Read this MySQL option file after the standard ones, as --defaults-extra-file."},
    {"CHIMP_COLOR", "auto, always or never, as --color."},
    {"NO_COLOR", "When set and not empty (and neither --color nor CHIMP_COLOR is given), no coloured output."},
    {"CHIMP_SERVER_BIN_DIR",
     "`rehearse`: the directory holding mariadbd and mariadb-install-db for the throwaway server (Default: PATH, then "
     "/usr/sbin)."},
    {"CHIMP_PLUGIN_LOAD_TIMEOUT", "Seconds (1 to 86400) allowed to load a plugin in its child process (Default: 30)."},
    {"CHIMP_DESCRIPTOR_CACHE",
     "Directory of the plugin descriptor cache, or off (Default: $XDG_CACHE_HOME/chimp, else ~/.cache/chimp)."},
    {"XDG_CACHE_HOME", "Where the descriptor cache lives when CHIMP_DESCRIPTOR_CACHE is unset."},
    {"CHIMP_DUMP_PROGRAM", "The dump program of migrate --backup (Default: mariadb-dump, else mysqldump)."},
    {"CHIMP_CLIENT_PROGRAM", "The client program restore loads a dump with (Default: mariadb, else mysql)."},
    {"CHIMP_SCAFFOLDING_DIR",
     "The templates of chimp create (Default: <bin>/../share/chimp/scaffolding, from the chimp-dev package)."},
    {"MYSQL_HOME", "Where the MySQL option file $MYSQL_HOME/my.cnf is looked for."},
};

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_ENVIRONMENT_HPP_
