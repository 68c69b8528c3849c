// chimp_bench_small_steps_gen: writes the 300 small migrations of the
// small-steps benchmark (issue 13, W1 and W2), deterministically (a fixed
// seed and a generator of our own, so every platform writes the same bytes):
//
//   chimp_bench_small_steps_gen OUT_DIR
//
// 65 CREATE TABLE, 81 ALTER TABLE, 46 CREATE INDEX, 77 INSERT, 15 CREATE VIEW
// and 16 CREATE PROCEDURE, in a shuffled order where each refers only to
// tables (and columns) created before it. Written four ways:
//
//   OUT_DIR/sql/NNN.sql            one file per migration, for the mariadb
//                                  client (procedures inside DELIMITER $$),
//                                  first line "-- NNN <kind>: <description>"
//   OUT_DIR/all.sql                their concatenation, in order
//   OUT_DIR/dbmate/db/migrations/NNN_<kind>.sql
//                                  the same as dbmate migrations
//                                  ("-- migrate:up"; no DELIMITER: dbmate sends
//                                  the file as one multi-statement query)
//   OUT_DIR/plugins/p30_NN.cpp     the spec of each chimp plugin, 30 plugins
//   OUT_DIR/plugins/p300_NNN.cpp   of 10 steps and 300 plugins of 1 step,
//                                  read by small_steps_plugin.cpp (the edge
//                                  and its steps as one string; compiling one
//                                  costs no SDK header)
//
// Files are rewritten only when their bytes change, so a rebuild does not
// relink the plugins. Exit status: 0 on success, 1 on an error.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr int kMigrations = 300;
constexpr uint64_t kSeed = 20261203;

// SplitMix64: the same sequence everywhere (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

enum class Kind { kTable, kAlter, kIndex, kInsert, kView, kProcedure };

struct Column {
  std::string name, type;  // type as in the DDL, e.g. "VARCHAR(80)"
  bool text = false;       // quoted values
  int width = 0;           // VARCHAR width, 0 for the other types
};

struct Table {
  std::string name;
  std::vector<Column> columns;  // after id
  std::vector<std::string> indexed;
  int parent = -1;  // index of the table the FK references, -1 = none
  int rows = 0;
};

struct Migration {
  Kind kind;
  bool ddl;
  std::string description, client_sql, dbmate_sql;
};

const char* const kNouns[] = {"customer", "account",   "invoice",  "payment", "order",    "product",  "supplier",
                              "shipment", "warehouse", "employee", "project", "task",     "ticket",   "comment",
                              "tag",      "category",  "region",   "store",   "contract", "asset",    "vendor",
                              "coupon",   "review",    "session",  "device",  "report",   "schedule", "document"};
const char* const kAttributes[] = {"note",  "code",     "label", "email",   "phone",  "city",     "country",
                                   "score", "priority", "rank",  "comment", "source", "currency", "reference",
                                   "owner", "reviewer", "state", "channel", "locale", "timezone"};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kTable: return "create_table";
    case Kind::kAlter: return "alter_table";
    case Kind::kIndex: return "create_index";
    case Kind::kInsert: return "insert";
    case Kind::kView: return "create_view";
    case Kind::kProcedure: return "create_procedure";
  }
  return "?";
}

class Generator {
 public:
  std::vector<Migration> Generate() {
    std::vector<Kind> deck;
    auto add = [&](Kind k, int n) { deck.insert(deck.end(), static_cast<size_t>(n), k); };
    add(Kind::kTable, 65), add(Kind::kAlter, 81), add(Kind::kIndex, 46);
    add(Kind::kInsert, 77), add(Kind::kView, 15), add(Kind::kProcedure, 16);
    for (size_t i = deck.size() - 1; i > 0; --i) std::swap(deck[i], deck[rng_.Below(i + 1)]);
    // The first two are tables, so that everything else has one to refer to.
    for (size_t want = 0; want < 2; ++want) {
      for (size_t i = want; i < deck.size(); ++i) {
        if (deck[i] == Kind::kTable) {
          std::swap(deck[want], deck[i]);
          break;
        }
      }
    }
    std::vector<Migration> out;
    for (Kind k : deck) out.push_back(Make(k));
    return out;
  }

