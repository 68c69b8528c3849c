#include "manual.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <sstream>
#include <vector>

#include "chimp/engine.hpp"
#include "environment.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {

std::string ExitCodeHelp() {
  // Codes 0 to 4 on the left, the rest on the right.
  constexpr size_t kLeft = 5;
  constexpr size_t kCount = std::size(kExitCodeTable);
  std::string out = "Exit codes:\n";
  for (size_t row = 0; row < kCount - kLeft; ++row) {
    std::string line;
    if (row < kLeft) line = "  " + std::to_string(kExitCodeTable[row].code) + "  " + kExitCodeTable[row].summary;
    line.resize(std::max<size_t>(line.size(), 37), ' ');
    const ExitCodeInfo& right = kExitCodeTable[kLeft + row];
    line += (right.code < 10 ? " " : "") + std::to_string(right.code) + "  " + right.summary;
    out += line + '\n';
  }
  return out + kStatusExitNote;
}

namespace {

// The groups AddGlobalOptions puts its options in: every command has them.
bool IsGlobal(const CLI::Option* opt) {
  const std::string& g = opt->get_group();
  return g == "Connection" || g == "Plugins and configuration" || g == "Output";
}

bool IsHelp(const CLI::Option* opt) {
  const auto& l = opt->get_lnames();
  return std::find(l.begin(), l.end(), "help") != l.end();
}

bool IsFlag(const CLI::Option* opt) { return opt->get_expected_max() == 0; }

// An option's type name and the fixed set of values its validators allow
// ("FORMAT:{text,json}" -> "FORMAT", {text, json}).
struct TypeInfo {
  std::string type;
  std::vector<std::string> choices;
};

TypeInfo TypeOf(const CLI::Option* opt) {
  TypeInfo info;
  const std::string full = opt->get_type_name();
  const size_t colon = full.find(':');
  info.type = full.substr(0, colon);
  if (colon == std::string::npos) return info;
  const std::string rest = full.substr(colon + 1);
  const size_t open = rest.find('{');
  const size_t close = rest.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return info;
  std::stringstream items(rest.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(items, item, ',');) info.choices.push_back(item);
  return info;
}

// The option names as typed: "-d, --database".
std::vector<std::string> NamesOf(const CLI::Option* opt) {
  std::vector<std::string> names;
  for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
  return names;
}

// Escapes text for roff: backslashes, and a leading '.' or '\''.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// An option name in roff: bold, hyphens as \-.
std::string RoffName(const std::string& name) {
  std::string out = "\\fB";
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out + "\\fR";
}

void PrintOption(std::ostream& out, const CLI::Option* opt) {
  out << ".TP\n";
  const TypeInfo type = TypeOf(opt);
  if (opt->get_positional()) {
    out << "\\fI" << Roff(type.type.empty() ? opt->get_name(true) : type.type) << "\\fR"
        << (opt->get_expected_max() > 1 ? " ..." : "") << '\n';
  } else {
    std::string line;
    for (const std::string& name : NamesOf(opt)) {
      line += (line.empty() ? "" : ", ") + RoffName(name);
    }
    if (!IsFlag(opt)) line += " \\fI" + Roff(type.type) + "\\fR";
    out << line << '\n';
  }
  std::string text = opt->get_description();
  if (!type.choices.empty()) {
    std::string list;
    for (const std::string& c : type.choices) list += (list.empty() ? "" : ", ") + c;
    text += " (one of: " + list + ")";
  }
  if (opt->get_required()) text += " (required)";
  out << Roff(text) << '\n';
}

// Every command path below `app`: "plugins verify" and the like.
void CollectCommands(const CLI::App* app, const std::string& prefix,
                     std::vector<std::pair<std::string, const CLI::App*>>* out) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    out->push_back({path, sub});
    CollectCommands(sub, path, out);
  }
}

// The --format option of a command (or of the command it falls through to).
const CLI::Option* FormatOption(const CLI::App* app) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* opt : app->get_options({})) {
      const auto& l = opt->get_lnames();
      if (std::find(l.begin(), l.end(), "format") != l.end()) return opt;
    }
    if (!app->get_fallthrough()) break;
  }
  return nullptr;
}

// Text paragraphs for roff: one line per source line, blank lines kept.
void PrintParagraphs(std::ostream& out, const std::string& text) {
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out << (line.empty() ? ".PP" : Roff(line)) << '\n';
  }
}

}  // namespace

