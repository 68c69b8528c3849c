#include "chimp/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using chimp::ApplyConfigFile;
using chimp::EngineOptions;
using chimp::StatusCode;

namespace {

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    fs::path base = fs::temp_directory_path();
    for (int i = 0;; ++i) {
      path_ = base / ("chimp_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(i));
      if (fs::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  fs::path path_;
};

}  // namespace

TEST_CASE("config: every key is applied") {
  TempDir dir;
  std::string pw = dir.Write("secret/pw", "s3cret\nignored second line\n");
  std::string file = dir.Write("chimp.toml", R"(
[database]
host = "db.example.org"
port = 3307
socket = "/run/mysqld/mysqld.sock"
user = "migrator"
password_file = "secret/pw"
name = "app"
ssl_ca = "/etc/ssl/ca.pem"
ssl_cert = "tls/cert.pem"
ssl_key = "tls/key.pem"
ssl_verify_server_cert = true
connect_timeout = 5
read_default_option_file = true

[plugins]
paths = ["plugins", "/opt/chimp/plugins", "../shared/plugins"]

[changelog]
schema = "chimp_log"
lock_timeout = 120
)");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(o.connection.host == "db.example.org");
  CHECK(o.connection.port == 3307);
  CHECK(o.connection.socket == "/run/mysqld/mysqld.sock");
  CHECK(o.connection.user == "migrator");
  CHECK(o.connection.password == "s3cret");
  CHECK(o.database == "app");
  CHECK(o.connection.ssl_ca == "/etc/ssl/ca.pem");
  CHECK(o.connection.ssl_cert == (dir.path() / "tls/cert.pem").string());
  CHECK(o.connection.ssl_key == (dir.path() / "tls/key.pem").string());
  CHECK(o.connection.ssl_verify_server_cert);
  CHECK(o.connection.connect_timeout_s == 5);
  CHECK(o.connection.read_default_option_file);
  REQUIRE(o.plugin_dirs.size() == 3);
  CHECK(o.plugin_dirs[0] == (dir.path() / "plugins").string());
  CHECK(o.plugin_dirs[1] == "/opt/chimp/plugins");
  CHECK(o.plugin_dirs[2] == (dir.path().parent_path() / "shared/plugins").string());
  CHECK(o.changelog_schema == "chimp_log");
  CHECK(o.lock_timeout == std::chrono::seconds(120));
}

TEST_CASE("config: keys absent from the file keep their values") {
  TempDir dir;
  std::string file = dir.Write("chimp.toml", "[database]\nname = \"app\"\n");
  EngineOptions o;
  o.connection.host = "keep";
  o.plugin_dirs = {"/keep"};
  REQUIRE(ApplyConfigFile(file, &o).ok());
  CHECK(o.database == "app");
  CHECK(o.connection.host == "keep");
  CHECK(o.plugin_dirs == std::vector<std::string>{"/keep"});
  CHECK(o.changelog_schema == "chimp");
  CHECK(o.lock_timeout == std::chrono::seconds(60));
}

TEST_CASE("config: an empty file changes nothing") {
  TempDir dir;
  std::string file = dir.Write("chimp.toml", "# nothing\n");
  EngineOptions o;
  CHECK(ApplyConfigFile(file, &o).ok());
  CHECK(o.database.empty());
}

TEST_CASE("config: a plain password and a single plugin path string") {
  TempDir dir;
  std::string file = dir.Write("c.toml", "[database]\npassword = \"pw\"\n[plugins]\npaths = \"p\"\n");
  EngineOptions o;
  REQUIRE(ApplyConfigFile(file, &o).ok());
  CHECK(o.connection.password == "pw");
  CHECK(o.plugin_dirs == std::vector<std::string>{(dir.path() / "p").string()});
}

TEST_CASE("config: relative plugin paths resolve against the file's directory, not the cwd") {
  TempDir dir;
  std::string file = dir.Write("etc/chimp.toml", "[plugins]\npaths = [\"./plugins\", \"a/../b\"]\n");
  fs::path old = fs::current_path();
  fs::current_path(dir.path());
  EngineOptions o;
  chimp::Status s = ApplyConfigFile("etc/chimp.toml", &o);
  fs::current_path(old);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(o.plugin_dirs.size() == 2);
  CHECK(o.plugin_dirs[0] == (dir.path() / "etc/plugins").string());
  CHECK(o.plugin_dirs[1] == (dir.path() / "etc/b").string());
  (void)file;
}

TEST_CASE("config: [rehearse] server_bin_dir resolves against the file's directory; CHIMP_SERVER_BIN_DIR wins") {
  TempDir dir;
  std::string file = dir.Write("etc/chimp.toml", "[rehearse]\nserver_bin_dir = \"mariadb/bin\"\n");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(o.server_bin_dir == (dir.path() / "etc/mariadb/bin").string());
  ::setenv("CHIMP_SERVER_BIN_DIR", "/opt/mariadb/sbin", 1);
  CHECK(chimp::ApplyEnvironment(&o).ok());
  ::unsetenv("CHIMP_SERVER_BIN_DIR");
  CHECK(o.server_bin_dir == "/opt/mariadb/sbin");
  std::string bad = dir.Write("bad.toml", "[rehearse]\nserver_bin = \"x\"\n");
  chimp::Status s2 = ApplyConfigFile(bad, &o);
  CHECK(s2.code() == StatusCode::kInvalidArgument);
  CHECK(s2.message().rfind(bad + ":2: unknown key 'rehearse.server_bin'", 0) == 0);
}

TEST_CASE("config: an unknown key names the key, the file and the line") {
  TempDir dir;
  std::string file = dir.Write("chimp.toml", "[database]\nname = \"app\"\nhots = \"x\"\n");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().rfind(file + ":3: unknown key 'database.hots' (known keys in [database]: ", 0) == 0);
  CHECK(s.message().find("host") != std::string::npos);
}

TEST_CASE("config: an unknown table or top-level key is an error") {
  TempDir dir;
  EngineOptions o;
  std::string f1 = dir.Write("a.toml", "\n[databse]\nname = \"x\"\n");
  chimp::Status s1 = ApplyConfigFile(f1, &o);
  CHECK(s1.code() == StatusCode::kInvalidArgument);
  CHECK(s1.message() ==
        f1 + ":2: unknown table 'databse' (known tables: database, plugins, changelog, online, rehearse, [[targets]])");

  std::string f2 = dir.Write("b.toml", "host = \"x\"\n");
  chimp::Status s2 = ApplyConfigFile(f2, &o);
  CHECK(s2.message() ==
        f2 + ":1: unknown key 'host' (known tables: database, plugins, changelog, online, rehearse, [[targets]])");

  std::string f3 = dir.Write("c.toml", "database = 3\n");
  chimp::Status s3 = ApplyConfigFile(f3, &o);
  CHECK(s3.message() == f3 + ":1: 'database' must be a table ([database]), not an integer");
}

TEST_CASE("config: a value of the wrong type names the key, both types and the line") {
  TempDir dir;
  EngineOptions o;
  std::string f1 = dir.Write("a.toml", "[database]\nport = \"3306\"\n");
  chimp::Status s1 = ApplyConfigFile(f1, &o);
  CHECK(s1.code() == StatusCode::kInvalidArgument);
  CHECK(s1.message() == f1 + ":2: 'database.port' must be an integer, not a string");

  std::string f2 = dir.Write("b.toml", "[database]\nhost = 1\n");
  CHECK(ApplyConfigFile(f2, &o).message() == f2 + ":2: 'database.host' must be a string, not an integer");

  std::string f3 = dir.Write("c.toml", "[database]\nssl_verify_server_cert = \"yes\"\n");
  CHECK(ApplyConfigFile(f3, &o).message() ==
        f3 + ":2: 'database.ssl_verify_server_cert' must be a boolean (true or false), not a string");

  std::string f4 = dir.Write("d.toml", "[plugins]\npaths = [\"a\", 2]\n");
  CHECK(ApplyConfigFile(f4, &o).message() ==
        f4 + ":2: 'plugins.paths' must be an array of strings, but holds an integer");

  std::string f5 = dir.Write("e.toml", "[changelog]\nlock_timeout = 1.5\n");
  CHECK(ApplyConfigFile(f5, &o).message() == f5 + ":2: 'changelog.lock_timeout' must be an integer, not a float");
}

TEST_CASE("config: out-of-range numbers are errors") {
  TempDir dir;
  EngineOptions o;
  std::string f1 = dir.Write("a.toml", "[database]\nport = 70000\n");
  CHECK(ApplyConfigFile(f1, &o).message() == f1 + ":2: 'database.port' must be between 1 and 65535, not 70000");
  std::string f2 = dir.Write("b.toml", "[changelog]\nlock_timeout = -1\n");
  CHECK(ApplyConfigFile(f2, &o).message().find("'changelog.lock_timeout' must be between 0 and") != std::string::npos);
  std::string f3 = dir.Write("c.toml", "[changelog]\nschema = \"\"\n");
  CHECK(ApplyConfigFile(f3, &o).message() == f3 + ":2: 'changelog.schema' must not be empty");
}

TEST_CASE("config: invalid TOML names the file, the line and the column") {
  TempDir dir;
  std::string file = dir.Write("chimp.toml", "[database]\nname = \"app\nport = 1\n");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().rfind(file + ":2:", 0) == 0);
  CHECK(s.message().find("invalid TOML: ") != std::string::npos);
}

