#include "chimp/graph.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace chimp {
namespace {

constexpr size_t kShortListMax = 8;  // longer lists show 3 + "..." + 3
constexpr char kHighlight[] = "red";

// A node's spelling when several equal versions occur: most components,
// then the lexicographically smallest text.
bool BetterSpelling(const Version& a, const Version& b) {
  if (a.components().size() != b.components().size()) {
    return a.components().size() > b.components().size();
  }
  return a.ToString() < b.ToString();
}

// The graph in index form, rebuilt per query; node ids follow version order,
// so iterating ids is iterating versions ascending.
struct Index {
  std::vector<Version> nodes;
  std::vector<size_t> from;              // node id, per edge
  std::vector<size_t> to;                // node id, per edge
  std::vector<std::vector<size_t>> out;  // edge indices leaving each node
  std::vector<std::vector<size_t>> in;   // edge indices entering each node

  // The id of `v`, or nodes.size() when it is not a node.
  size_t Find(const Version& v) const {
    auto it = std::lower_bound(nodes.begin(), nodes.end(), v);
    return (it != nodes.end() && *it == v) ? static_cast<size_t>(it - nodes.begin()) : nodes.size();
  }
  std::string Name(size_t id) const { return nodes[id].ToDisplayString(); }
};

Index BuildIndex(const std::vector<GraphEdge>& edges) {
  Index index;
  for (const GraphEdge& e : edges) {
    index.nodes.push_back(e.from);
    index.nodes.push_back(e.to);
  }
  std::sort(index.nodes.begin(), index.nodes.end(), [](const Version& a, const Version& b) {
    if (auto c = a <=> b; c != 0) return c < 0;
    return BetterSpelling(a, b);
  });
  index.nodes.erase(std::unique(index.nodes.begin(), index.nodes.end()), index.nodes.end());
  index.out.resize(index.nodes.size());
  index.in.resize(index.nodes.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    index.from.push_back(index.Find(edges[i].from));
    index.to.push_back(index.Find(edges[i].to));
    index.out[index.from[i]].push_back(i);
    index.in[index.to[i]].push_back(i);
  }
  return index;
}

// Edge order for path choice: (to, from, label, weight, index).
bool PathEdgeLess(const std::vector<GraphEdge>& edges, size_t a, size_t b) {
  const GraphEdge& x = edges[a];
  const GraphEdge& y = edges[b];
  if (auto c = x.to <=> y.to; c != 0) return c < 0;
  if (auto c = x.from <=> y.from; c != 0) return c < 0;
  if (x.label != y.label) return x.label < y.label;
  if (x.weight != y.weight) return x.weight < y.weight;
  return a < b;
}

// The cheapest paths from one source node: Dijkstra on (total weight,
// number of edges), then the smallest of the cheapest paths to a target.
// Borrows `edges` and `index`, which outlive it.
class CheapestPaths {
 public:
  using Cost = std::pair<uint64_t, uint64_t>;

  CheapestPaths(const std::vector<GraphEdge>& edges, const Index& index, size_t source)
      : edges_(edges), index_(index), source_(source), reached_(index.nodes.size(), false), dist_(index.nodes.size()) {
    Search();
  }

  bool Reached(size_t node) const { return reached_[node]; }

  // The smallest (PathEdgeLess, edge by edge) cheapest path to `target`.
  // REQUIRES: Reached(target).
  Result<std::vector<size_t>> SmallestTo(size_t target) const {
    const std::vector<bool> leads = LeadingTo(target);
    // Walk forward taking the smallest tight edge that still leads on; every
    // candidate path has the same length, so this is the smallest sequence.
    std::vector<size_t> path;
    for (size_t u = source_; u != target;) {
      size_t best = edges_.size();
      for (size_t e : index_.out[u]) {
        if (!Tight(e) || !leads[index_.to[e]]) continue;
        if (best == edges_.size() || PathEdgeLess(edges_, e, best)) best = e;
      }
      if (best == edges_.size()) return Status::Internal("shortest path lost its way");
      path.push_back(best);
      u = index_.to[best];
    }
    return path;
  }

