// Issue 14, item 2, through the chimp binary: every command either supports
// --format json fully, on success and on error (an `error` object with the
// exit code and the message), or refuses the flag; --help lists per command
// the formats it supports, and a command refuses any other format (exit 2,
// the message naming the command and what it supports), before or after the
// command name. The server cases use tests/plugins/preflight*.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/chimp_cli.hpp"
#include "support/cli_target.hpp"
#include "support/fixtures.hpp"
#include "support/mariadb_server.hpp"

#ifdef CHIMP_BINARY

namespace chimp {
namespace {

using test::Args;
using test::Contains;

// Every command (nested ones by their parent) and its formats, as --help
// must list them.
struct Formats {
  const char* command;
  const char* listed;  // the FORMAT:{...} of its --help
};
constexpr Formats kFormats[] = {
    {"init", "{text,json}"},     {"status", "{text,json}"},  {"plan", "{text,json}"},
    {"migrate", "{text,json}"},  {"log", "{text,json}"},     {"graph", "{dot,mermaid,json,svg,png}"},
    {"validate", "{text,json}"}, {"check", "{text,json}"},   {"repair", "{text,json}"},
    {"baseline", "{text,json}"}, {"restore", "{text,json}"}, {"create", "{text,json}"},
    {"plugins", "{text,json}"},  {"adhoc", "{text,json}"},   {"bundle", "{text,json}"},
};

// `r`'s stdout as one JSON document whose `error` carries r's exit code.
nlohmann::json ErrorDocument(const test::CliRun& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  const auto doc = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!doc.is_discarded(), "stdout is not one JSON document");
  REQUIRE(doc.contains("error"));
  CHECK(doc["error"]["exit_code"] == r.code);
  CHECK_FALSE(doc["error"]["message"].get<std::string>().empty());
  return doc;
}

TEST_CASE("issue 14.2: --help lists per command the --format values it supports, and no others") {
  for (const Formats& f : kFormats) {
    INFO(f.command);
    test::CliRun help = test::Chimp({f.command, "--help"});
    CHECK(help.code == 0);
    CHECK(Contains(help.out, std::string("FORMAT:") + f.listed));
    if (std::string(f.command) != "graph") CHECK_FALSE(Contains(help.out, "mermaid"));
  }
}

TEST_CASE("issue 14.2: a command refuses a format it does not support, before or after its name, exit 2") {
  struct Refusal {
    std::vector<std::string> args;
    const char* message;
  };
  for (const Refusal& r : {
           Refusal{{"status", "--format", "dot"}, "'status' does not support --format dot (use text or json)"},
           Refusal{{"--format", "mermaid", "log"}, "'log' does not support --format mermaid (use text or json)"},
           Refusal{{"plugins", "list", "--format", "svg"}, "'plugins' does not support --format svg"},
           Refusal{{"graph", "--format", "text"},
                   "'graph' does not support --format text (use dot, mermaid, json, svg or png)"},
           Refusal{{"--format", "text", "graph"}, "'graph' does not support --format text"},
           Refusal{{"migrate", "--format=png"}, "'migrate' does not support --format png"},
       }) {
    test::CliRun run = test::Chimp(Args({r.args, {"--socket", "/nonexistent/chimp_i14f.sock", "-d", "i14f"}}));
    INFO("args: " << r.args.front() << " ...\nstdout: " << run.out << "\nstderr: " << run.err);
    CHECK(run.code == 2);
    CHECK(Contains(run.err, r.message));
    CHECK(run.out.empty());  // refused before anything ran: no server was asked
  }
}

TEST_CASE("issue 14.2: a usage error with --format json still prints an error object") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"log", "--format", "json", "--last", "many"},
           {"--format=json", "status", "--no-such-flag"},
           {"migrate", "--format", "json", "--password", "x"},
       }) {
    test::CliRun r = test::Chimp(args);
    CHECK(r.code == 2);
    ErrorDocument(r);
  }
  // Text output is unchanged: the message on stderr, nothing on stdout.
  test::CliRun text = test::Chimp({"log", "--last", "many"});
  CHECK(text.code == 2);
  CHECK(text.out.empty());
}

