#include "chimp/graph.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<chimp::Version> {
  static String convert(const chimp::Version& v) { return String(("Version(" + v.ToDisplayString() + ")").c_str()); }
};
}  // namespace doctest

namespace {

using chimp::Graph;
using chimp::GraphEdge;
using chimp::Version;

Version V(std::string_view text) {
  auto r = Version::Parse(text, "test", /*allow_empty=*/true);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return r.value();
}

// An edge labelled "<plugin>: <from> -> <to>", as the catalog labels them.
GraphEdge E(std::string_view from, std::string_view to, uint32_t weight = 1, std::string_view plugin = "p.so") {
  GraphEdge e;
  e.from = V(from);
  e.to = V(to);
  e.weight = weight;
  e.label = std::string(plugin) + ": " + e.from.ToDisplayString() + " -> " + e.to.ToDisplayString();
  return e;
}

Graph Build(const std::vector<GraphEdge>& edges) {
  Graph g;
  for (const GraphEdge& e : edges) g.AddEdge(e);
  return g;
}

// The labels of `path`, which identify edges independently of their index.
std::vector<std::string> Labels(const Graph& g, const std::vector<size_t>& path) {
  std::vector<std::string> labels;
  for (size_t i : path) labels.push_back(g.edges()[i].label);
  return labels;
}

std::vector<std::string> PathLabels(const Graph& g, std::string_view from, std::string_view to) {
  auto r = g.ShortestPath(V(from), V(to));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return Labels(g, r.value());
}

std::string PathError(const Graph& g, std::string_view from, std::string_view to) {
  auto r = g.ShortestPath(V(from), V(to));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == chimp::StatusCode::kPlanError);
  return r.status().message();
}

std::string ValidateError(const Graph& g) {
  const chimp::Status s = g.Validate();
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == chimp::StatusCode::kPlanError);
  return s.message();
}

// `edges` in several orders: as given, reversed, and shuffled with fixed seeds.
std::vector<std::vector<GraphEdge>> Orders(const std::vector<GraphEdge>& edges) {
  std::vector<std::vector<GraphEdge>> orders = {edges};
  orders.emplace_back(edges.rbegin(), edges.rend());
  for (unsigned seed : {1u, 7u, 42u, 2024u}) {
    std::vector<GraphEdge> shuffled = edges;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed));
    orders.push_back(std::move(shuffled));
  }
  return orders;
}

std::vector<std::string> Names(const std::vector<Version>& versions) {
  std::vector<std::string> names;
  for (const Version& v : versions) names.push_back(v.ToDisplayString());
  return names;
}

}  // namespace

TEST_CASE("graph: AddEdge returns indices in call order") {
  Graph g;
  CHECK(g.AddEdge(E("1.0", "2.0")) == 0);
  CHECK(g.AddEdge(E("2.0", "3.0")) == 1);
  REQUIRE(g.edges().size() == 2);
  CHECK(g.edges()[1].label == "p.so: 2.0 -> 3.0");
}

TEST_CASE("graph: Versions lists every node once, ascending, equal spellings merged") {
  const Graph g = Build({E("4.0", "4.10"), E("", "4.0.0"), E("4.10.0", "4.9"), E("4.2", "4.10")});
  CHECK(Names(g.Versions()) == std::vector<std::string>{"(empty)", "4.0.0", "4.2", "4.9", "4.10.0"});
  CHECK(g.HasVersion(V("4.0.0.0")));
  CHECK(g.HasVersion(Version::Empty()));
  CHECK_FALSE(g.HasVersion(V("4.1")));
  CHECK(Graph().Versions().empty());
}

TEST_CASE("graph: a node's spelling does not depend on insertion order") {
  for (const auto& order : Orders({E("1", "4.0"), E("4.0.0", "5"), E("4", "6"), E("4.0.0", "7")})) {
    CHECK(Names(Build(order).Versions()) == std::vector<std::string>{"1", "4.0.0", "5", "6", "7"});
  }
}

TEST_CASE("graph: versions that differ only in trailing zeros are one node") {
  const Graph g = Build({E("1.0", "4.0", 1, "a.so"), E("4.0.0", "5.0", 1, "b.so")});
  CHECK(PathLabels(g, "1.0.0", "5") == std::vector<std::string>{"a.so: 1.0 -> 4.0", "b.so: 4.0.0 -> 5.0"});
}