 private:
  using Item = std::pair<Cost, size_t>;

  Cost Through(size_t e) const {
    const size_t u = index_.from[e];
    return {dist_[u].first + edges_[e].weight, dist_[u].second + 1};
  }

  void Search() {
    std::vector<bool> done(reached_.size(), false);
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    reached_[source_] = true;
    dist_[source_] = {0, 0};
    queue.push({dist_[source_], source_});
    while (!queue.empty()) {
      const size_t u = queue.top().second;
      queue.pop();
      if (done[u]) continue;
      done[u] = true;
      for (size_t e : index_.out[u]) {
        const size_t v = index_.to[e];
        const Cost cost = Through(e);
        if (!reached_[v] || cost < dist_[v]) {
          reached_[v] = true;
          dist_[v] = cost;
          queue.push({cost, v});
        }
      }
    }
  }

  // An edge is tight when it lies on some cheapest path from the source.
  // Tight edges add one edge each, so they form a DAG ordered by dist.
  bool Tight(size_t e) const {
    return reached_[index_.from[e]] && reached_[index_.to[e]] && Through(e) == dist_[index_.to[e]];
  }

  // leads[u]: a tight path runs from u to the target.
  std::vector<bool> LeadingTo(size_t target) const {
    std::vector<size_t> by_dist;
    for (size_t id = 0; id < reached_.size(); ++id) {
      if (reached_[id]) by_dist.push_back(id);
    }
    std::sort(by_dist.begin(), by_dist.end(), [&](size_t a, size_t b) { return dist_[a] > dist_[b]; });
    std::vector<bool> leads(reached_.size(), false);
    leads[target] = true;
    for (size_t u : by_dist) {
      for (size_t e : index_.out[u]) {
        if (Tight(e) && leads[index_.to[e]]) leads[u] = true;
      }
    }
    return leads;
  }

  const std::vector<GraphEdge>& edges_;
  const Index& index_;
  const size_t source_;
  std::vector<bool> reached_;
  std::vector<Cost> dist_;
};

// Edge order for listings: (from, to, label, weight, index).
bool ListEdgeLess(const std::vector<GraphEdge>& edges, size_t a, size_t b) {
  const GraphEdge& x = edges[a];
  const GraphEdge& y = edges[b];
  if (auto c = x.from <=> y.from; c != 0) return c < 0;
  if (auto c = x.to <=> y.to; c != 0) return c < 0;
  if (x.label != y.label) return x.label < y.label;
  if (x.weight != y.weight) return x.weight < y.weight;
  return a < b;
}

std::vector<size_t> SortedEdges(const std::vector<GraphEdge>& edges) {
  std::vector<size_t> order(edges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ListEdgeLess(edges, a, b); });
  return order;
}

