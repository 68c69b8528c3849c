// chimp graph: the version graph as DOT, Mermaid, JSON, or an SVG/PNG image
// drawn by Graphviz. Needs no database. The path from --from (default: the
// lowest version) to --to (default: the newest) is highlighted.
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

// The path to highlight: from --from (default: the lowest version) to --to
// (default: the newest). Without either flag a graph with no such path is
// drawn without one; with a flag, no path is an error.
Result<std::vector<size_t>> HighlightPath(const Catalog& catalog, const GraphOptions& opts, Version* from,
                                          Version* to) {
  const Graph& graph = catalog.graph();
  if (opts.from_given) {
    CHIMP_ASSIGN_OR_RETURN(*from, Version::Parse(opts.from, "--from", /*allow_empty=*/true));
  } else if (std::vector<Version> versions = graph.Versions(); !versions.empty()) {
    *from = versions.front();
  }
  if (opts.to_given) {
    CHIMP_ASSIGN_OR_RETURN(*to, Version::Parse(opts.to, "--to"));
  } else {
    *to = catalog.Newest();
  }
  Result<std::vector<size_t>> shortest = graph.ShortestPath(*from, *to);
  if (!shortest.ok() && !opts.from_given && !opts.to_given) return std::vector<size_t>{};
  return shortest;
}

int RunGraph(const Context& ctx, const GraphOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "graph", {"dot", "mermaid", "json", "svg", "png"});
  if (!format.ok()) return Fail(format.status());
  Result<std::unique_ptr<Catalog>> catalog = LoadCatalog(ctx.options);
  if (!catalog.ok()) return Fail(catalog.status());
  const Graph& graph = (*catalog)->graph();

  Version from;
  Version to;
  Result<std::vector<size_t>> highlighted = HighlightPath(**catalog, opts, &from, &to);
  if (!highlighted.ok()) return Fail(highlighted.status());
  const std::vector<size_t>& path = *highlighted;

  if (*format == "svg" || *format == "png") {
    Result<std::string> image = RenderDot(graph.ToDot(path), *format);
    if (!image.ok()) return Fail(image.status());
    std::cout << *image << std::flush;
    return kExitOk;
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
    if (!path.empty()) doc["path"] = {{"from", from.ToString()}, {"to", to.ToString()}, {"edges", path}};
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
