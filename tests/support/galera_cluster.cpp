#include "support/galera_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace chimp::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Joining by rsync SST takes ~10 s per node here (the SST script's own
// waits); two joiners queue for the donor.
constexpr auto kNodeTimeout = std::chrono::seconds(90);
constexpr const char* kRunAs = "mysql";

// A TCP port of 127.0.0.1 free right now (the kernel's pick). Another
// process may take it before the node binds it; the node then fails to
// start and says so.
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("galera: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("galera: cannot bind a port of 127.0.0.1");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string Endpoint(int port) { return "127.0.0.1:" + std::to_string(port); }

std::string StatusOf(Connection& conn, const char* name) {
  auto v = conn.QueryScalar(std::string("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
                                        "VARIABLE_NAME = '") +
                            name + "'");
  return v.ok() && v->has_value() ? (*v)->ToString() : "";
}

void ChownTree(const fs::path& dir, uid_t uid, gid_t gid) {
  if (::chown(dir.c_str(), uid, gid) != 0) throw std::runtime_error("galera: cannot chown " + dir.string());
}

}  // namespace

std::string GaleraCluster::Provider() {
  for (const char* p : {"/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so",
                        "/usr/lib/x86_64-linux-gnu/galera/libgalera_smm.so"}) {
    if (::access(p, R_OK) == 0) return p;
  }
  return "";
}

std::string GaleraCluster::Missing() {
  std::string missing;
  auto add = [&](const std::string& what) { missing += (missing.empty() ? "" : ", ") + what; };
  if (Provider().empty()) add("the Galera provider libgalera_smm.so (Debian package galera-4)");
  if (FindProgram("mariadbd").empty()) add("mariadbd (mariadb-server)");
  if (FindProgram("wsrep_sst_rsync").empty()) add("wsrep_sst_rsync (mariadb-server)");
  if (FindProgram("rsync").empty()) add("rsync (rsync)");
  if (::geteuid() == 0 && ::getpwnam(kRunAs) == nullptr) add("the mysql account (mariadb-server)");
  return missing;
}