// "'a'", "'a' and 'b'", "'a', 'b' and 'c'".
std::string JoinQuoted(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

// "a, b, c" when short; "a, b, c, ..., x, y, z; 58 versions" when long.
std::string ShortList(const std::vector<std::string>& names) {
  std::string out;
  auto append = [&](size_t i) {
    if (!out.empty()) out += ", ";
    out += names[i];
  };
  if (names.size() <= kShortListMax) {
    for (size_t i = 0; i < names.size(); ++i) append(i);
    return out;
  }
  for (size_t i = 0; i < 3; ++i) append(i);
  out += ", ...";
  for (size_t i = names.size() - 3; i < names.size(); ++i) append(i);
  return out + "; " + std::to_string(names.size()) + " versions";
}

// "(nearest versions: 4.5.2 below, 4.6.0 above)" for a version not in `index`.
std::string Nearest(const Index& index, const Version& v) {
  if (index.nodes.empty()) return "(the graph has no edges)";
  const size_t above =
      static_cast<size_t>(std::lower_bound(index.nodes.begin(), index.nodes.end(), v) - index.nodes.begin());
  std::string out = "(nearest versions: ";
  out += above > 0 ? index.Name(above - 1) : std::string("none");
  out += " below, ";
  out += above < index.nodes.size() ? index.Name(above) : std::string("none");
  return out + " above)";
}

// Marks every node reachable from `start` over one or more edges.
std::vector<bool> Reach(const Index& index, size_t start) {
  std::vector<bool> seen(index.nodes.size(), false);
  std::vector<size_t> stack = {start};
  while (!stack.empty()) {
    const size_t u = stack.back();
    stack.pop_back();
    for (size_t e : index.out[u]) {
      if (!seen[index.to[e]]) {
        seen[index.to[e]] = true;
        stack.push_back(index.to[e]);
      }
    }
  }
  return seen;
}

// Strongly connected components (Kosaraju, iterative). Returns a component
// id per node.
std::vector<size_t> Components(const Index& index) {
  const size_t n = index.nodes.size();
  std::vector<size_t> finished;
  std::vector<bool> visited(n, false);
  for (size_t root = 0; root < n; ++root) {
    if (visited[root]) continue;
    // (node, next out-edge position)
    std::vector<std::pair<size_t, size_t>> stack = {{root, 0}};
    visited[root] = true;
    while (!stack.empty()) {
      auto& [u, pos] = stack.back();
      if (pos < index.out[u].size()) {
        const size_t v = index.to[index.out[u][pos++]];
        if (!visited[v]) {
          visited[v] = true;
          stack.emplace_back(v, 0);
        }
      } else {
        finished.push_back(u);
        stack.pop_back();
      }
    }
  }
  constexpr size_t kNone = std::numeric_limits<size_t>::max();
  std::vector<size_t> component(n, kNone);
  size_t next_id = 0;
  for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
    if (component[*it] != kNone) continue;
    std::vector<size_t> stack = {*it};
    component[*it] = next_id;
    while (!stack.empty()) {
      const size_t u = stack.back();
      stack.pop_back();
      for (size_t e : index.in[u]) {
        if (component[index.from[e]] == kNone) {
          component[index.from[e]] = next_id;
          stack.push_back(index.from[e]);
        }
      }
    }
    ++next_id;
  }
  return component;
}

std::string DotQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string MermaidQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out += "#quot;";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string EdgeCaption(const GraphEdge& e) {
  return (e.caption.empty() ? e.label : e.caption) + " (weight " + std::to_string(e.weight) + ")";
}

// The valid edges of `path`, and the nodes they touch.
void PathMarks(const Index& index, const std::vector<size_t>& path, std::vector<bool>* on_path,
               std::vector<bool>* node_on_path) {
  on_path->assign(index.from.size(), false);
  node_on_path->assign(index.nodes.size(), false);
  for (size_t e : path) {
    if (e >= index.from.size()) continue;
    (*on_path)[e] = true;
    (*node_on_path)[index.from[e]] = true;
    (*node_on_path)[index.to[e]] = true;
  }
}

}  // namespace

size_t Graph::AddEdge(GraphEdge edge) {
  edges_.push_back(std::move(edge));
  return edges_.size() - 1;
}

std::vector<Version> Graph::Versions() const { return BuildIndex(edges_).nodes; }

bool Graph::HasVersion(const Version& version) const {
  for (const GraphEdge& e : edges_) {
    if (e.from == version || e.to == version) return true;
  }
  return false;
}

