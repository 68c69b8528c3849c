// Catalog: every loaded plugin, and the version graph built from their edges.
#ifndef CHIMP_CATALOG_HPP_
#define CHIMP_CATALOG_HPP_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chimp/graph.hpp"
#include "chimp/model.hpp"
#include "chimp/status.hpp"

namespace chimp {

class Catalog {
 public:
  // Builds the graph from `plugins` (weight of an edge = its number of
  // expand-phase steps, at least 1) and validates it: duplicate edges,
  // cycles. Errors are PlanError naming the plugins involved.
  static Result<std::unique_ptr<Catalog>> Build(std::vector<LoadedPlugin> plugins);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const Graph& graph() const { return graph_; }
  // The edge behind graph edge `index`.
  const Edge& edge(size_t index) const { return *edges_[index]; }
  size_t edge_count() const { return edges_.size(); }
  // The step with `id`, or nullptr; `edge` (if not null) receives its edge.
  const Step* FindStep(std::string_view id, const Edge** edge = nullptr) const;
  // The highest version in the graph; empty when there are no edges.
  Version Newest() const;

 private:
  Catalog() = default;
  std::vector<LoadedPlugin> plugins_;
  std::vector<const Edge*> edges_;
  Graph graph_;
};

}  // namespace chimp

#endif  // CHIMP_CATALOG_HPP_
