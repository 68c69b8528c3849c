// chimp graph: the version graph as DOT, Mermaid or JSON. Needs no
// database; with --from/--to, the path between them is highlighted.
#include <iostream>

#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

struct GraphOptions {
  std::string from;
  std::string to;
  bool from_given = false;
  bool to_given = false;
};

int RunGraph(const Context& ctx, const GraphOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "graph", {"dot", "mermaid", "json"});
  if (!format.ok()) return Fail(format.status());
  Result<std::unique_ptr<Catalog>> catalog = LoadCatalog(ctx.options);
  if (!catalog.ok()) return Fail(catalog.status());
  const Graph& graph = (*catalog)->graph();

  std::vector<size_t> path;
  Version from;
  Version to;
  const bool highlight = opts.from_given || opts.to_given;
  if (highlight) {
    if (opts.from_given) {
      Result<Version> v = Version::Parse(opts.from, "--from", /*allow_empty=*/true);
      if (!v.ok()) return Fail(v.status());
      from = *v;
    } else {
      std::vector<Version> versions = graph.Versions();
      if (!versions.empty()) from = versions.front();
    }
    if (opts.to_given) {
      Result<Version> v = Version::Parse(opts.to, "--to");
      if (!v.ok()) return Fail(v.status());
      to = *v;
    } else {
      to = (*catalog)->Newest();
    }
    Result<std::vector<size_t>> shortest = graph.ShortestPath(from, to);
    if (!shortest.ok()) return Fail(shortest.status());
    path = std::move(shortest).value();
  }

  if (*format == "dot") {
    std::cout << graph.ToDot(path);
  } else if (*format == "mermaid") {
    std::cout << graph.ToMermaid(path);
  } else {
    Json versions = Json::array();
    for (const Version& v : graph.Versions()) versions.push_back(v.ToString());
    Json edges = Json::array();
    for (size_t i = 0; i < graph.edges().size(); ++i) {
      const GraphEdge& ge = graph.edges()[i];
      Json e = {{"index", i},
                {"from", ge.from.ToString()},
                {"to", ge.to.ToString()},
                {"weight", ge.weight},
                {"label", ge.label}};
      if (i < (*catalog)->edge_count()) {
        const Edge& edge = (*catalog)->edge(i);
        e["description"] = edge.description;
        e["step_count"] = edge.steps.size();
        e["plugin"] = edge.plugin ? edge.plugin->name : "";
        e["plugin_version"] = edge.plugin ? edge.plugin->version : "";
        e["plugin_file"] = edge.plugin ? edge.plugin->file : "";
      }
      edges.push_back(std::move(e));
    }
    Json doc = {{"versions", versions}, {"edges", edges}, {"path", nullptr}};
    if (highlight) doc["path"] = {{"from", from.ToString()}, {"to", to.ToString()}, {"edges", path}};
    PrintJson(doc);
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterGraph(CLI::App* app) {
  auto opts = std::make_shared<GraphOptions>();
  CLI::Option* from =
      app->add_option("--from", opts->from, "Highlight the path from this version (Default: the lowest)")
          ->type_name("VERSION");
  CLI::Option* to = app->add_option("--to", opts->to, "Highlight the path to this version (Default: the newest)")
                        ->type_name("VERSION");
  return [opts, from, to](const Context& ctx) {
    opts->from_given = from->count() > 0;
    opts->to_given = to->count() > 0;
    return RunGraph(ctx, *opts);
  };
}

}  // namespace chimp::cli