TEST_CASE("issue 14.2: every command's --format json failure is one document with an error object") {
  const std::vector<std::string> nowhere = {"--socket",  "/nonexistent/chimp_i14f.sock", "-d", "i14f",
                                            "--plugins", test::FixtureDir("preflight")};
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           Args({{"init"}, nowhere}),
           Args({{"status"}, nowhere}),
           Args({{"migrate"}, nowhere}),  // its run_finished event carries the error
           Args({{"log"}, nowhere}),
           Args({{"baseline", "--version", "1.0.0"}, nowhere}),
           Args({{"plan"}, nowhere}),
           Args({{"validate"}, nowhere}),
           Args({{"check"}, nowhere}),
           Args({{"repair", "--checksums", "--yes"}, nowhere}),
           Args({{"restore", "--yes"}, nowhere}),
           Args({{"adhoc", "-e", "SELECT 1"}, nowhere}),
           Args({{"graph", "--to", "9.9.9"}, nowhere}),
           {"plugins", "list", "--plugins", "/nonexistent/chimp_i14f"},
           {"plugins", "verify", "/nonexistent/chimp_i14f.so"},
           {"bundle", "verify", "/nonexistent/chimp_i14f"},
           {"bundle", "create", "/nonexistent/chimp_i14f", "--release", "1.0.0"},
           {"create", "bad name", "--to", "1.0.0", "--dir", "/nonexistent/chimp_i14f"},
       }) {
    INFO(args.front() << " " << args[1]);
    test::CliRun r = test::Chimp(Args({args, {"--format", "json"}}));
    CHECK(r.code != 0);
    ErrorDocument(r);
  }
}

std::string PluginDir(const std::string& name) { return std::string(CHIMP_TEST_PLUGIN_DIR) + "/" + name; }

test::CliRun Run(const test::Target& t, const std::string& command, const std::vector<std::string>& args,
                 const std::string& plugins = "preflight") {
  return test::ChimpOnServer(Args({t.Common(command), {"--plugins", PluginDir(plugins), "--format", "json"}, args}));
}

TEST_CASE("issue 14.2: documents of commands that exit non-zero carry the error: validate, check, repair, plan") {
  const test::Target t("i14_formats");
  REQUIRE(Run(t, "migrate", {"--to", "1.1.0"}).code == 0);

  // An applied step whose plugin changed: validate 9, check 11.
  test::CliRun validate = Run(t, "validate", {}, "preflight_changed");
  CHECK(validate.code == 9);
  nlohmann::json doc = ErrorDocument(validate);
  CHECK(doc["ok"] == false);
  CHECK(Contains(doc["error"]["message"].get<std::string>(), "step 'pf.1.1.0.books'"));
  test::CliRun check = Run(t, "check", {}, "preflight_changed");
  CHECK(check.code == 11);
  doc = ErrorDocument(check);
  CHECK(doc["ok"] == false);
  CHECK(Contains(doc["error"]["message"].get<std::string>(), "failed"));

  // repair without --yes and without a terminal: refused, exit 2, in the document.
  test::CliRun repair = Run(t, "repair", {"--checksums"}, "preflight_changed");
  CHECK(repair.code == 2);
  doc = ErrorDocument(repair);
  CHECK(doc["applied"] == false);
  CHECK(doc["actions"].size() >= 1);
  CHECK(Contains(doc["error"]["message"].get<std::string>(), "--yes"));

  // Data a pre-flight check of 1.2.0 refuses: plan exits 11.
  test::Exec("UPDATE `" + t.db + "`.pf_authors SET name = NULL WHERE id = 1");
  test::CliRun plan = Run(t, "plan", {"--to", "1.2.0"});
  CHECK(plan.code == 11);
  doc = ErrorDocument(plan);
  CHECK(doc["preflight_ok"] == false);

  // Success: the error is null.
  test::CliRun fine = Run(t, "validate", {});
  CHECK(fine.code == 0);
  const auto ok = nlohmann::json::parse(fine.out);
  CHECK(ok["ok"] == true);
  CHECK(ok["error"].is_null());
}

}  // namespace
}  // namespace chimp

#endif  // CHIMP_BINARY