 private:
  Migration Make(Kind k) {
    switch (k) {
      case Kind::kTable: return CreateTable();
      case Kind::kAlter: return AlterTable();
      case Kind::kIndex: return CreateIndex();
      case Kind::kInsert: return Insert();
      case Kind::kView: return CreateView();
      case Kind::kProcedure: return CreateProcedure();
    }
    return {};
  }

  Table& AnyTable() { return tables_[rng_.Below(tables_.size())]; }

  static Migration Plain(Kind k, std::string description, const std::string& sql) {
    return {k, k != Kind::kInsert, std::move(description), sql, sql};
  }

  Migration CreateTable() {
    Table t;
    const size_t n = tables_.size();
    t.name = std::string(kNouns[n % std::size(kNouns)]) + (n < std::size(kNouns) ? "s" : "s_" + std::to_string(n));
    t.columns = {{"name", "VARCHAR(" + std::to_string(40 + 20 * rng_.Below(5)) + ") NOT NULL", true, 0},
                 {"status", "TINYINT NOT NULL DEFAULT 0", false, 0},
                 {"amount", "DECIMAL(12,2) NULL", false, 0}};
    t.columns[0].width = std::stoi(t.columns[0].type.substr(8));
    std::ostringstream sql;
    sql << "CREATE TABLE " << t.name << " (\n  id BIGINT NOT NULL AUTO_INCREMENT,\n";
    for (const Column& c : t.columns) sql << "  " << c.name << " " << c.type << ",\n";
    if (n > 0 && rng_.Below(2) == 0) {
      t.parent = static_cast<int>(rng_.Below(n));
      sql << "  " << tables_[t.parent].name << "_id BIGINT NULL,\n";
    }
    sql << "  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  PRIMARY KEY (id)";
    if (t.parent >= 0) {
      const std::string& p = tables_[t.parent].name;
      sql << ",\n  CONSTRAINT fk_" << t.name << "_" << p << " FOREIGN KEY (" << p << "_id) REFERENCES " << p << " (id)";
    }
    sql << "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n";
    tables_.push_back(t);
    return Plain(Kind::kTable, "Create " + t.name, sql.str());
  }

