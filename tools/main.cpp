// chimp: the command line. Parses (CLI11), sets up logging, builds the
// engine options and runs one subcommand; each lives in its own cmd_*.cpp.
#include <algorithm>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <streambuf>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "chimp/engine.hpp"
#include "chimp/interrupt.hpp"
#include "common.hpp"
#include "exit_codes.hpp"
#include "fleet.hpp"
#include "json_errors.hpp"
#include "log.hpp"
#include "manual.hpp"

namespace chimp::cli {

namespace {

// The --format values of every command but graph, the default first.
const std::vector<std::string> kTextJson = {"text", "json"};

// Every subcommand, in the order `chimp --help` lists them.
const CommandSpec kCommands[] = {
    {"init", "Create the changelog tables for the target database (idempotent; migrate does it too)", RegisterInit,
     kTextJson},
    {"status", "Show the current version, pending steps and failed steps", RegisterStatus, kTextJson},
    {"plan", "Show what migrate would do (the dry run); -v prints every statement", RegisterPlan, kTextJson},
    {"migrate", "Run the pending steps up to the target version", RegisterMigrate, kTextJson},
    {"rehearse",
     "Run the pending plan on a throwaway local server loaded with a copy of the database(s) and report; "
     "writes nothing to the real server",
     RegisterRehearse, kTextJson},
    {"log", "List every changelog row of the target database, oldest first", RegisterLog, kTextJson},
    {"graph",
     "Print the version graph (--format dot (Default), mermaid, json, or svg/png through Graphviz); needs no database",
     RegisterGraph,
     {"dot", "mermaid", "json", "svg", "png"}},
    {"validate", "Check applied steps against the installed plugins (checksums, missing steps, failed steps)",
     RegisterValidate, kTextJson},
    {"check",
     "Run the pre-flight checks of the pending path, the sanity checks of the current version and the changelog's "
     "health checks and drift (the live schema against the one recorded); exit 11 when one fails",
     RegisterCheck, kTextJson},
    {"fingerprint",
     "Print the schema fingerprint of the target database (what a plugin declares for its version) and any drift "
     "from the one recorded; -v prints the canonical form",
     RegisterFingerprint, kTextJson},
    {"repair",
     "Re-record checksums, or resolve a failed or interrupted step by hand "
     "(asks first; --yes to confirm without a prompt)",
     RegisterRepair, kTextJson},
    {"baseline", "Mark an existing database as being at a version without running anything", RegisterBaseline,
     kTextJson},
    {"restore",
     "Load a backup migrate --backup took back into its database (or --into another) and roll the changelog back "
     "to it (asks first; --yes to confirm without a prompt)",
     RegisterRestore, kTextJson},
    {"create", "Scaffold a standalone plugin project (CMake, one SQL step, one native step, a verify test)",
     RegisterCreate, kTextJson},
    {"plugins", "Check plugins on their own: verify FILE..., list", RegisterPlugins, kTextJson},
    {"adhoc", "Run a SQL script or statement through chimp's splitter and connection", RegisterAdhoc, kTextJson},
    {"bundle", "Release bundles: create DIR --release R [--sign KEY.pem], verify DIR...", RegisterBundle, kTextJson},
};

// A registered subcommand: its CLI11 app, its copy of the global flags (which
// CLI11 writes into, so it never moves), its body and its formats.
struct Command {
  CLI::App* app = nullptr;
  GlobalFlags flags;
  CommandRun run;
  const std::vector<std::string>* formats = nullptr;
};

constexpr const char* kCommandFooter =
    "Options are accepted before or after the command name. There is deliberately no\n"
    "--password flag: use CHIMP_PASSWORD, --password-file, the config file or an option file.\n"
    "chimp --help lists the precedence of settings and the exit codes.";

constexpr const char* kFooter =
    "Options are accepted before or after the command name.\n"
    "Settings, lowest precedence first: defaults, MySQL option files ([client] and\n"
    "[chimp] of /etc/my.cnf, /etc/mysql/my.cnf, ~/.my.cnf; --no-defaults,\n"
    "--defaults-file, --defaults-extra-file), the config file (--config FILE, else\n"
    "CHIMP_CONFIG, else ./chimp.toml when present), CHIMP_* environment variables\n"
    "(CHIMP_HOST, CHIMP_PORT, CHIMP_SOCKET, CHIMP_USER, CHIMP_PASSWORD,\n"
    "CHIMP_DATABASE, CHIMP_PLUGINS, ...: README \"Configuration\"), flags.\n"
    "NO_COLOR (or --color=never) turns coloured log lines off.\n"
    "The password comes only from CHIMP_PASSWORD, CHIMP_PASSWORD_FILE,\n"
    "--password-file, the config file or an option file: there is deliberately no\n"
    "--password flag, because a command line is visible to every user of the\n"
    "machine.\n";

// Swallows what -q does not print.
class NullBuffer : public std::streambuf {
 protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char* /*s*/, std::streamsize n) override { return n; }
};

// A password on the command line would already be visible in `ps`; refuse
// it with a pointer to the alternatives instead of CLI11's generic message.
bool HasPasswordFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) return false;
    // "-p" and "-pSECRET" as the mysql client takes them.
    if (std::strcmp(argv[i], "--password") == 0 || std::strncmp(argv[i], "--password=", 11) == 0 ||
        std::strncmp(argv[i], "-p", 2) == 0) {
      return true;
    }
  }
  return false;
}

