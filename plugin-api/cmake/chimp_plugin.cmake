# chimp_add_plugin: builds a chimp migration plugin. One implementation, used
# by chimp's own tree (plugin-api/CMakeLists.txt includes this file) and by
# plugin projects through find_package(chimp) (chimpConfig.cmake includes the
# installed copy). Requires the target chimp::plugin-api.
#
#   chimp_add_plugin(NAME
#                    SOURCES src...
#                    [SQL file.sql...]
#                    [OUTPUT_DIRECTORY dir])
#
# builds NAME.so, a MODULE library without the "lib" prefix that
#  - exports chimp_plugin_entry and nothing else (chimp_plugin.map, a linker
#    version script; every other symbol is hidden);
#  - must resolve every symbol at link time (-z defs), so that a missing
#    symbol fails the build instead of the load;
#  - embeds every SQL file listed (nothing to ship beside the .so): the bytes
#    are pulled in by the assembler (.incbin), so megabytes cost nothing at
#    compile time, and the library is rebuilt when a file changes. Plugin code
#    reads them with chimp::sdk::EmbeddedSql("V2__users.sql")
#    (<chimp/sdk/embedded.hpp>), by the path as listed (relative to the current
#    source directory) or by its file name;
#  - records the sha256 of each embedded file in a manifest inside the .so,
#    which `chimp plugins verify` checks against the SQL the plugin declares;
#    a copy is written beside the sources as NAME.sql-manifest.txt in the
#    build directory.
include_guard(GLOBAL)

function(chimp_add_plugin name)
  # This file's directory (variables set at include time would not reach
  # sibling directories). The version script is beside this file once
  # installed, one level up in chimp's tree.
  set(_CHIMP_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  if(EXISTS "${_CHIMP_PLUGIN_CMAKE_DIR}/chimp_plugin.map")
    set(_CHIMP_PLUGIN_MAP "${_CHIMP_PLUGIN_CMAKE_DIR}/chimp_plugin.map")
  else()
    set(_CHIMP_PLUGIN_MAP "${_CHIMP_PLUGIN_CMAKE_DIR}/../chimp_plugin.map")
  endif()
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;SQL" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "chimp_add_plugin(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "chimp_add_plugin(${name}): SOURCES is required")
  endif()

  set(embedded_sources "")
  if(ARG_SQL)
    # name|absolute path pairs for the generator, in the order given.
    set(entries "")
    set(files "")
    foreach(sql IN LISTS ARG_SQL)
      get_filename_component(abs "${sql}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      if(IS_ABSOLUTE "${sql}")
        get_filename_component(key "${sql}" NAME)
      else()
        file(TO_CMAKE_PATH "${sql}" key)
      endif()
      list(APPEND entries "${key}|${abs}")
      list(APPEND files "${abs}")
    endforeach()
    string(MAKE_C_IDENTIFIER "${name}" id)
    set(gen_dir "${CMAKE_CURRENT_BINARY_DIR}/chimp_embedded")
    set(gen "${gen_dir}/${name}_embedded.cpp")
    set(manifest "${gen_dir}/${name}.sql-manifest.txt")
    # One "<name>|<absolute path>" per line; rewritten only when it changes.
    set(list_file "${gen_dir}/${name}_embedded.list")
    string(REPLACE ";" "\n" entries_text "${entries}")
    file(CONFIGURE OUTPUT "${list_file}" CONTENT "${entries_text}\n" @ONLY)
    add_custom_command(
      OUTPUT "${gen}" "${manifest}"
      COMMAND "${CMAKE_COMMAND}" "-DCHIMP_EMBED_ID=${id}" "-DCHIMP_EMBED_LIST=${list_file}"
              "-DCHIMP_EMBED_OUTPUT=${gen}" "-DCHIMP_EMBED_MANIFEST=${manifest}"
              -P "${_CHIMP_PLUGIN_CMAKE_DIR}/chimp_embed_sql.cmake"
      DEPENDS ${files} "${list_file}" "${_CHIMP_PLUGIN_CMAKE_DIR}/chimp_embed_sql.cmake"
      COMMENT "Embedding SQL into ${name}"
      VERBATIM)
    # .incbin reads the files when the generated source is assembled.
    set_source_files_properties("${gen}" PROPERTIES GENERATED TRUE OBJECT_DEPENDS "${files}")
    set(embedded_sources "${gen}")
  endif()

  add_library(${name} MODULE ${ARG_SOURCES} ${embedded_sources})
  target_link_libraries(${name} PRIVATE chimp::plugin-api)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT APPLE AND NOT WIN32)
    target_link_options(${name} PRIVATE "LINKER:--version-script=${_CHIMP_PLUGIN_MAP}" "LINKER:-z,defs")
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${_CHIMP_PLUGIN_MAP}")
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
endfunction()