TEST_CASE("graph: shortest path minimises total weight, not the number of edges") {
  const Graph g = Build({E("1.0", "2.0", 10), E("1.0", "1.5", 3), E("1.5", "1.7", 3), E("1.7", "2.0", 3)});
  CHECK(PathLabels(g, "1.0", "2.0") ==
        std::vector<std::string>{"p.so: 1.0 -> 1.5", "p.so: 1.5 -> 1.7", "p.so: 1.7 -> 2.0"});
  const Graph cheaper = Build({E("1.0", "2.0", 8), E("1.0", "1.5", 3), E("1.5", "1.7", 3), E("1.7", "2.0", 3)});
  CHECK(PathLabels(cheaper, "1.0", "2.0") == std::vector<std::string>{"p.so: 1.0 -> 2.0"});
}

TEST_CASE("graph: equal weight prefers fewer edges") {
  const Graph g = Build({E("1.0", "1.5", 1), E("1.5", "2.0", 1), E("1.0", "2.0", 2)});
  CHECK(PathLabels(g, "1.0", "2.0") == std::vector<std::string>{"p.so: 1.0 -> 2.0"});
  // Zero-weight edges (no steps) cost nothing but still count as edges.
  const Graph zero = Build({E("1.0", "1.5", 0), E("1.5", "2.0", 0), E("1.0", "2.0", 0)});
  CHECK(PathLabels(zero, "1.0", "2.0") == std::vector<std::string>{"p.so: 1.0 -> 2.0"});
}

TEST_CASE("graph: ties break by the lowest next version, edge by edge") {
  // Three paths of weight 3 and 3 edges; the second edge decides.
  const Graph g = Build({E("1.0", "1.1"), E("1.1", "1.9"), E("1.9", "2.0"), E("1.1", "1.5"), E("1.5", "2.0"),
                         E("1.0", "1.2"), E("1.2", "1.3"), E("1.3", "2.0")});
  CHECK(PathLabels(g, "1.0", "2.0") ==
        std::vector<std::string>{"p.so: 1.0 -> 1.1", "p.so: 1.1 -> 1.5", "p.so: 1.5 -> 2.0"});
}

TEST_CASE("graph: the first edge decides before later ones") {
  // 1.0 -> 1.1 -> 1.9 -> 2.0 beats 1.0 -> 1.2 -> 1.3 -> 2.0: 1.1 < 1.2.
  const Graph g =
      Build({E("1.2", "1.3"), E("1.3", "2.0"), E("1.0", "1.2"), E("1.9", "2.0"), E("1.1", "1.9"), E("1.0", "1.1")});
  CHECK(PathLabels(g, "1.0", "2.0") ==
        std::vector<std::string>{"p.so: 1.0 -> 1.1", "p.so: 1.1 -> 1.9", "p.so: 1.9 -> 2.0"});
}

TEST_CASE("graph: parallel edges tie-break by label") {
  const Graph g = Build({E("1.0", "2.0", 1, "zeta.so"), E("1.0", "2.0", 1, "alpha.so"), E("1.0", "2.0", 1, "mid.so")});
  CHECK(PathLabels(g, "1.0", "2.0") == std::vector<std::string>{"alpha.so: 1.0 -> 2.0"});
  // A lighter parallel edge wins whatever its label.
  const Graph lighter = Build({E("1.0", "2.0", 2, "alpha.so"), E("1.0", "2.0", 1, "zeta.so")});
  CHECK(PathLabels(lighter, "1.0", "2.0") == std::vector<std::string>{"zeta.so: 1.0 -> 2.0"});
}