namespace {

// One problem per cycle of the graph, in `order` (SortedEdges).
void CycleProblems(const std::vector<GraphEdge>& edges, const Index& index, const std::vector<size_t>& order,
                   std::vector<std::string>* out) {
  // Cycles: an edge lies on a cycle exactly when both ends share a strongly
  // connected component; that covers self edges too.
  const std::vector<size_t> component = Components(index);
  std::map<size_t, std::vector<size_t>> cycle_edges;  // keyed by lowest node id
  std::vector<size_t> lowest(index.nodes.size(), std::numeric_limits<size_t>::max());
  for (size_t id = 0; id < index.nodes.size(); ++id) {
    lowest[component[id]] = std::min(lowest[component[id]], id);
  }
  for (size_t e : order) {
    if (component[index.from[e]] == component[index.to[e]]) {
      cycle_edges[lowest[component[index.from[e]]]].push_back(e);
    }
  }
  for (const auto& [first, cycle] : cycle_edges) {
    std::vector<std::string> versions;
    for (size_t id = first; id < index.nodes.size(); ++id) {
      if (component[id] == component[first]) versions.push_back(index.Name(id));
    }
    std::string msg = versions.size() == 1 ? "cycle through version " : "cycle through versions ";
    for (size_t i = 0; i < versions.size(); ++i) msg += (i ? ", " : "") + versions[i];
    msg += cycle.size() == 1 ? ": edge " : ": edges ";
    for (size_t i = 0; i < cycle.size(); ++i) {
      msg += (i ? ", '" : "'") + edges[cycle[i]].label + "'";
    }
    out->push_back(std::move(msg));
  }
}

// One problem per (from, to) declared by more than one edge.
void DuplicateProblems(const std::vector<GraphEdge>& edges, const Index& index, const std::vector<size_t>& order,
                       std::vector<std::string>* out) {
  // Duplicates: `order` groups edges by (from, to).
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && index.from[order[j]] == index.from[order[i]] &&
           index.to[order[j]] == index.to[order[i]]) {
      ++j;
    }
    if (j - i > 1) {
      std::vector<std::string> labels;
      for (size_t k = i; k < j; ++k) labels.push_back(edges[order[k]].label);
      out->push_back("duplicate edge " + index.Name(index.from[order[i]]) + " -> " + index.Name(index.to[order[i]]) +
                     ": " + JoinQuoted(labels));
    }
    i = j;
  }
}

// One problem per edge that goes down.
void DownwardProblems(const std::vector<GraphEdge>& edges, const Index& index, const std::vector<size_t>& order,
                      std::vector<std::string>* out) {
  // Edges that go down.
  for (size_t e : order) {
    if (index.to[e] < index.from[e]) {
      out->push_back("edge '" + edges[e].label + "' goes down from " + index.Name(index.from[e]) + " to " +
                     index.Name(index.to[e]) + " (downgrades are not supported)");
    }
  }
}

}  // namespace

Status Graph::Validate() const {
  const Index index = BuildIndex(edges_);
  const std::vector<size_t> order = SortedEdges(edges_);
  std::vector<std::string> problems;
  CycleProblems(edges_, index, order, &problems);
  DuplicateProblems(edges_, index, order, &problems);
  DownwardProblems(edges_, index, order, &problems);
  if (problems.empty()) return Status::Ok();
  std::string msg;
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  return Status::PlanError(std::move(msg));
}

Result<std::vector<size_t>> Graph::ShortestPath(const Version& from, const Version& to) const {
  if (from == to) return std::vector<size_t>{};
  if (to < from) {
    return Status::PlanError("downgrade from " + from.ToDisplayString() + " to " + to.ToDisplayString() +
                             " is not supported");
  }
  const Index index = BuildIndex(edges_);
  const size_t source = index.Find(from);
  if (source == index.nodes.size()) {
    return Status::PlanError("current version " + from.ToDisplayString() + " is not in the version graph " +
                             Nearest(index, from));
  }
  const size_t target = index.Find(to);
  if (target == index.nodes.size()) {
    return Status::PlanError("target version " + to.ToDisplayString() + " is not in the version graph " +
                             Nearest(index, to));
  }

  const CheapestPaths paths(edges_, index, source);
  if (!paths.Reached(target)) return Unreachable(from, to);
  return paths.SmallestTo(target);
}

