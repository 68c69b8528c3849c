// EngineOptions: what every command is told about its target (where to
// connect, the target database, the plugin directories, the changelog schema,
// the lock). A leaf header: the config reader fills these without seeing the
// engine facade (engine.hpp).
#ifndef CHIMP_OPTIONS_HPP_
#define CHIMP_OPTIONS_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/connection.hpp"

namespace chimp {

// Which migration lock a run takes (lock.hpp): the server's named lock, a
// lease row for Galera and proxies, or whichever fits the server (kAuto: the
// lease on a Galera node, wsrep_on = ON; else the named lock). A named lock
// asked for explicitly on a Galera node is refused (doc/operations.md
// "Galera clusters").
enum class LockKind { kNamed, kLease, kAuto };
// "named", "lease", "auto".
const char* LockKindName(LockKind kind);
// The kind LockKindName names; nullopt for any other text.
std::optional<LockKind> ParseLockKind(std::string_view name);

// Which release bundles discovery accepts (chimp/bundle.hpp, doc/plugins.md
// "Release bundles"): the operator's trusted signing keys ([plugins]
// trusted_keys, --trusted-key) and whether a signature is required.
//
// With keys, every plugin must come from a bundle whose bundle.toml is signed
// by one of them. Without keys, bundles are checked against their manifest
// (hashes, engine and ABI) and loaded with a notice, and loose plugins load
// as before, unless require_signature is set: then discovery refuses all.
struct BundleTrust {
  // PEM files of Ed25519 public keys. Default: none.
  std::vector<std::string> trusted_keys;
  // Refuse unsigned bundles and loose plugins even when no key is given
  // ([plugins] require_signature). Default: false.
  bool require_signature = false;

  // True when discovery accepts only signed bundles.
  bool SignatureRequired() const { return require_signature || !trusted_keys.empty(); }
};

// How a step marked online (Step::online) runs its ALTER TABLE through
// pt-online-schema-change ([online] in the config file, --online-* flags;
// doc/operations.md "Online schema changes"). Zero or "" = the tool's own
// default.
struct OnlineAlterOptions {
  // The program; "" = pt-online-schema-change on $PATH. Its absence fails
  // `plan` and `migrate` before anything runs, naming the step.
  std::string program;
  // Rows per chunk (--chunk-size). With chunk_time the tool adjusts it.
  uint64_t chunk_size = 0;
  // Seconds one chunk should take (--chunk-time; the tool's default 0.5).
  double chunk_time = 0;
  // Pause the copy while a status variable is above the bound
  // (--max-load, e.g. "Threads_running=25").
  std::string max_load;
  // Abort the change when a status variable passes the bound
  // (--critical-load, e.g. "Threads_running=50").
  std::string critical_load;
  // Pause the copy while a replica lags more than this many seconds
  // (--max-lag).
  double max_lag = 0;
  // How the tool finds replicas (--recursion-method: processlist, hosts,
  // dsn=..., none).
  std::string recursion_method;
};

// A plugin set loaded once (engine.hpp LoadPluginSet) and shared by every
// target of a fleet run. Defined in engine.hpp.
struct PluginSet;

// One [[targets]] table of the config file (config.hpp): a server and the
// databases on it. Each key set here replaces, for this target, what the
// rest of the configuration says; keys not set are inherited.
struct FleetTarget {
  // "<config file>:<line>", for messages.
  std::string where;
  std::optional<std::string> host;
  std::optional<uint32_t> port;
  std::optional<std::string> socket;
  std::optional<std::string> user;
  std::optional<std::string> password;  // from password_file; never printed
  // `database = "a"` or `database = ["a", "b"]`: the databases, in order.
  std::vector<std::string> databases;
  // `databases = "tenant_%"`: a LIKE pattern matched against the server's
  // schemas. Never together with `database`.
  std::string pattern;
};

struct EngineOptions {
  // Where to connect. connection.database is ignored: see `database`.
  ConnectionOptions connection;
  // The target database: the one migrated. REQUIRES: not empty for every
  // command that reads the changelog.
  std::string database;
  // Directories searched for plugins (*.so, not recursive).
  std::vector<std::string> plugin_dirs;
  // The schema that holds the changelog tables. Default: "chimp".
  std::string changelog_schema = "chimp";
  // How long `migrate` waits for another run's lock. Default: 60 s.
  std::chrono::seconds lock_timeout{60};
  // How long a statement of a step waits for a metadata or row lock that
  // another session holds (an application's open transaction) before it
  // fails, the step with it: the work session's lock_wait_timeout and
  // innodb_lock_wait_timeout (--lock-wait-timeout, [changelog]
  // lock_wait_timeout). Default: 60 s (the server's default is a day).
  std::chrono::seconds lock_wait_timeout{60};
  // Which migration lock to take ([changelog] lock, --lock): the server's
  // named lock, a lease row for Galera and proxies (lock.hpp), or auto (the
  // lease on Galera, else the named lock). Default: auto.
  LockKind lock_kind = LockKind::kAuto;
  // Lease only ([changelog] lease_seconds): a holder that stops renewing
  // its lease loses it after this long. Default: 30 s.
  std::chrono::seconds lease_ttl{30};
  // Trusted signing keys for release bundles ([plugins] trusted_keys).
  BundleTrust bundle_trust;
  // `migrate --backup DIR`: dump the target database into DIR before the
  // first step (core/src/engine/backup.cpp). Default: "" (no backup).
  std::string backup_dir;
  // Steps marked online: pt-online-schema-change's settings.
  OnlineAlterOptions online;
  // The [[targets]] tables of the config file, in the file's order
  // (fleet runs, README "Fleet runs"). Default: none.
  std::vector<FleetTarget> targets;
  // When set, every pipeline takes its catalog from this set instead of
  // discovering, checking and loading options.plugin_dirs again: a fleet
  // run loads and verifies its plugins once (LoadPluginSet) and shares
  // them between its targets and threads. Default: null (load per call).
  std::shared_ptr<const PluginSet> plugin_set;
  // `rehearse`: the directory that holds mariadbd and mariadb-install-db
  // for the throwaway server (--server-bin-dir, [rehearse] server_bin_dir,
  // CHIMP_SERVER_BIN_DIR). Default: "" ($PATH, then /usr/sbin).
  std::string server_bin_dir;
  // `rehearse`: schemas copied besides those it finds itself (the target,
  // the changelog schema and every existing schema the plan's SQL names),
  // for native steps that write elsewhere (--copy-schema). Default: none.
  std::vector<std::string> rehearse_schemas;
  // `migrate --accept-drift`: run even when the live schema differs from
  // the fingerprint recorded after the last edge (doc/operations.md
  // "Drift"). Default: false, migrate refuses with the differences named.
  bool accept_drift = false;
};

}  // namespace chimp

#endif  // CHIMP_OPTIONS_HPP_