TEST_CASE("graph: the path does not depend on insertion order") {
  // Many equal-cost routes, parallel edges and a skip edge.
  const std::vector<GraphEdge> edges = {E("", "1.0", 2, "base.so"),
                                        E("", "1.1", 2, "base2.so"),
                                        E("1.0", "1.1"),
                                        E("1.0", "1.2"),
                                        E("1.1", "1.2"),
                                        E("1.1", "1.3"),
                                        E("1.2", "1.3"),
                                        E("1.2", "2.0", 2),
                                        E("1.3", "2.0", 1, "x.so"),
                                        E("1.3", "2.0", 1, "a.so"),
                                        E("1.3", "1.4"),
                                        E("1.4", "2.0", 0),
                                        E("2.0", "3.0", 5),
                                        E("2.0", "2.5", 2),
                                        E("2.5", "3.0", 3),
                                        E("1.0", "3.0", 9),
                                        E("1.1.0", "2.0", 3)};
  const std::vector<std::pair<std::string, std::string>> queries = {{"", "3.0"},    {"", "2.0"},    {"1.0", "3.0"},
                                                                    {"1.1", "2.0"}, {"1.2", "3.0"}, {"1.3", "2.0"}};
  for (const auto& [from, to] : queries) {
    CAPTURE(from);
    CAPTURE(to);
    const std::vector<std::string> expected = PathLabels(Build(edges), from, to);
    for (const auto& order : Orders(edges)) {
      CHECK(PathLabels(Build(order), from, to) == expected);
    }
  }
  // Weight 9 over 4 edges; the 1.4 detour costs the same but has 5 edges,
  // and the parallel 1.3 -> 2.0 edges tie-break by label.
  CHECK(PathLabels(Build(edges), "", "3.0") == std::vector<std::string>{"base2.so: (empty) -> 1.1", "p.so: 1.1 -> 1.3",
                                                                        "a.so: 1.3 -> 2.0", "p.so: 2.0 -> 3.0"});
}

namespace {

// Every path from `from` to `to` (edges only go up, so there are finitely
// many), and the best by the documented rule, as labels.
void Enumerate(const Graph& g, const Version& at, const Version& to, std::vector<size_t>* path,
               std::vector<std::vector<size_t>>* all) {
  if (at == to) {
    all->push_back(*path);
    return;
  }
  for (size_t e = 0; e < g.edges().size(); ++e) {
    if (g.edges()[e].from != at) continue;
    path->push_back(e);
    Enumerate(g, g.edges()[e].to, to, path, all);
    path->pop_back();
  }
}

bool BruteForceLess(const Graph& g, const std::vector<size_t>& a, const std::vector<size_t>& b) {
  auto weight = [&](const std::vector<size_t>& p) {
    uint64_t w = 0;
    for (size_t e : p) w += g.edges()[e].weight;
    return w;
  };
  if (weight(a) != weight(b)) return weight(a) < weight(b);
  if (a.size() != b.size()) return a.size() < b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    const GraphEdge& x = g.edges()[a[i]];
    const GraphEdge& y = g.edges()[b[i]];
    if (x.to != y.to) return x.to < y.to;
    if (x.from != y.from) return x.from < y.from;
    if (x.label != y.label) return x.label < y.label;
    if (x.weight != y.weight) return x.weight < y.weight;
  }
  return false;
}

}  // namespace

TEST_CASE("graph: the path agrees with brute force on random graphs") {
  std::mt19937 rng(12345);
  const std::vector<std::string> names = {"", "1", "1.1", "1.2", "2", "2.0.1", "3", "3.5"};
  const std::vector<std::string> plugins = {"a.so", "b.so", "c.so"};
  for (int round = 0; round < 300; ++round) {
    std::vector<GraphEdge> edges;
    const int count = 4 + static_cast<int>(rng() % 14);
    for (int i = 0; i < count; ++i) {
      size_t from = rng() % (names.size() - 1);
      size_t to = from + 1 + rng() % (names.size() - 1 - from);
      edges.push_back(E(names[from], names[to], static_cast<uint32_t>(rng() % 4), plugins[rng() % plugins.size()]));
    }
    const Graph g = Build(edges);
    for (size_t from = 0; from < names.size(); ++from) {
      for (size_t to = from + 1; to < names.size(); ++to) {
        CAPTURE(round);
        CAPTURE(names[from]);
        CAPTURE(names[to]);
        std::vector<size_t> path;
        std::vector<std::vector<size_t>> all;
        Enumerate(g, V(names[from]), V(names[to]), &path, &all);
        auto r = g.ShortestPath(V(names[from]), V(names[to]));
        if (all.empty()) {
          CHECK_FALSE(r.ok());
          continue;
        }
        REQUIRE_MESSAGE(r.ok(), r.status().ToString());
        const auto best = *std::min_element(all.begin(), all.end(),
                                            [&](const auto& a, const auto& b) { return BruteForceLess(g, a, b); });
        CHECK(Labels(g, r.value()) == Labels(g, best));
      }
    }
  }
}

TEST_CASE("graph: the path is a chain of edge indices from current to target") {
  Graph g;
  const size_t base = g.AddEdge(E("", "1.0"));
  const size_t up = g.AddEdge(E("1.0", "2.0"));
  g.AddEdge(E("2.0", "3.0"));
  auto path = g.ShortestPath(Version::Empty(), V("2.0.0"));
  REQUIRE(path.ok());
  CHECK(path.value() == std::vector<size_t>{base, up});
}

