// EngineOptions: what every command is told about its target (where to
// connect, the target database, the plugin directories, the changelog schema,
// the lock). A leaf header: the config reader fills these without seeing the
// engine facade (engine.hpp).
#ifndef CHIMP_OPTIONS_HPP_
#define CHIMP_OPTIONS_HPP_

#include <chrono>
#include <string>
#include <vector>

#include "chimp/connection.hpp"

namespace chimp {

// Which migration lock a run takes (lock.hpp): the server's named lock, or a
// lease row for Galera and proxies.
enum class LockKind { kNamed, kLease };
// "named", "lease".
const char* LockKindName(LockKind kind);

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
  // Which migration lock to take ([changelog] lock): the server's named
  // lock, or a lease row for Galera and proxies (lock.hpp). Default: named.
  LockKind lock_kind = LockKind::kNamed;
  // Lease only ([changelog] lease_seconds): a holder that stops renewing
  // its lease loses it after this long. Default: 30 s.
  std::chrono::seconds lease_ttl{30};
  // Trusted signing keys for release bundles ([plugins] trusted_keys).
  BundleTrust bundle_trust;
  // `migrate --backup DIR`: dump the target database into DIR before the
  // first step (core/src/engine/backup.cpp). Default: "" (no backup).
  std::string backup_dir;
  // `migrate --accept-drift`: run even when the live schema differs from
  // the fingerprint recorded after the last edge (doc/operations.md
  // "Drift"). Default: false, migrate refuses with the differences named.
  bool accept_drift = false;
};

}  // namespace chimp

#endif  // CHIMP_OPTIONS_HPP_