TEST_CASE("config: a missing config file is NotFound") {
  EngineOptions o;
  chimp::Status s = ApplyConfigFile("/nonexistent/chimp.toml", &o);
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.message() == "config file '/nonexistent/chimp.toml': no such file");
}

TEST_CASE("config: password and password_file together are an error") {
  TempDir dir;
  dir.Write("pw", "x\n");
  std::string file = dir.Write("c.toml", "[database]\npassword = \"a\"\npassword_file = \"pw\"\n");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() == file + ": set either database.password or database.password_file, not both");
}

TEST_CASE("config: a missing password_file names the config key and the path, never a secret") {
  TempDir dir;
  std::string file = dir.Write("c.toml", "[database]\npassword_file = \"missing\"\n");
  EngineOptions o;
  chimp::Status s = ApplyConfigFile(file, &o);
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.message() ==
        file + ":2: database.password_file: password file '" + (dir.path() / "missing").string() + "': no such file");
}

TEST_CASE("config: password file gives its first line without the line ending") {
  TempDir dir;
  auto r1 = chimp::ReadPasswordFile(dir.Write("a", "pa ss\r\nsecond\n"));
  REQUIRE(r1.ok());
  CHECK(*r1 == "pa ss");
  auto r2 = chimp::ReadPasswordFile(dir.Write("b", "no-newline"));
  REQUIRE(r2.ok());
  CHECK(*r2 == "no-newline");
  // An empty file is refused (issue 10, item 7), never "no password".
  auto r3 = chimp::ReadPasswordFile(dir.Write("c", ""));
  CHECK(r3.status().code() == StatusCode::kInvalidArgument);
  auto r4 = chimp::ReadPasswordFile((dir.path() / "nope").string());
  CHECK(r4.status().code() == StatusCode::kNotFound);
  CHECK(r4.status().message() == "password file '" + (dir.path() / "nope").string() + "': no such file");
  auto r5 = chimp::ReadPasswordFile(dir.path().string());
  CHECK(r5.status().code() == StatusCode::kInvalidArgument);
  CHECK(r5.status().message().find("is a directory") != std::string::npos);
}