TEST_CASE("graph: from == to is an empty path") {
  const Graph g = Build({E("1.0", "2.0")});
  auto same = g.ShortestPath(V("2.0"), V("2.0.0"));
  REQUIRE(same.ok());
  CHECK(same->empty());
  // Also when the version is not a node, and on an empty graph.
  CHECK(g.ShortestPath(V("9.0"), V("9.0")).ok());
  CHECK(Graph().ShortestPath(Version::Empty(), Version::Empty()).ok());
}

TEST_CASE("graph: the empty version starts a base edge") {
  const Graph g = Build({E("", "4.0.0", 3, "base.so"), E("4.0.0", "4.1.0"), E("4.1.0", "4.2.0")});
  CHECK(g.Versions().front().empty());
  CHECK(PathLabels(g, "", "4.2") ==
        std::vector<std::string>{"base.so: (empty) -> 4.0.0", "p.so: 4.0.0 -> 4.1.0", "p.so: 4.1.0 -> 4.2.0"});
  CHECK(Names(g.ReachableFrom(Version::Empty())) == std::vector<std::string>{"4.0.0", "4.1.0", "4.2.0"});
  // A graph without a base edge cannot start from an empty database.
  const Graph no_base = Build({E("4.0.0", "4.1.0")});
  CHECK(PathError(no_base, "", "4.1.0") ==
        "current version (empty) is not in the version graph "
        "(nearest versions: none below, 4.0.0 above)");
}

TEST_CASE("graph: a downgrade is refused, naming both versions") {
  const Graph g = Build({E("4.0", "4.1"), E("4.1", "4.2")});
  CHECK(PathError(g, "4.2", "4.1.0") == "downgrade from 4.2 to 4.1.0 is not supported");
  CHECK(PathError(g, "4.2", "4.2-rc1") == "downgrade from 4.2 to 4.2-rc1 is not supported");
  CHECK(PathError(g, "4.2", "") == "downgrade from 4.2 to (empty) is not supported");
}

TEST_CASE("graph: a current or target version that is not a node is named with its neighbours") {
  const Graph g = Build({E("4.5.2", "4.6.0"), E("4.6.0", "4.7.0")});
  CHECK(PathError(g, "4.5.3", "4.7.0") ==
        "current version 4.5.3 is not in the version graph "
        "(nearest versions: 4.5.2 below, 4.6.0 above)");
  CHECK(PathError(g, "4.5.2", "4.6.5") ==
        "target version 4.6.5 is not in the version graph "
        "(nearest versions: 4.6.0 below, 4.7.0 above)");
  CHECK(PathError(g, "4.5.2", "5.0") ==
        "target version 5.0 is not in the version graph "
        "(nearest versions: 4.7.0 below, none above)");
  CHECK(PathError(Graph(), "1.0", "2.0") == "current version 1.0 is not in the version graph (the graph has no edges)");
}

TEST_CASE("graph: an unreachable target lists what is reachable") {
  const Graph g = Build({E("1.0", "1.1"), E("1.1", "1.2"), E("1.0", "1.5"), E("1.3", "2.0")});
  CHECK(PathError(g, "1.0", "2.0") ==
        "target version 2.0 is not reachable from current version 1.0 "
        "(reachable from 1.0: 1.1, 1.2, 1.5)");
  CHECK(PathError(g, "1.2", "2.0") ==
        "target version 2.0 is not reachable from current version 1.2 "
        "(nothing is reachable from 1.2)");
}

TEST_CASE("graph: a long reachable list is shortened") {
  std::vector<GraphEdge> edges;
  for (int i = 1; i < 20; ++i) {
    edges.push_back(E("1." + std::to_string(i), "1." + std::to_string(i + 1)));
  }
  edges.push_back(E("0.5", "2.0"));
  const Graph g = Build(edges);
  CHECK(PathError(g, "1.1", "2.0") ==
        "target version 2.0 is not reachable from current version 1.1 "
        "(reachable from 1.1: 1.2, 1.3, 1.4, ..., 1.18, 1.19, 1.20; 19 versions)");
}

TEST_CASE("graph: ReachableFrom is ascending and excludes the start") {
  const Graph g = Build({E("1.0", "3.0"), E("1.0", "2.0"), E("2.0", "3.0"), E("3.0", "4.0"), E("0.5", "1.0")});
  CHECK(Names(g.ReachableFrom(V("1.0"))) == std::vector<std::string>{"2.0", "3.0", "4.0"});
  CHECK(g.ReachableFrom(V("4.0")).empty());
  CHECK(g.ReachableFrom(V("9.0")).empty());
}