void PrintManPage(std::ostream& out, const CLI::App& app, const std::string& settings) {
  out << ".\\\" chimp(1), generated by `chimp --generate-man` from the command line definition; do not edit.\n"
      << ".TH CHIMP 1 \"\" \"chimp " << EngineVersion() << "\" \"User Commands\"\n"
      << ".SH NAME\nchimp \\- schema migrations for MySQL and MariaDB, compiled as plugins\n"
      << ".SH SYNOPSIS\n.B chimp\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR] [\\fIARGUMENTS\\fR]\n"
      << ".br\n.B chimp \\-\\-help\n.br\n.B chimp\n\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n"
      << ".br\n.B chimp \\-\\-version\n"
      << ".SH DESCRIPTION\n"
      << "chimp is a schema migration engine for MySQL and MariaDB whose migrations are compiled plugins\n"
      << "(\\fI.so\\fR files). It discovers them in the plugin directories, builds the version graph from\n"
      << "the edges they declare, finds the shortest path from the database's current version to the\n"
      << "target and runs the steps one by one, recording each in a changelog table.\n"
      << ".PP\nOptions are accepted before or after the command name. Every command prints text, or a JSON\n"
      << "document with \\fB\\-\\-format json\\fR, also on error (an \\fBerror\\fR object with the exit code\n"
      << "and the message); \\fBmigrate \\-\\-format json\\fR streams one JSON event per line.\n"
      << "A command refuses a format it does not support (exit 2).\n";

  out << ".SH COMMANDS\n";
  std::vector<std::pair<std::string, const CLI::App*>> commands;
  CollectCommands(&app, "", &commands);
  for (const auto& [path, sub] : commands) {
    std::string synopsis;
    for (const CLI::Option* opt : sub->get_options({})) {
      if (opt->get_positional()) {
        synopsis += " " + TypeOf(opt).type + (opt->get_expected_max() > 1 ? "..." : "");
      }
    }
    out << ".SS \"chimp " << path << Roff(synopsis) << "\"\n" << Roff(sub->get_description()) << '\n';
    if (!sub->get_subcommands({}).empty()) {
      out << ".PP\nCommands:";
      for (const CLI::App* s : sub->get_subcommands({})) out << " \\fB" << s->get_name() << "\\fR";
      out << ".\n";
    }
    if (sub->get_subcommands({}).empty()) {
      if (const CLI::Option* format = FormatOption(sub)) {
        const TypeInfo type = TypeOf(format);
        std::string list;
        for (size_t i = 0; i < type.choices.size(); ++i) {
          list += (i == 0 ? "" : ", ") + std::string("\\fB") + type.choices[i] + "\\fR" + (i == 0 ? " (default)" : "");
        }
        out << ".PP\nFormats (\\fB\\-\\-format\\fR): " << list << ".\n";
      }
    }
    for (const CLI::Option* opt : sub->get_options({})) {
      if (!IsGlobal(opt) && !IsHelp(opt)) PrintOption(out, opt);
    }
  }

  out << ".SH OPTIONS\nEvery command accepts these, before or after its name; \\fB\\-\\-format\\fR takes the values\n"
      << "the command supports (see COMMANDS).\n";
  std::vector<std::string> groups;
  for (const CLI::Option* opt : app.get_options({})) {
    if (IsGlobal(opt) && std::find(groups.begin(), groups.end(), opt->get_group()) == groups.end()) {
      groups.push_back(opt->get_group());
    }
  }
  for (const std::string& group : groups) {
    out << ".SS \"" << Roff(group) << "\"\n";
    for (const CLI::Option* opt : app.get_options({})) {
      if (opt->get_group() == group) PrintOption(out, opt);
    }
  }
  out << ".SS \"Help\"\n";
  for (const CLI::Option* opt : app.get_options({})) {
    if (!IsGlobal(opt)) PrintOption(out, opt);
  }

  out << ".SH SETTINGS\n";
  PrintParagraphs(out, settings);

  out << ".SH \"EXIT STATUS\"\n";
  for (const ExitCodeInfo& e : kExitCodeTable) out << ".TP\n.B " << e.code << '\n' << Roff(e.detail) << '\n';
  out << ".PP\n" << Roff(kStatusExitNote);

  out << ".SH ENVIRONMENT\nA variable set to the empty string counts as unset (except CHIMP_PASSWORD). Booleans\n"
      << "are 1/0, true/false, yes/no or on/off. Flags override the environment, which overrides the\n"
      << "config file.\n";
  for (const EnvironmentVariable& v : kEnvironmentTable) {
    out << ".TP\n.B " << v.name << '\n' << Roff(v.meaning) << '\n';
  }

  out << ".SH FILES\n"
      << ".TP\n.I ./chimp.toml\nThe config file when neither \\fB\\-\\-config\\fR nor CHIMP_CONFIG names one\n"
      << "(tables [database], [plugins], [changelog]; unknown keys are errors).\n"
      << ".TP\n.I /etc/my.cnf, /etc/mysql/my.cnf, $MYSQL_HOME/my.cnf, ~/.my.cnf\n"
      << "MySQL option files: groups [client], [client-server], [client-mariadb] and [chimp], read as the\n"
      << "mariadb client reads them (\\fB\\-\\-no\\-defaults\\fR, \\fB\\-\\-defaults\\-file\\fR,\n"
      << "\\fB\\-\\-defaults\\-extra\\-file\\fR).\n"
      << ".TP\n.I ~/.cache/chimp\nThe plugin descriptor cache (CHIMP_DESCRIPTOR_CACHE, XDG_CACHE_HOME).\n"
      << ".TP\n.I /usr/share/chimp/scaffolding\nThe templates of \\fBchimp create\\fR (package chimp\\-dev).\n"
      << ".TP\n.I /usr/include/chimp, /usr/lib/cmake/chimp\n"
      << "The plugin SDK: the C ABI header, the C++ SDK headers and the CMake package of\n"
      << "\\fBfind_package(chimp)\\fR (package chimp\\-dev).\n"
      << ".TP\n.I /usr/share/bash-completion/completions/chimp\nThe bash completion.\n";

  out << ".SH \"SEE ALSO\"\n"
      << ".BR mariadb (1),\n.BR mariadb-dump (1),\n.BR dot (1).\n"
      << "The operator's guide (doc/operations.md), the JSON shapes (doc/json.md) and the plugin SDK\n"
      << "(doc/plugins.md) in chimp's sources.\n";
}