TEST_CASE("config: CHIMP_PASSWORD overrides the password when set") {
  EngineOptions o;
  o.connection.password = "from-config";
  ::unsetenv("CHIMP_PASSWORD");
  CHECK(chimp::ApplyEnvironment(&o).ok());
  CHECK(o.connection.password == "from-config");
  ::setenv("CHIMP_PASSWORD", "from-env", 1);
  CHECK(chimp::ApplyEnvironment(&o).ok());
  ::unsetenv("CHIMP_PASSWORD");
  CHECK(o.connection.password == "from-env");
}

TEST_CASE("config: option files are read by Connector/C: groups, quoting, !include, later files win") {
  TempDir dir;
  std::string included = dir.Write("inc.cnf", "[chimp]\nconnect-timeout = 7\n");
  std::string file = dir.Write("my.cnf",
                               "[client]\nsocket = /run/x.sock\nuser = \"deploy user\"\npassword = p\\\"w\n"
                               "ssl-ca = /etc/ca.pem\n[mysql]\ndatabase = not_chimps\nuser = nobody\n"
                               "[chimp]\ndatabase = app\n!include " +
                                   included + "\n");
  EngineOptions o;
  chimp::OptionFileChoice only;
  only.defaults_file = file;
  REQUIRE(chimp::ApplyOptionFiles(only, &o).ok());
  CHECK(o.connection.socket == "/run/x.sock");
  CHECK(o.connection.user == "deploy user");
  CHECK(o.connection.password == "p\"w");
  CHECK(o.connection.ssl_ca == "/etc/ca.pem");
  CHECK(o.database == "app");
  CHECK(o.connection.connect_timeout_s == 7);

  // A host other than localhost in a later file means TCP: the socket goes.
  std::string tcp = dir.Write("tcp.cnf", "[client]\nhost = db1.example\nport = 3307\n");
  std::string home = dir.path().string();
  std::string old_home = chimp::EnvironmentValue("HOME");
  ::setenv("HOME", home.c_str(), 1);
  dir.Write(".my.cnf", "[client]\nsocket = /run/home.sock\n[chimp]\ndatabase = from_home\n");
  EngineOptions both;
  chimp::OptionFileChoice extra;
  extra.extra_file = tcp;
  chimp::Status read = chimp::ApplyOptionFiles(extra, &both);
  EngineOptions none;
  chimp::OptionFileChoice off;
  off.read = false;
  chimp::Status skipped = chimp::ApplyOptionFiles(off, &none);
  ::setenv("HOME", old_home.c_str(), 1);
  REQUIRE(read.ok());
  CHECK(both.database == "from_home");
  CHECK(both.connection.host == "db1.example");
  CHECK(both.connection.port == 3307);
  CHECK(both.connection.socket.empty());
  REQUIRE(skipped.ok());
  CHECK(none.database.empty());

  chimp::OptionFileChoice missing;
  missing.defaults_file = dir.path().string() + "/nope.cnf";
  chimp::Status m = chimp::ApplyOptionFiles(missing, &o);
  CHECK(m.code() == StatusCode::kNotFound);
  CHECK(m.message().find("--defaults-file '" + missing.defaults_file + "'") != std::string::npos);
}

