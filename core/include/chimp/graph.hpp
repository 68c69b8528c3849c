// Graph: the version graph. Versions are nodes; every upgrade edge that a
// plugin declares is a directed, weighted edge between two of them.
//
// The graph knows nothing about plugins or steps: a caller (the catalog)
// adds one GraphEdge per plugin edge, with the weight it chooses (the number
// of steps) and a label that names the edge and its plugin for messages.
// Edge indices are the positions returned by AddEdge; the caller maps them
// back to its own edges.
//
// Nodes are versions compared with Version::operator<=>, so "4.0" and
// "4.0.0" are one node. The empty version is a node like any other (a base
// edge starts there) and sorts first. When one node is spelled in several
// ways, output shows the spelling with the most components, then the
// lexicographically smallest ("4.0.0" over "4.0"); the choice does not
// depend on the order the edges were added.
//
// Thread safety: const methods may run concurrently; AddEdge may not run
// concurrently with anything else.
#ifndef CHIMP_GRAPH_HPP_
#define CHIMP_GRAPH_HPP_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "chimp/status.hpp"
#include "chimp/version.hpp"

namespace chimp {

struct GraphEdge {
  Version from;  // Version::Empty() for a base edge
  Version to;
  uint32_t weight = 1;  // cost of walking the edge (its number of steps); 0 allowed
  std::string label;    // names the edge and its plugin for messages,
                        // e.g. "sample_2_0_0.so: 1.1.0 -> 2.0.0"
  std::string caption;  // a short name for drawings (ToDot, ToMermaid): the
                        // plugin's name; empty: the label
};

// Path finding.
//
// ShortestPath minimises, in this order:
//   1. the total weight (sum of edge weights);
//   2. the number of edges;
//   3. the sequence of edges, compared edge by edge from the start, each edge
//      by (to version ascending, then from version, then label, then weight).
// Rule 3 picks, among equally short paths, the one that visits the lowest
// intermediate versions first: it advances release by release rather than
// jumping ahead, which is the route most databases in the field have
// already taken. Since it uses only what an edge says (versions, label,
// weight), the result does not depend on the order in which edges were
// added. Only edges equal in all four keys (the same edge declared twice,
// which Validate reports) are told apart by index, lowest first.
//
// Rationale for rule 2: with zero-weight edges (edges without steps) several
// paths can cost the same; fewer edges means fewer version records and
// fewer plugins involved.
class Graph {
 public:
  Graph() = default;

  // Adds `edge` and returns its index (0, 1, 2, ... in call order).
  // Does not validate: call Validate() once all edges are added.
  size_t AddEdge(GraphEdge edge);

  // Every edge, by index.
  const std::vector<GraphEdge>& edges() const { return edges_; }

  // Every node, ascending, one entry per distinct version (see the spelling
  // rule above). The empty version comes first when an edge starts there.
  std::vector<Version> Versions() const;

  // True when `version` is the from or the to of some edge.
  bool HasVersion(const Version& version) const;

  // Returns OK, or PlanError listing every problem found, joined by "; ",
  // in this order:
  //  - each cycle (a strongly connected set of versions, or a self edge),
  //    naming every edge on it:
  //      "cycle through versions 1.0, 2.0: edges 'a.so: 1.0 -> 2.0',
  //       'b.so: 2.0 -> 1.0'"
  //  - each version pair declared more than once, naming every label:
  //      "duplicate edge 1.0 -> 2.0: 'a.so: 1.0 -> 2.0' and 'b.so: 1.0 -> 2.0'"
  //  - each edge whose to is below its from:
  //      "edge 'a.so: 2.0 -> 1.0' goes down from 2.0 to 1.0 (downgrades are
  //       not supported)"
  // Edges are listed in (from, to, label) order, so the message does not
  // depend on insertion order.
  Status Validate() const;

  // The indices of the edges to walk, in order, from `from` to `to`, chosen
  // by the rule above. from == to gives an empty path (whether or not the
  // version is a node). Errors, all PlanError, checked in this order:
  //  - to < from:    "downgrade from 4.2.0 to 4.1.0 is not supported"
  //  - from is not a node: "current version 4.5.3 is not in the version
  //                   graph (nearest versions: 4.5.2 below, 4.6.0 above)"
  //  - to is not a node:   "target version ... is not in the version graph
  //                   (nearest versions: ...)"
  //  - no path:      "target version 4.19.4.0 is not reachable from current
  //                   version 4.0.0 (reachable from 4.0.0: 4.1.0, 4.2.0,
  //                   4.2.1, ..., 4.23.0.0, 4.24.0.0, 24.0.0; 58 versions)"
  // Works on a graph that fails Validate() (it terminates on cycles), but
  // the answer is only meaningful on a valid graph.
  Result<std::vector<size_t>> ShortestPath(const Version& from, const Version& to) const;

  // The versions reachable from `from` over one or more edges, ascending,
  // never including `from` itself. Empty when `from` is not a node.
  std::vector<Version> ReachableFrom(const Version& from) const;

  // Graphviz DOT text of the whole graph: one line per node, ascending, then
  // one line per edge in (from, to, label) order, labelled with the edge's
  // caption (its label when it has none) and weight. The edges of `highlight_path` (edge indices, e.g. a
  // ShortestPath result) and their nodes are drawn red and bold. Indices out
  // of range are ignored. The same graph always gives the same text.
  std::string ToDot(const std::vector<size_t>& highlight_path = {}) const;

  // The same as ToDot, as a Mermaid "flowchart LR": nodes are n0, n1, ... in
  // ascending version order, path edges are thick arrows ("==>") coloured
  // by linkStyle, and path nodes get class "path".
  std::string ToMermaid(const std::vector<size_t>& highlight_path = {}) const;

 private:
  // The "not reachable" error of ShortestPath, listing what is reachable.
  Status Unreachable(const Version& from, const Version& to) const;

  std::vector<GraphEdge> edges_;
};

// The image Graphviz's `dot -T<format>` draws from `dot_text` (ToDot's
// output), as bytes; `format` is "svg" or "png". Runs the `dot` program of
// $PATH with the text on a memory file, never on disk.
// Errors: NotFound when Graphviz is not installed (naming the Debian
// package), Internal when dot fails (with what it printed).
Result<std::string> RenderDot(const std::string& dot_text, const std::string& format);

}  // namespace chimp

#endif  // CHIMP_GRAPH_HPP_