TEST_CASE("graph: Validate accepts a graph without cycles, duplicates or downgrades") {
  const Graph g = Build({E("", "1.0"), E("1.0", "2.0"), E("1.0", "3.0"), E("2.0", "3.0")});
  CHECK(g.Validate().ok());
  CHECK(Graph().Validate().ok());
}

TEST_CASE("graph: Validate names every edge on a cycle and no other") {
  const Graph g = Build({E("", "1.0", 1, "base.so"), E("1.0", "2.0", 1, "a.so"), E("2.0", "3.0", 1, "b.so"),
                         E("3.0", "1.0", 1, "c.so"), E("3.0", "4.0", 1, "d.so")});
  CHECK(ValidateError(g) ==
        "cycle through versions 1.0, 2.0, 3.0: edges 'a.so: 1.0 -> 2.0', 'b.so: 2.0 -> 3.0', "
        "'c.so: 3.0 -> 1.0'; "
        "edge 'c.so: 3.0 -> 1.0' goes down from 3.0 to 1.0 (downgrades are not supported)");
}

TEST_CASE("graph: Validate reports a self edge as a cycle") {
  const Graph g = Build({E("1.0", "1.0.0", 1, "loop.so")});
  CHECK(ValidateError(g) == "cycle through version 1.0.0: edge 'loop.so: 1.0 -> 1.0.0'");
}

TEST_CASE("graph: Validate reports separate cycles separately, in version order") {
  const Graph g = Build(
      {E("5.0", "6.0", 1, "c.so"), E("6.0", "5.0", 1, "d.so"), E("1.0", "2.0", 1, "a.so"), E("2.0", "1.0", 1, "b.so")});
  const std::string expected =
      "cycle through versions 1.0, 2.0: edges 'a.so: 1.0 -> 2.0', 'b.so: 2.0 -> 1.0'; "
      "cycle through versions 5.0, 6.0: edges 'c.so: 5.0 -> 6.0', 'd.so: 6.0 -> 5.0'; "
      "edge 'b.so: 2.0 -> 1.0' goes down from 2.0 to 1.0 (downgrades are not supported); "
      "edge 'd.so: 6.0 -> 5.0' goes down from 6.0 to 5.0 (downgrades are not supported)";
  CHECK(ValidateError(g) == expected);
}

TEST_CASE("graph: Validate names both labels of a duplicate edge") {
  const Graph g = Build({E("1.0", "2.0", 1, "b.so"), E("1.0.0", "2.0", 3, "a.so")});
  CHECK(ValidateError(g) == "duplicate edge 1.0.0 -> 2.0: 'a.so: 1.0.0 -> 2.0' and 'b.so: 1.0 -> 2.0'");
  const Graph three = Build(
      {E("1.0", "2.0", 1, "c.so"), E("1.0", "2.0", 1, "a.so"), E("1.0", "2.0", 1, "b.so"), E("2.0", "3.0", 1, "d.so")});
  CHECK(ValidateError(three) ==
        "duplicate edge 1.0 -> 2.0: 'a.so: 1.0 -> 2.0', 'b.so: 1.0 -> 2.0' and "
        "'c.so: 1.0 -> 2.0'");
}

TEST_CASE("graph: Validate reports an edge that goes down") {
  const Graph g = Build({E("2.0", "1.0", 1, "old.so"), E("2.0", "3.0")});
  CHECK(ValidateError(g) == "edge 'old.so: 2.0 -> 1.0' goes down from 2.0 to 1.0 (downgrades are not supported)");
}

TEST_CASE("graph: Validate's message does not depend on insertion order") {
  const std::vector<GraphEdge> edges = {
      E("1.0", "2.0", 1, "a.so"), E("2.0", "1.0", 1, "b.so"), E("3.0", "4.0", 1, "c.so"), E("3.0", "4.0", 1, "d.so"),
      E("4.0", "5.0", 1, "e.so"), E("5.0", "4.0", 1, "f.so"), E("5.0", "6.0", 1, "g.so")};
  const std::string expected = ValidateError(Build(edges));
  for (const auto& order : Orders(edges)) CHECK(ValidateError(Build(order)) == expected);
}