TEST_CASE("config: CHIMP_* variables apply, and a bad one is refused naming it") {
  ::setenv("CHIMP_SOCKET", "/run/env.sock", 1);
  ::setenv("CHIMP_DATABASE", "envdb", 1);
  ::setenv("CHIMP_PLUGINS", "/a:/b", 1);
  ::setenv("CHIMP_LOCK", "lease", 1);
  EngineOptions o;
  chimp::Status ok = chimp::ApplyEnvironment(&o);
  ::setenv("CHIMP_PORT", "0", 1);
  EngineOptions p;
  chimp::Status bad = chimp::ApplyEnvironment(&p);
  for (const char* name : {"CHIMP_SOCKET", "CHIMP_DATABASE", "CHIMP_PLUGINS", "CHIMP_LOCK", "CHIMP_PORT"}) {
    ::unsetenv(name);
  }
  REQUIRE(ok.ok());
  CHECK(o.connection.socket == "/run/env.sock");
  CHECK(o.database == "envdb");
  CHECK(o.plugin_dirs == std::vector<std::string>{"/a", "/b"});
  CHECK(o.lock_kind == chimp::LockKind::kLease);
  CHECK(bad.code() == StatusCode::kInvalidArgument);
  CHECK(bad.message() == "environment variable CHIMP_PORT: must be between 1 and 65535, not 0");
}