GaleraCluster::GaleraCluster(int nodes) {
  const auto started = Clock::now();
  if (std::string missing = Missing(); !missing.empty()) throw std::runtime_error("galera: missing " + missing);
  if (std::string e = MakeServerDir(&dir_); !e.empty()) throw std::runtime_error(e);
  name_ = "chimp_test_" + std::to_string(::getpid());
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  if (uid == 0) {
    const passwd* pw = ::getpwnam(kRunAs);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    ::chmod(dir_.c_str(), 0711);  // the nodes reach their own directories only
  }
  for (int i = 0; i < nodes * 3; ++i) ports_.push_back(FreeLoopbackPort());
  for (int i = 1; i <= nodes; ++i) {
    fs::path node = fs::path(dir_) / ("node" + std::to_string(i));
    fs::create_directories(node / "data");
    ChownTree(node, uid, gid);
    ChownTree(node / "data", uid, gid);
    fs::permissions(node, fs::perms::owner_all);
    nodes_.push_back(std::make_unique<MariadbdProcess>(node.string(), kRunAs));
  }
  try {
    if (std::string e = nodes_[0]->Install(); !e.empty()) throw std::runtime_error("galera node 1: " + e);
    StartNode(1, /*bootstrap=*/true);
    WaitSynced(1);
    // The joiners' data comes from node 1 by SST: no install-db for them.
    for (int i = 2; i <= nodes; ++i) StartNode(i, false);
    for (int i = 2; i <= nodes; ++i) WaitSynced(i);
    WaitClusterSize(1, nodes);
  } catch (...) {
    nodes_.clear();  // stops them
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
  start_seconds_ = std::chrono::duration<double>(Clock::now() - started).count();
}

GaleraCluster::~GaleraCluster() {
  // The joiners first: the last node stopped is safe to bootstrap from.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) (*it)->Stop();
  nodes_.clear();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<std::string> GaleraCluster::NodeArgs(int node) const {
  std::string members;
  for (int i = 0; i < size(); ++i) members += (i == 0 ? "" : ",") + Endpoint(ports_[i * 3]);
  const int base = (node - 1) * 3;
  // Short failure detection: a killed node leaves the view within ~3 s, so
  // the survivors go on writing instead of waiting for it.
  const std::string provider_options = "gmcast.listen_addr=tcp://" + Endpoint(ports_[base]) +
                                       ";ist.recv_addr=" + Endpoint(ports_[base + 1]) +
                                       ";gcache.size=32M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;"
                                       "evs.inactive_check_period=PT0.5S;evs.inactive_timeout=PT3S;"
                                       "evs.install_timeout=PT3S";
  return {"--binlog-format=ROW",
          "--innodb-autoinc-lock-mode=2",
          "--default-storage-engine=InnoDB",
          "--wsrep-on=ON",
          "--wsrep-provider=" + Provider(),
          "--wsrep-cluster-name=" + name_,
          "--wsrep-cluster-address=gcomm://" + members,
          "--wsrep-node-address=" + Endpoint(ports_[base]),
          "--wsrep-node-name=node" + std::to_string(node),
          "--wsrep-provider-options=" + provider_options,
          "--wsrep-sst-method=rsync",
          "--wsrep-sst-receive-address=" + Endpoint(ports_[base + 2])};
}

void GaleraCluster::StartNode(int node, bool bootstrap) {
  std::vector<std::string> args = NodeArgs(node);
  if (bootstrap) args.push_back("--wsrep-new-cluster");
  if (std::string e = nodes_.at(node - 1)->Start(args); !e.empty()) {
    throw std::runtime_error("galera node " + std::to_string(node) + ": " + e);
  }
}

void GaleraCluster::WaitSynced(int node) {
  std::string e = nodes_.at(node - 1)->WaitReady(kNodeTimeout, [](Connection& conn) {
    return StatusOf(conn, "WSREP_LOCAL_STATE_COMMENT") == "Synced" && StatusOf(conn, "WSREP_READY") == "ON";
  });
  if (!e.empty()) throw std::runtime_error("galera node " + std::to_string(node) + " not Synced: " + e);
}

void GaleraCluster::WaitClusterSize(int node, int want) {
  std::string e = nodes_.at(node - 1)->WaitReady(kNodeTimeout, [want](Connection& conn) {
    return StatusOf(conn, "WSREP_CLUSTER_SIZE") == std::to_string(want) &&
           StatusOf(conn, "WSREP_CLUSTER_STATUS") == "Primary";
  });
  if (!e.empty()) {
    throw std::runtime_error("galera node " + std::to_string(node) + " never saw a cluster of " + std::to_string(want) +
                             ": " + e);
  }
}

void GaleraCluster::Kill(int node) {
  nodes_.at(node - 1)->Kill(SIGKILL);
  int alive = 0;
  for (const auto& n : nodes_) alive += n->pid() > 0 ? 1 : 0;
  for (int i = 1; i <= size(); ++i) {
    if (nodes_[i - 1]->pid() > 0) WaitClusterSize(i, alive);
  }
}

void GaleraCluster::Restart(int node) {
  StartNode(node, false);
  WaitSynced(node);
}

ConnectionOptions GaleraCluster::Options(int node, std::string database) const {
  return nodes_.at(node - 1)->Options(std::move(database));
}

std::unique_ptr<Connection> GaleraCluster::Connect(int node, std::string database) const {
  auto conn = Connection::Open(Options(node, std::move(database)));
  if (!conn.ok()) throw std::runtime_error("galera node " + std::to_string(node) + ": " + conn.status().ToString());
  return std::move(conn).value();
}

std::vector<std::string> GaleraCluster::Flags(int node) const { return {"--socket", socket(node), "--user", "root"}; }

}  // namespace chimp::test