TEST_CASE("graph: ShortestPath terminates on a graph with cycles") {
  const Graph g = Build({E("1.0", "2.0"), E("2.0", "1.0"), E("2.0", "3.0"), E("3.0", "3.0", 0)});
  CHECK(PathLabels(g, "1.0", "3.0") == std::vector<std::string>{"p.so: 1.0 -> 2.0", "p.so: 2.0 -> 3.0"});
}

TEST_CASE("graph: DOT output lists nodes and edges and highlights the path") {
  Graph g;
  const size_t base = g.AddEdge(E("", "1.0", 2, "base.so"));
  g.AddEdge(E("1.0", "3.0", 9, "skip.so"));
  const size_t up = g.AddEdge(E("1.0", "2.0", 1, "up.so"));
  g.AddEdge(E("2.0", "3.0", 1, "up.so"));
  auto path = g.ShortestPath(Version::Empty(), V("2.0"));
  REQUIRE(path.ok());
  REQUIRE(path.value() == std::vector<size_t>{base, up});
  CHECK(g.ToDot(path.value()) ==
        "digraph versions {\n"
        "  rankdir=LR;\n"
        "  node [shape=box];\n"
        "  \"(empty)\" [color=red, penwidth=2];\n"
        "  \"1.0\" [color=red, penwidth=2];\n"
        "  \"2.0\" [color=red, penwidth=2];\n"
        "  \"3.0\";\n"
        "  \"(empty)\" -> \"1.0\" [label=\"base.so: (empty) -> 1.0 (weight 2)\", color=red, "
        "penwidth=2];\n"
        "  \"1.0\" -> \"2.0\" [label=\"up.so: 1.0 -> 2.0 (weight 1)\", color=red, penwidth=2];\n"
        "  \"1.0\" -> \"3.0\" [label=\"skip.so: 1.0 -> 3.0 (weight 9)\"];\n"
        "  \"2.0\" -> \"3.0\" [label=\"up.so: 2.0 -> 3.0 (weight 1)\"];\n"
        "}\n");
  // Without a path nothing is red; out-of-range indices are ignored.
  CHECK(g.ToDot().find("red") == std::string::npos);
  CHECK(g.ToDot({99}) == g.ToDot());
}

TEST_CASE("graph: DOT output escapes quotes and does not depend on insertion order") {
  GraphEdge odd = E("1.0", "2.0");
  odd.label = "say \"hi\\\"";
  CHECK(Build({odd}).ToDot().find("[label=\"say \\\"hi\\\\\\\" (weight 1)\"]") != std::string::npos);

  const std::vector<GraphEdge> edges = {E("", "1.0"), E("1.0", "2.0", 1, "a.so"), E("1.0", "2.0", 1, "b.so"),
                                        E("2.0", "3.0"), E("1.0.0", "3.0", 4)};
  const Graph first = Build(edges);
  auto first_path = first.ShortestPath(Version::Empty(), V("3.0"));
  REQUIRE(first_path.ok());
  const std::string dot = first.ToDot(first_path.value());
  const std::string mermaid = first.ToMermaid(first_path.value());
  for (const auto& order : Orders(edges)) {
    const Graph g = Build(order);
    auto path = g.ShortestPath(Version::Empty(), V("3.0"));
    REQUIRE(path.ok());
    CHECK(g.ToDot(path.value()) == dot);
    CHECK(g.ToMermaid(path.value()) == mermaid);
  }
}

TEST_CASE("graph: Mermaid output draws the path as thick red links") {
  Graph g;
  g.AddEdge(E("1.0", "3.0", 9, "skip.so"));
  g.AddEdge(E("2.0", "3.0", 1, "up.so"));
  g.AddEdge(E("1.0", "2.0", 1, "say \"up\".so"));
  auto path = g.ShortestPath(V("1.0"), V("3.0"));
  REQUIRE(path.ok());
  CHECK(g.ToMermaid(path.value()) ==
        "flowchart LR\n"
        "  n0[\"1.0\"]\n"
        "  n1[\"2.0\"]\n"
        "  n2[\"3.0\"]\n"
        "  n0 ==>|\"say #quot;up#quot;.so: 1.0 -> 2.0 (weight 1)\"| n1\n"
        "  n0 -->|\"skip.so: 1.0 -> 3.0 (weight 9)\"| n2\n"
        "  n1 ==>|\"up.so: 2.0 -> 3.0 (weight 1)\"| n2\n"
        "  linkStyle 0,2 stroke:red,stroke-width:3px\n"
        "  classDef path stroke:red,stroke-width:3px\n"
        "  class n0,n1,n2 path\n");
  CHECK(g.ToMermaid().find("linkStyle") == std::string::npos);
}

