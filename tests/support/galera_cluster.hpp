// GaleraCluster: a throwaway MariaDB Galera cluster on loopback for the
// Galera tests (STYLE.md rule 21: real servers, no mock).
//
// Three mariadbd (MariadbdProcess, support/mariadb_server.hpp), each in a
// directory of its own under one private temporary directory, each on its
// own unix socket (no SQL port), with wsrep on: the group communication,
// IST and SST receive addresses are free ports of 127.0.0.1 picked at
// start, so nothing listens beyond loopback. Node 1 bootstraps the cluster
// (--wsrep-new-cluster) from a fresh mariadb-install-db; nodes 2 and 3 join
// it and receive their data by rsync SST. Nodes are stopped (or killed) by
// their own PIDs; the destructor stops them all and removes the directory.
//
// As root, the nodes run as the `mysql` account (Debian's mariadb-server
// creates it): the rsync daemon the SST script starts on a joiner would
// otherwise drop to `nobody`, which cannot write the node's directory.
//
// Failures throw std::runtime_error naming the node and the tail of its
// error log. [main-thread]
#ifndef CHIMP_TESTS_SUPPORT_GALERA_CLUSTER_HPP_
#define CHIMP_TESTS_SUPPORT_GALERA_CLUSTER_HPP_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "chimp/connection.hpp"
#include "support/mariadb_server.hpp"

namespace chimp::test {

class GaleraCluster {
 public:
  // "" when this machine can run the cluster (the galera-4 provider,
  // mariadbd, wsrep_sst_rsync and rsync; as root, the mysql account), else
  // what is missing.
  static std::string Missing();
  // The wsrep provider library ("" when not installed).
  static std::string Provider();

  // Starts `nodes` nodes and waits until all are Synced in one cluster.
  explicit GaleraCluster(int nodes = 3);
  ~GaleraCluster();
  GaleraCluster(const GaleraCluster&) = delete;
  GaleraCluster& operator=(const GaleraCluster&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  // Nodes are numbered from 1.
  const std::string& socket(int node) const { return nodes_.at(node - 1)->socket(); }
  pid_t pid(int node) const { return nodes_.at(node - 1)->pid(); }
  ConnectionOptions Options(int node, std::string database = "") const;
  // Opens a connection to `node`. Throws on failure.
  std::unique_ptr<Connection> Connect(int node, std::string database = "") const;
  // --socket, --user flags for the chimp binary on `node`.
  std::vector<std::string> Flags(int node) const;

  // SIGKILL of the node's mariadbd (reaped), then waits until every other
  // node sees a cluster without it (wsrep_cluster_size), so that the next
  // statement there does not wait for the dead node.
  void Kill(int node);
  // Starts a stopped or killed node again; it rejoins (IST or SST) and the
  // call returns once it is Synced.
  void Restart(int node);
  // Seconds it took to start the cluster (for the test's report).
  double start_seconds() const { return start_seconds_; }

 private:
  std::vector<std::string> NodeArgs(int node) const;
  void StartNode(int node, bool bootstrap);
  void WaitSynced(int node);
  void WaitClusterSize(int node, int size);

  std::string dir_;
  std::string name_;
  std::vector<int> ports_;  // 3 per node: group communication, IST, SST
  std::vector<std::unique_ptr<MariadbdProcess>> nodes_;
  double start_seconds_ = 0;
};

}  // namespace chimp::test

#endif  // CHIMP_TESTS_SUPPORT_GALERA_CLUSTER_HPP_