  Migration AlterTable() {
    Table& t = AnyTable();
    std::vector<size_t> widenable;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i].width > 0) widenable.push_back(i);
    }
    if (!widenable.empty() && rng_.Below(4) == 0) {
      Column& c = t.columns[widenable[rng_.Below(widenable.size())]];
      c.width += 40;
      const bool not_null = c.type.find("NOT NULL") != std::string::npos;
      c.type = "VARCHAR(" + std::to_string(c.width) + (not_null ? ") NOT NULL" : ") NULL");
      return Plain(Kind::kAlter, "Widen " + t.name + "." + c.name,
                   "ALTER TABLE " + t.name + " MODIFY " + c.name + " " + c.type + ";\n");
    }
    Column c;
    c.name = std::string(kAttributes[rng_.Below(std::size(kAttributes))]) + "_" + std::to_string(++columns_);
    if (rng_.Below(2) == 0) {
      c.width = 32 + 16 * static_cast<int>(rng_.Below(6));
      c.type = "VARCHAR(" + std::to_string(c.width) + ") NULL";
      c.text = true;
    } else {
      c.type = "INT NOT NULL DEFAULT " + std::to_string(rng_.Below(10));
    }
    t.columns.push_back(c);
    return Plain(Kind::kAlter, "Add " + t.name + "." + c.name,
                 "ALTER TABLE " + t.name + " ADD COLUMN " + c.name + " " + c.type + ";\n");
  }

  Migration CreateIndex() {
    Table& t = AnyTable();
    std::vector<std::string> free = {"created_at"};
    for (const Column& c : t.columns) free.push_back(c.name);
    std::erase_if(free, [&](const std::string& c) {
      for (const std::string& i : t.indexed) {
        if (i == c) return true;
      }
      return false;
    });
    // Every column indexed already: a composite index on two of them.
    std::string cols = free.empty() ? t.columns[0].name + ", created_at" : free[rng_.Below(free.size())];
    if (!free.empty()) t.indexed.push_back(cols);
    std::string name = "idx_" + t.name + "_" + std::to_string(++indexes_);
    return Plain(Kind::kIndex, "Index " + t.name + " (" + cols + ")",
                 "CREATE INDEX " + name + " ON " + t.name + " (" + cols + ");\n");
  }

  std::string Value(const Table& t, const Column& c, int row) {
    if (!c.text) return c.name == "status" ? std::to_string(rng_.Below(3)) : std::to_string(rng_.Below(10000)) + ".50";
    std::string v = c.name.substr(0, c.name.find('_')) + " " + std::to_string(row) + " of " + t.name;
    return "'" + v.substr(0, static_cast<size_t>(c.width > 0 ? c.width : 30)) + "'";
  }

  Migration Insert() {
    Table& t = AnyTable();
    std::string cols = "name, status, amount";
    for (size_t i = 3; i < t.columns.size(); ++i) {
      if (t.columns[i].text) cols += ", " + t.columns[i].name;
    }
    const bool fk = t.parent >= 0 && tables_[t.parent].rows > 0;
    if (fk) cols += ", " + tables_[t.parent].name + "_id";
    std::ostringstream sql;
    sql << "INSERT INTO " << t.name << " (" << cols << ") VALUES";
    const int n = 3 + static_cast<int>(rng_.Below(4));
    for (int r = 0; r < n; ++r) {
      const int row = ++t.rows;
      sql << (r ? ",\n  (" : "\n  (") << "'" << t.name << " " << row << "', " << Value(t, t.columns[1], row) << ", "
          << Value(t, t.columns[2], row);
      for (size_t i = 3; i < t.columns.size(); ++i) {
        if (t.columns[i].text) sql << ", " << Value(t, t.columns[i], row);
      }
      if (fk) sql << ", " << 1 + rng_.Below(static_cast<size_t>(tables_[t.parent].rows));
      sql << ")";
    }
    sql << ";\n";
    return Plain(Kind::kInsert, "Seed " + std::to_string(n) + " rows of " + t.name, sql.str());
  }

  Migration CreateView() {
    std::vector<size_t> children;
    for (size_t i = 0; i < tables_.size(); ++i) {
      if (tables_[i].parent >= 0) children.push_back(i);
    }
    const std::string name = "v_report_" + std::to_string(++views_);
    std::ostringstream sql;
    if (children.empty()) {
      const Table& t = AnyTable();
      sql << "CREATE VIEW " << name << " AS\nSELECT status, COUNT(*) AS n, SUM(amount) AS total\nFROM " << t.name
          << "\nGROUP BY status;\n";
      return Plain(Kind::kView, "Report view over " + t.name, sql.str());
    }
    const Table& c = tables_[children[rng_.Below(children.size())]];
    const Table& p = tables_[c.parent];
    sql << "CREATE VIEW " << name << " AS\nSELECT c.id, c.name, c.amount, p.name AS " << p.name << "_name\nFROM "
        << c.name << " c\nLEFT JOIN " << p.name << " p ON p.id = c." << p.name << "_id\nWHERE c.status <> 2;\n";
    return Plain(Kind::kView, "Report view " + c.name + " with " + p.name, sql.str());
  }

  Migration CreateProcedure() {
    const Table& t = AnyTable();
    const std::string name = "set_" + t.name + "_status_" + std::to_string(++procedures_);
    std::ostringstream body;
    body << "CREATE PROCEDURE " << name << "(IN p_id BIGINT, IN p_status TINYINT)\nBEGIN\n"
         << "  DECLARE old_status TINYINT;\n"
         << "  SELECT status INTO old_status FROM " << t.name << " WHERE id = p_id;\n"
         << "  IF old_status IS NOT NULL AND old_status <> p_status THEN\n"
         << "    UPDATE " << t.name << " SET status = p_status WHERE id = p_id;\n"
         << "  END IF;\nEND";
    Migration m{Kind::kProcedure, true, "Procedure " + name, "", ""};
    m.client_sql = "DELIMITER $$\n" + body.str() + "$$\nDELIMITER ;\n";
    m.dbmate_sql = body.str() + ";\n";
    return m;
  }

  Rng rng_{kSeed};
  std::vector<Table> tables_;
  int columns_ = 0, indexes_ = 0, views_ = 0, procedures_ = 0;
};