// ---------------------------------------------------------------------------
// The CloudStack corpus: 126 real upgrade edges over 106 versions.

namespace {

// One TOML table as key -> the quoted strings on its line ("a" or ["a", "b"]).
using Table = std::map<std::string, std::vector<std::string>>;

std::filesystem::path CorpusDir() {
  if (const char* dir = std::getenv("CHIMP_CORPUS_DIR")) return dir;
  // <repo>/tests/unit/graph/graph_test.cpp -> <repo>/../shared/corpus/cloudstack
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / ".." / "shared" /
         "corpus" / "cloudstack";
}

// Reads every `[[name]]` table of `file` with a line scan (toml++ is only for
// core/src/config/). Enough for graph.toml: one key per line, string values.
std::vector<Table> ReadTables(const std::filesystem::path& file, std::string_view name) {
  std::ifstream in(file);
  std::vector<Table> tables;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') {
      inside = line == "[[" + std::string(name) + "]]";
      if (inside) tables.emplace_back();
      continue;
    }
    const size_t eq = line.find(" = ");
    if (!inside || eq == std::string::npos || line[0] == '#') continue;
    std::vector<std::string>& values = tables.back()[line.substr(0, eq)];
    for (size_t open = line.find('"', eq); open != std::string::npos;) {
      const size_t close = line.find('"', open + 1);
      if (close == std::string::npos) break;
      values.push_back(line.substr(open + 1, close - open - 1));
      open = line.find('"', close + 1);
    }
  }
  return tables;
}

std::string One(const Table& table, const std::string& key) {
  auto it = table.find(key);
  return it == table.end() || it->second.size() != 1 ? "" : it->second.front();
}

std::vector<GraphEdge> CorpusEdges(const std::vector<Table>& tables) {
  std::vector<GraphEdge> edges;
  for (const Table& t : tables) {
    auto from = Version::Parse(One(t, "from"), "graph.toml edge from");
    auto to = Version::Parse(One(t, "to"), "graph.toml edge to");
    REQUIRE_MESSAGE(from.ok(), from.status().ToString());
    REQUIRE_MESSAGE(to.ok(), to.status().ToString());
    GraphEdge e;
    e.from = from.value();
    e.to = to.value();
    e.weight = 1;
    e.label = One(t, "java_class") + ": " + One(t, "from") + " -> " + One(t, "to");
    edges.push_back(std::move(e));
  }
  return edges;
}

// CloudStack's own rule for a version no upgrade starts from (graph.toml's
// header: getPath(from, to) applies every node with from <= version < to,
// and a NoopDbUpgrade closes any gap to the code version): it carries on
// with the closest higher version an upgrade starts from, or, past the
// last one, goes to the newest. One implied no-op edge per version that no
// edge leaves.
std::vector<GraphEdge> ImpliedNoopEdges(const std::vector<GraphEdge>& edges, const std::vector<Version>& versions) {
  std::vector<GraphEdge> implied;
  auto starts = [&](const Version& v) {
    return std::any_of(edges.begin(), edges.end(), [&](const GraphEdge& e) { return e.from == v; });
  };
  for (size_t i = 0; i + 1 < versions.size(); ++i) {
    if (starts(versions[i])) continue;
    Version next = versions.back();
    for (size_t j = i + 1; j < versions.size(); ++j) {
      if (starts(versions[j])) {
        next = versions[j];
        break;
      }
    }
    GraphEdge e;
    e.from = versions[i];
    e.to = next;
    e.weight = 1;
    e.label = "NoopDbUpgrade (implied): " + versions[i].ToString() + " -> " + next.ToString();
    implied.push_back(std::move(e));
  }
  return implied;
}

}  // namespace

