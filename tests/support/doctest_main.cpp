// The doctest main of both test binaries. Tests never touch the operator's
// descriptor cache (~/.cache/chimp, plugin/descriptor_cache.hpp): unless
// CHIMP_DESCRIPTOR_CACHE is set, the process (and every chimp it starts)
// uses a scratch one, removed at exit.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
  std::string scratch;
  if (getenv("CHIMP_DESCRIPTOR_CACHE") == nullptr) {
    std::string templ = (std::filesystem::temp_directory_path() / "chimp_test_cache_XXXXXX").string();
    if (mkdtemp(templ.data()) != nullptr) {
      scratch = templ;
      setenv("CHIMP_DESCRIPTOR_CACHE", (scratch + "/cache").c_str(), 1);
    }
  }
  const int rc = doctest::Context(argc, argv).run();
  if (!scratch.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  return rc;
}