// Writes `text` to `path` unless the file already holds exactly that.
void WriteIfChanged(const fs::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in && std::string(std::istreambuf_iterator<char>(in), {}) == text) return;
  }
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string Number(int n, int digits) {
  std::string s = std::to_string(n);
  return std::string(static_cast<size_t>(digits) - s.size(), '0') + s;
}

std::string Header(const Migration& m, int n) {
  return "-- " + Number(n, 3) + " " + KindName(m.kind) + ": " + m.description + "\n";
}

// The spec small_steps_plugin.cpp parses: a header, then per step a line
// "-- @step NNN ddl|dml" and the step's SQL (its client file).
std::string PluginSource(const std::vector<Migration>& all, int first, int count, int plugin, int plugins) {
  const std::string name = "bench-small-" + std::to_string(plugins) + "-" + Number(plugin, plugins == 30 ? 2 : 3);
  std::string spec = "plugin " + name + "\nfrom " + (plugin == 1 ? "" : std::to_string(plugin - 1)) + "\nto " +
                     std::to_string(plugin) + "\n";
  for (int i = first; i < first + count; ++i) {
    const Migration& m = all[static_cast<size_t>(i)];
    spec += "-- @step " + Number(i + 1, 3) + (m.ddl ? " ddl\n" : " dml\n") + Header(m, i + 1) + m.client_sql;
  }
  return "// Generated by chimp_bench_small_steps_gen; do not edit.\n"
         "extern \"C\" __attribute__((visibility(\"hidden\"))) const char chimp_bench_spec[] = R\"chimpbench(" +
         spec + ")chimpbench\";\n";
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: chimp_bench_small_steps_gen OUT_DIR\n";
    return 1;
  }
  const fs::path out = argv[1];
  const std::vector<Migration> all = Generator().Generate();
  if (all.size() != kMigrations) throw std::runtime_error("generated the wrong number of migrations");
  std::string concatenated;
  for (int i = 0; i < kMigrations; ++i) {
    const Migration& m = all[static_cast<size_t>(i)];
    const std::string file = Header(m, i + 1) + m.client_sql;
    WriteIfChanged(out / "sql" / (Number(i + 1, 3) + ".sql"), file);
    concatenated += file;
    WriteIfChanged(out / "dbmate" / "db" / "migrations" / (Number(i + 1, 3) + "_" + KindName(m.kind) + ".sql"),
                   "-- migrate:up\n" + Header(m, i + 1) + m.dbmate_sql + "\n-- migrate:down\n");
    WriteIfChanged(out / "plugins" / ("p300_" + Number(i + 1, 3) + ".cpp"), PluginSource(all, i, 1, i + 1, 300));
  }
  for (int p = 1; p <= 30; ++p) {
    WriteIfChanged(out / "plugins" / ("p30_" + Number(p, 2) + ".cpp"), PluginSource(all, (p - 1) * 10, 10, p, 30));
  }
  WriteIfChanged(out / "all.sql", concatenated);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chimp_bench_small_steps_gen: %s\n", e.what());
    return 1;
  }
}