namespace {

// One `case` arm per command path: `"path") echo "words" ;;`.
void PrintCase(std::ostream& out, const std::string& function, const std::map<std::string, std::string>& arms) {
  out << function << "() {\n  case \"$1\" in\n";
  for (const auto& [key, words] : arms) out << "    \"" << key << "\") echo \"" << words << "\" ;;\n";
  out << "  esac\n}\n";
}

// What a value of `opt` completes to: its choices, "__file", "__dir" or
// "__none" (any text).
std::string ValueCompletion(const CLI::Option* opt) {
  const TypeInfo type = TypeOf(opt);
  if (!type.choices.empty()) {
    std::string words;
    for (const std::string& c : type.choices) words += (words.empty() ? "" : " ") + c;
    return words;
  }
  if (type.type == "DIR") return "__dir";
  if (type.type == "FILE" || type.type == "PATH" || type.type == "KEY.pem") return "__file";
  return "__none";
}

}  // namespace

void PrintBashCompletion(std::ostream& out, const CLI::App& app) {
  std::vector<std::pair<std::string, const CLI::App*>> commands = {{"", &app}};
  CollectCommands(&app, "", &commands);
  std::map<std::string, std::string> subcommands;
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> values;  // "path|--option"
  for (const auto& [path, cmd] : commands) {
    std::string subs;
    for (const CLI::App* s : cmd->get_subcommands({})) subs += (subs.empty() ? "" : " ") + s->get_name();
    if (!subs.empty()) subcommands[path] = subs;
    // A command that falls through also takes its parent's options.
    std::string words;
    std::vector<std::string> seen;
    for (const CLI::App* a = cmd; a != nullptr; a = a->get_fallthrough() ? a->get_parent() : nullptr) {
      for (const CLI::Option* opt : a->get_options({})) {
        if (opt->get_positional()) continue;
        for (const std::string& name : NamesOf(opt)) {
          if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
          seen.push_back(name);
          words += (words.empty() ? "" : " ") + name;
          if (!IsFlag(opt)) values[path + "|" + name] = ValueCompletion(opt);
        }
      }
    }
    options[path] = words;
  }
  out << "# bash completion for chimp(1), generated by `chimp --generate-bash-completion` from the command\n"
      << "# line definition; do not edit. Installed as /usr/share/bash-completion/completions/chimp.\n";
  PrintCase(out, "_chimp_subcommands", subcommands);
  PrintCase(out, "_chimp_options", options);
  PrintCase(out, "_chimp_values", values);
  out << R"BASH(_chimp() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local path="" word i skip=0 subs
  # The command path so far: the words that name a (sub)command, skipping
  # options and their values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    case $word in
      --*=*) continue ;;
      -*) [[ -n $(_chimp_values "$path|$word") ]] && skip=1; continue ;;
    esac
    subs=" $(_chimp_subcommands "$path") "
    if [[ $subs == *" $word "* ]]; then path=${path:+$path }$word; fi
  done
  COMPREPLY=()
  local values
  values=$(_chimp_values "$path|$prev")
  if [[ -n $values && $COMP_CWORD -gt 1 ]]; then
    case $values in
      __file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
      __dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
      __none) ;;
      *) mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur") ;;
    esac
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_chimp_options "$path")" -- "$cur")
    return 0
  fi
  subs=$(_chimp_subcommands "$path")
  if [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    return 0
  fi
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  return 0
}
complete -F _chimp chimp
)BASH";
}

}  // namespace chimp::cli