TEST_CASE("config: [online] sets pt-online-schema-change's settings and refuses bad values") {
  TempDir dir;
  EngineOptions o;
  std::string file = dir.Write("chimp.toml", R"(
[online]
program = "/opt/pt/bin/pt-online-schema-change"
chunk_size = 500
chunk_time = 0.25
max_load = "Threads_running=30"
critical_load = "Threads_running=80"
max_lag = 3
recursion_method = "none"
)");
  chimp::Status s = ApplyConfigFile(file, &o);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(o.online.program == "/opt/pt/bin/pt-online-schema-change");
  CHECK(o.online.chunk_size == 500);
  CHECK(o.online.chunk_time == doctest::Approx(0.25));
  CHECK(o.online.max_load == "Threads_running=30");
  CHECK(o.online.critical_load == "Threads_running=80");
  CHECK(o.online.max_lag == doctest::Approx(3));
  CHECK(o.online.recursion_method == "none");

  std::string bad = dir.Write("bad.toml", "[online]\nchunk_time = -1\n");
  chimp::Status b = ApplyConfigFile(bad, &o);
  CHECK(b.code() == StatusCode::kInvalidArgument);
  CHECK(b.message() == bad + ":2: 'online.chunk_time' must be a number of seconds above 0 and at most 86400");
  std::string typo = dir.Write("typo.toml", "[online]\nchunk = 5\n");
  CHECK(chimp::Status(ApplyConfigFile(typo, &o)).message().find("unknown key 'online.chunk'") != std::string::npos);
}

TEST_CASE("config: [[targets]] tables are read in order, each with its own keys; contradictions are errors") {
  TempDir dir;
  dir.Write("db2.pw", "s3cret\n");
  EngineOptions o;
  std::string f = dir.Write("fleet.toml",
                            "[database]\nuser = \"base\"\n"
                            "[[targets]]\nhost = \"db1\"\nport = 3307\ndatabases = \"tenant\\\\_%\"\n"
                            "[[targets]]\nsocket = \"/run/db2.sock\"\npassword_file = \"db2.pw\"\n"
                            "database = [\"billing\", \"reports\"]\n");
  chimp::Status s = ApplyConfigFile(f, &o);
  REQUIRE_MESSAGE(s.ok(), s.message());
  REQUIRE(o.targets.size() == 2);
  CHECK(o.targets[0].where == f + ":3");
  CHECK(*o.targets[0].host == "db1");
  CHECK(*o.targets[0].port == 3307);
  CHECK(o.targets[0].pattern == "tenant\\_%");
  CHECK(o.targets[0].databases.empty());
  CHECK_FALSE(o.targets[0].user.has_value());  // inherited from [database]
  CHECK(o.connection.user == "base");
  CHECK(*o.targets[1].socket == "/run/db2.sock");
  CHECK(*o.targets[1].password == "s3cret");
  CHECK(o.targets[1].databases == std::vector<std::string>{"billing", "reports"});

  EngineOptions both;
  std::string f2 = dir.Write("both.toml", "[[targets]]\ndatabase = \"a\"\ndatabases = \"b%\"\n");
  chimp::Status s2 = ApplyConfigFile(f2, &both);
  CHECK(s2.code() == StatusCode::kInvalidArgument);
  CHECK(s2.message() == f2 + ":1: [[targets]] sets both 'database' (names) and 'databases' (a pattern); give one");

  EngineOptions named;
  std::string f3 = dir.Write("named.toml", "[database]\nname = \"app\"\n[[targets]]\ndatabase = \"a\"\n");
  chimp::Status s3 = ApplyConfigFile(f3, &named);
  CHECK(s3.code() == StatusCode::kInvalidArgument);
  CHECK(s3.message().find("database.name and [[targets]] both name the databases") != std::string::npos);

  EngineOptions table;
  std::string f4 = dir.Write("table.toml", "[targets]\nhost = \"x\"\n");
  chimp::Status s4 = ApplyConfigFile(f4, &table);
  CHECK(s4.code() == StatusCode::kInvalidArgument);
  CHECK(s4.message().find("'targets' must be an array of tables ([[targets]])") != std::string::npos);

  EngineOptions unknown;
  std::string f5 = dir.Write("unknown.toml", "[[targets]]\nhots = \"x\"\n");
  chimp::Status s5 = ApplyConfigFile(f5, &unknown);
  CHECK(s5.message().find("unknown key 'targets.hots'") != std::string::npos);
}
