/* Fixture: a shared object that exports an entry under the wrong name. */
#include "chimp/plugin_abi.h"

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_init(const chimp_host* host, const chimp_plugin** out);

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_init(const chimp_host* host, const chimp_plugin** out) {
  (void)host;
  (void)out;
  return CHIMP_ERROR;
}
