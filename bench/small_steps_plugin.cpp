// The body shared by every plugin of the small-steps benchmark: compiled
// once, linked into each of the 330 plugins beside the generated source that
// defines chimp_bench_spec (small_steps_gen.cpp), so that building them costs
// one SDK compile, not 330.
//
// The spec, as the generator writes it:
//   plugin NAME
//   from VERSION            ("" = the empty database)
//   to VERSION
//   -- @step NNN ddl|dml    then the step's SQL (client dialect), until the
//   ...                     next "-- @step" line
// Each step is a SQL step "bench.small.NNN"; ddl steps carry kDdl. The
// plugin's version is its `to`.
#include <chimp/sdk/plugin.hpp>

#include <string>
#include <string_view>

namespace sdk = chimp::sdk;

extern "C" const char chimp_bench_spec[];

namespace {

struct Spec {
  std::string name, from, to;
  std::string_view steps;  // from the first "-- @step" line
};

// The value of the header line starting with `key` + ' ' at `*at`.
std::string HeaderLine(std::string_view text, size_t* at, std::string_view key) {
  const size_t end = text.find('\n', *at);
  std::string_view line = text.substr(*at, end - *at);
  if (line.substr(0, key.size() + 1) != std::string(key) + " ") {
    throw sdk::Error("small-steps plugin spec: expected '" + std::string(key) + " ...' at offset " +
                     std::to_string(*at));
  }
  *at = end + 1;
  return std::string(line.substr(key.size() + 1));
}

const Spec& TheSpec() {
  static const Spec spec = [] {
    const std::string_view text = chimp_bench_spec;
    size_t at = 0;
    Spec s;
    s.name = HeaderLine(text, &at, "plugin");
    s.from = HeaderLine(text, &at, "from");
    s.to = HeaderLine(text, &at, "to");
    s.steps = text.substr(at);
    return s;
  }();
  return spec;
}

void Declare(sdk::Plugin& plugin) {
  const Spec& spec = TheSpec();
  auto& edge = plugin.Edge(spec.from, spec.to, "small-steps benchmark, " + spec.name);
  constexpr std::string_view kMarker = "-- @step ";
  std::string_view rest = spec.steps;
  while (rest.substr(0, kMarker.size()) == kMarker) {
    const size_t eol = rest.find('\n');
    const std::string_view head = rest.substr(kMarker.size(), eol - kMarker.size());  // "NNN ddl"
    const size_t next = rest.find(std::string("\n") + std::string(kMarker), eol);
    const std::string_view sql = rest.substr(eol + 1, next == std::string_view::npos ? next : next + 1 - (eol + 1));
    const std::string number(head.substr(0, 3));
    const size_t first_eol = sql.find('\n');
    const std::string description(sql.substr(3, first_eol - 3));  // after "-- "
    edge.Sql("bench.small." + number, description, std::string(sql),
             head.substr(4) == "ddl" ? sdk::kDdl : sdk::StepOptions{});
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  }
}

}  // namespace

// The name and version are known only once the spec is read, so this is
// CHIMP_PLUGIN's entry written out.
extern "C" CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host,
                                                               const chimp_plugin** out) CHIMP_NOEXCEPT {
  try {
    const Spec& spec = TheSpec();
    return sdk::EntryImpl<&Declare>(host, out, spec.name.c_str(), spec.to.c_str(), "small-steps benchmark plugin");
  } catch (...) {
    return CHIMP_ERROR;
  }
}
