# chimp_add_bundle: makes a directory of built plugins a release bundle
# (doc/plugins.md "Release bundles") by running `chimp bundle create` on it
# once the plugins are built.
#
#   chimp_add_bundle(NAME
#                    DIRECTORY dir          # where the plugins are built
#                    RELEASE version
#                    [APPLICATION name]
#                    [SIGNING_KEY key.pem]  # Default: ${CHIMP_BUNDLE_SIGNING_KEY}
#                    PLUGINS target...)
#
# adds the target NAME (built by default) that writes DIR/bundle.toml (and
# with a key, DIR/bundle.toml.sig). The manifest is rewritten only when a
# plugin (or the key) changes: a rebuilt chimp alone does not rewrite it.
# Requires the chimp executable target.
include_guard(GLOBAL)

set(CHIMP_BUNDLE_SIGNING_KEY "" CACHE FILEPATH
    "Ed25519 private key (PEM) that signs the release bundles the build writes; empty = unsigned")

function(chimp_add_bundle name)
  cmake_parse_arguments(ARG "" "DIRECTORY;RELEASE;APPLICATION;SIGNING_KEY" "PLUGINS" ${ARGN})
  if(NOT ARG_DIRECTORY OR NOT ARG_RELEASE OR NOT ARG_PLUGINS)
    message(FATAL_ERROR "chimp_add_bundle(${name}): DIRECTORY, RELEASE and PLUGINS are required")
  endif()
  if(NOT DEFINED ARG_SIGNING_KEY)
    set(ARG_SIGNING_KEY "${CHIMP_BUNDLE_SIGNING_KEY}")
  endif()
  set(manifest "${ARG_DIRECTORY}/bundle.toml")
  set(args bundle create "${ARG_DIRECTORY}" --release "${ARG_RELEASE}" -q)
  set(depends ${ARG_PLUGINS})
  set(byproducts "")
  if(ARG_APPLICATION)
    list(APPEND args --application "${ARG_APPLICATION}")
  endif()
  if(ARG_SIGNING_KEY)
    list(APPEND args --sign "${ARG_SIGNING_KEY}")
    list(APPEND depends "${ARG_SIGNING_KEY}")
    set(byproducts BYPRODUCTS "${ARG_DIRECTORY}/bundle.toml.sig")
  endif()
  add_custom_command(
    OUTPUT "${manifest}"
    ${byproducts}
    COMMAND chimp ${args}
    DEPENDS ${depends}
    COMMENT "Writing the release bundle ${manifest}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS "${manifest}")
  add_dependencies(${name} chimp)
endfunction()