TEST_CASE("graph: the CloudStack corpus routes every version deterministically") {
  const std::filesystem::path file = CorpusDir() / "graph.toml";
  if (!std::filesystem::exists(file)) {
    MESSAGE("skipped: ../shared/corpus/cloudstack not found");
    return;
  }
  const std::vector<GraphEdge> edges = CorpusEdges(ReadTables(file, "edge"));
  REQUIRE(edges.size() == 126);
  const Graph g = Build(edges);
  const std::vector<Version> versions = g.Versions();
  CHECK(versions.size() == 106);
  const Version newest = versions.back();
  CHECK(newest.ToString() == "24.0.0");

  // No cycles and no downgrades; the parallel edges are reported as duplicates.
  const chimp::Status valid = g.Validate();
  CHECK(valid.code() == chimp::StatusCode::kPlanError);
  CHECK(valid.message().find("cycle") == std::string::npos);
  CHECK(valid.message().find("goes down") == std::string::npos);
  CHECK(valid.message().find("duplicate edge 2.2.2 -> 2.2.4: 'Upgrade222to224: 2.2.2 -> 2.2.4', "
                             "'UpgradeSnapshot217to224: 2.2.2 -> 2.2.4' and "
                             "'UpgradeSnapshot223to224: 2.2.2 -> 2.2.4'") != std::string::npos);

  // The declared edges alone leave the release-branch tips that the corpus
  // knows only from class names in the search index (its README, "Index
  // extension") with no way on: no upgrade starts from them.
  const std::vector<std::string> dead_ends = {"4.18.1.1", "4.18.1.2", "4.19.2.0", "4.19.3.0",
                                              "4.19.4.0", "4.22.2.0", "4.24.0.0"};
  std::vector<std::string> not_reaching;
  for (const Version& v : versions) {
    if (v != newest && !g.ShortestPath(v, newest).ok()) not_reaching.push_back(v.ToString());
  }
  CHECK(not_reaching == dead_ends);

  // CloudStack carries on from them as its NoopDbUpgrade does: with those
  // edges, every version reaches the newest, by the same path whatever the
  // order the edges were added in.
  std::vector<GraphEdge> all = edges;
  const std::vector<GraphEdge> implied = ImpliedNoopEdges(edges, versions);
  std::vector<std::string> sinks;  // the dead ends no upgrade starts from
  for (const GraphEdge& e : implied) sinks.push_back(e.from.ToString());
  CHECK(sinks == std::vector<std::string>{"4.18.1.2", "4.19.4.0", "4.22.2.0", "4.24.0.0"});
  all.insert(all.end(), implied.begin(), implied.end());
  const Graph full = Build(all);
  std::vector<Graph> shuffled;
  for (const auto& order : Orders(all)) shuffled.push_back(Build(order));
  for (const Version& v : versions) {
    if (v == newest) continue;
    CAPTURE(v);
    auto path = full.ShortestPath(v, newest);
    REQUIRE_MESSAGE(path.ok(), path.status().ToString());
    // The path is a chain from v to the newest version...
    REQUIRE_FALSE(path->empty());
    CHECK(all[path->front()].from == v);
    CHECK(all[path->back()].to == newest);
    for (size_t i = 1; i < path->size(); ++i) {
      CHECK(all[(*path)[i - 1]].to == all[(*path)[i]].from);
    }
    // ...and the same whatever order the edges were added in.
    const std::vector<std::string> labels = Labels(full, path.value());
    for (const Graph& other : shuffled) {
      auto again = other.ShortestPath(v, newest);
      REQUIRE(again.ok());
      CHECK(Labels(other, again.value()) == labels);
    }
  }
  // The implied edges go where CloudStack would go next.
  for (const GraphEdge& e : implied) {
    if (e.from.ToString() == "4.18.1.2") CHECK(e.to.ToString() == "4.18.2.0");
    if (e.from.ToString() == "4.19.4.0") CHECK(e.to.ToString() == "4.20.0.0");
    if (e.from.ToString() == "4.22.2.0") CHECK(e.to.ToString() == "4.23.0.0");
    if (e.from.ToString() == "4.24.0.0") CHECK(e.to.ToString() == "24.0.0");
  }
}

TEST_CASE("graph: CloudStack routes are never longer than its own pre-2018 step lists") {
  const std::filesystem::path file = CorpusDir() / "graph.toml";
  if (!std::filesystem::exists(file)) {
    MESSAGE("skipped: ../shared/corpus/cloudstack not found");
    return;
  }
  const Graph g = Build(CorpusEdges(ReadTables(file, "edge")));
  const std::vector<Table> legacy = ReadTables(file, "legacy_path");
  CHECK(legacy.size() == 62);
  for (const Table& t : legacy) {
    const std::string from = One(t, "from");
    const std::vector<std::string>& steps = t.at("steps");
    const std::string& to = t.at("targets").back();
    CAPTURE(from);
    auto path = g.ShortestPath(V(from), V(to));
    REQUIRE_MESSAGE(path.ok(), path.status().ToString());
    CHECK(path->size() <= steps.size());
  }
}