// Whether the command line asks for --format json (so that a parse error
// still gives a script reading stdout a document).
bool AsksForJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) return false;
    if (std::strcmp(argv[i], "--format=json") == 0) return true;
    if (std::strcmp(argv[i], "--format") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "json") == 0) return true;
  }
  return false;
}

// Every --format value some command supports, for the root app.
std::vector<std::string> AllFormats() {
  std::vector<std::string> all;
  for (const CommandSpec& spec : kCommands) {
    for (const std::string& f : spec.formats) {
      if (std::find(all.begin(), all.end(), f) == all.end()) all.push_back(f);
    }
  }
  return all;
}

int Run(int argc, char** argv) {
  CLI::App app{"chimp: schema migrations for MySQL and MariaDB, compiled as plugins", "chimp"};
  app.footer(std::string(kFooter) + "\n" + ExitCodeHelp());
  app.require_subcommand(1);
  app.set_version_flag("--version", EngineVersion());
  GlobalFlags root_flags;
  AddGlobalOptions(&app, &root_flags, AllFormats(), "");

  std::vector<std::unique_ptr<Command>> commands;
  for (const CommandSpec& spec : kCommands) {
    auto command = std::make_unique<Command>();
    command->app = app.add_subcommand(spec.name, spec.help);
    command->run = spec.add(command->app);
    command->formats = &spec.formats;
    AddGlobalOptions(command->app, &command->flags, spec.formats, spec.name);
    command->app->footer(kCommandFooter);
    commands.push_back(std::move(command));
  }

  // Hidden: the build generates chimp.1 and the bash completion from this
  // very app definition, so that they list what --help lists.
  if (argc == 2 && std::strcmp(argv[1], "--generate-man") == 0) {
    PrintManPage(std::cout, app, kFooter);
    return kExitOk;
  }
  if (argc == 2 && std::strcmp(argv[1], "--generate-bash-completion") == 0) {
    PrintBashCompletion(std::cout, app);
    return kExitOk;
  }

  SetJsonErrors(AsksForJson(argc, argv));
  if (HasPasswordFlag(argc, argv)) {
    return Fail(Status::InvalidArgument(
        "there is no --password flag (a command line is visible to every user); use CHIMP_PASSWORD, "
        "--password-file FILE or [database] password_file in the config file"));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::vector<std::string> rest = app.remaining();
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !rest.empty() && !rest.front().empty() &&
        rest.front()[0] != '-') {
      std::string names;
      for (const CommandSpec& spec : kCommands) names += (names.empty() ? "" : ", ") + std::string(spec.name);
      return Fail(Status::InvalidArgument("unknown command '" + rest.front() + "' (commands: " + names +
                                          "; see chimp --help)"));
    }
    return Fail(Status::InvalidArgument(std::string(e.what()) + " (see chimp --help)"));
  }

  for (auto& command : commands) {
    if (!command->app->parsed()) continue;
    const std::optional<std::string>& format = command->flags.format ? command->flags.format : root_flags.format;
    SetJsonErrors(format.has_value() && *format == "json");
    Result<bool> color = UseColor(root_flags, command->flags);
    if (!color.ok()) return Fail(color.status());
    SetUpLogging(root_flags.verbose + command->flags.verbose > 0, root_flags.quiet + command->flags.quiet > 0, *color);
    // A --format before the command name was checked against every
    // command's formats only.
    const std::vector<std::string>& formats = *command->formats;
    if (format && std::find(formats.begin(), formats.end(), *format) == formats.end()) {
      return Fail(UnsupportedFormat(command->app->get_name(), *format, formats));
    }
    Result<Context> ctx = BuildContext(root_flags, command->flags);
    if (!ctx.ok()) return Fail(ctx.status());
    if (ctx->format.empty()) ctx->format = formats.front();
    // -q: warnings and errors only. The text report on stdout goes; a
    // document asked for (--format json, graph's dot or mermaid) stays.
    NullBuffer null_buffer;
    std::streambuf* saved = nullptr;
    const bool text_report = ctx->format == "text";
    if (ctx->quiet && text_report) saved = std::cout.rdbuf(&null_buffer);
    // Only these run over a fleet (fleet.hpp); the commands that name no
    // database (graph, plugins, create, bundle) ignore [[targets]].
    static const std::vector<std::string> kOneTarget = {"init", "log", "repair", "baseline", "restore", "adhoc"};
    const std::string& name = command->app->get_name();
    if (std::find(kOneTarget.begin(), kOneTarget.end(), name) != kOneTarget.end()) {
      if (const int refused = RefuseFleet(*ctx, name.c_str()); refused != kExitOk) return refused;
    }
    const int code = command->run(*ctx);
    if (saved != nullptr) std::cout.rdbuf(saved);
    return code != kExitOk && InterruptSignal() != 0 ? kExitInterrupted : code;
  }
  return Fail(Status::InvalidArgument("no command given (see chimp --help)"));
}

}  // namespace
}  // namespace chimp::cli

int main(int argc, char** argv) {
  chimp::InstallInterruptHandling();  // before any other thread starts
  try {
    return chimp::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "chimp: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "chimp: internal error: unknown exception\n";
  }
  return chimp::cli::kExitInternal;
}
