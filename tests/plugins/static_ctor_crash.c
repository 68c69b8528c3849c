/* A plugin whose static constructor crashes the process as the dynamic
 * loader opens it (STYLE.md rule 20), before chimp_plugin_entry could be
 * called. No in-process loader survives this: LoadPlugin would die with the
 * test. It is built for `chimp plugins verify`, which loads each plugin in a
 * child process and must report this crash instead of inheriting it; no
 * in-process test loads it. */
#include <signal.h>
#include <stdlib.h>

#include "chimp/plugin_abi.h"

__attribute__((constructor)) static void CrashOnLoad(void) {
  raise(SIGSEGV);
  abort(); /* in case SIGSEGV is ignored or handled */
}

CHIMP_PLUGIN_EXPORT chimp_status chimp_plugin_entry(const chimp_host* host, const chimp_plugin** out) {
  (void)host;
  (void)out;
  return CHIMP_ERROR; /* never reached */
}
