#include "chimp/catalog.hpp"

#include <algorithm>

namespace chimp {

Result<std::unique_ptr<Catalog>> Catalog::Build(std::vector<LoadedPlugin> plugins) {
  std::unique_ptr<Catalog> catalog(new Catalog());
  catalog->plugins_ = std::move(plugins);
  for (const LoadedPlugin& plugin : catalog->plugins_) {
    for (const Edge& edge : plugin.edges) {
      uint32_t weight = 0;
      for (const Step& step : edge.steps) weight += step.phase == Phase::kExpand ? 1 : 0;
      catalog->graph_.AddEdge(GraphEdge{edge.from, edge.to, std::max<uint32_t>(weight, 1),
                                        plugin.info->file + ": " + edge.Name(), plugin.info->name});
      catalog->edges_.push_back(&edge);
    }
  }
  CHIMP_RETURN_IF_ERROR(catalog->graph_.Validate());
  return catalog;
}

const Step* Catalog::FindStep(std::string_view id, const Edge** edge) const {
  for (const Edge* e : edges_) {
    for (const Step& step : e->steps) {
      if (step.id == id) {
        if (edge != nullptr) *edge = e;
        return &step;
      }
    }
  }
  return nullptr;
}

Version Catalog::Newest() const {
  Version newest;
  for (const Edge* e : edges_) newest = std::max(newest, e->to);
  return newest;
}

}  // namespace chimp