Status Graph::Unreachable(const Version& from, const Version& to) const {
  const std::vector<Version> reachable = ReachableFrom(from);
  std::string msg =
      "target version " + to.ToDisplayString() + " is not reachable from current version " + from.ToDisplayString();
  if (reachable.empty()) return Status::PlanError(msg + " (nothing is reachable from " + from.ToDisplayString() + ")");
  std::vector<std::string> names;
  for (const Version& v : reachable) names.push_back(v.ToDisplayString());
  return Status::PlanError(msg + " (reachable from " + from.ToDisplayString() + ": " + ShortList(names) + ")");
}

std::vector<Version> Graph::ReachableFrom(const Version& from) const {
  const Index index = BuildIndex(edges_);
  const size_t start = index.Find(from);
  std::vector<Version> out;
  if (start == index.nodes.size()) return out;
  const std::vector<bool> seen = Reach(index, start);
  for (size_t id = 0; id < index.nodes.size(); ++id) {
    if (seen[id] && id != start) out.push_back(index.nodes[id]);
  }
  return out;
}

std::string Graph::ToDot(const std::vector<size_t>& highlight_path) const {
  const Index index = BuildIndex(edges_);
  std::vector<bool> on_path;
  std::vector<bool> node_on_path;
  PathMarks(index, highlight_path, &on_path, &node_on_path);
  const std::string mark = std::string(", color=") + kHighlight + ", penwidth=2";

  std::string out = "digraph versions {\n  rankdir=LR;\n  node [shape=box];\n";
  for (size_t id = 0; id < index.nodes.size(); ++id) {
    out += "  " + DotQuote(index.Name(id));
    if (node_on_path[id]) out += std::string(" [color=") + kHighlight + ", penwidth=2]";
    out += ";\n";
  }
  for (size_t e : SortedEdges(edges_)) {
    out += "  " + DotQuote(index.Name(index.from[e])) + " -> " + DotQuote(index.Name(index.to[e])) +
           " [label=" + DotQuote(EdgeCaption(edges_[e]));
    if (on_path[e]) out += mark;
    out += "];\n";
  }
  return out + "}\n";
}

std::string Graph::ToMermaid(const std::vector<size_t>& highlight_path) const {
  const Index index = BuildIndex(edges_);
  std::vector<bool> on_path;
  std::vector<bool> node_on_path;
  PathMarks(index, highlight_path, &on_path, &node_on_path);
  auto id_of = [](size_t id) { return "n" + std::to_string(id); };

  std::string out = "flowchart LR\n";
  for (size_t id = 0; id < index.nodes.size(); ++id) {
    out += "  " + id_of(id) + "[" + MermaidQuote(index.Name(id)) + "]\n";
  }
  std::vector<size_t> path_links;  // link positions, for linkStyle
  size_t link = 0;
  for (size_t e : SortedEdges(edges_)) {
    out += "  " + id_of(index.from[e]) + (on_path[e] ? " ==>|" : " -->|") + MermaidQuote(EdgeCaption(edges_[e])) +
           "| " + id_of(index.to[e]) + "\n";
    if (on_path[e]) path_links.push_back(link);
    ++link;
  }
  if (!path_links.empty()) {
    out += "  linkStyle ";
    for (size_t i = 0; i < path_links.size(); ++i) {
      out += (i ? "," : "") + std::to_string(path_links[i]);
    }
    out += std::string(" stroke:") + kHighlight + ",stroke-width:3px\n";
    out += std::string("  classDef path stroke:") + kHighlight + ",stroke-width:3px\n  class ";
    bool first = true;
    for (size_t id = 0; id < index.nodes.size(); ++id) {
      if (!node_on_path[id]) continue;
      out += (first ? "" : ",") + id_of(id);
      first = false;
    }
    out += " path\n";
  }
  return out;
}

}  // namespace chimp
