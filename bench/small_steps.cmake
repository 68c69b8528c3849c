# The small-steps benchmark (issue 13, W1 and W2). Only the generator is
# built by `all`; the rest on request:
#   cmake --build build --target chimp_bench_small_steps
# which builds the generator, writes the 300 migrations into
# build/bench/small_steps/ (sql/, all.sql, dbmate/, plugins/), builds the
# plugins (small_steps/p30/*.so: 30 plugins x 10 steps; small_steps/p300/*.so:
# 300 plugins x 1 step) and the driver. One SDK compile serves every plugin
# (small_steps_plugin.cpp as an object library); each plugin adds its spec,
# a string literal with no includes. bench/small_steps.sh runs it.
set(CHIMP_SMALL_STEPS_DIR "${CMAKE_CURRENT_BINARY_DIR}/small_steps")

# The generator alone is in `all` (one small file), for the ctest
# bench_small_steps_generator (tests/CMakeLists.txt, bench/small_steps_smoke.sh).
add_executable(chimp_bench_small_steps_gen small_steps_gen.cpp)

set(_specs "")
set(_p30 "")
set(_p300 "")
foreach(i RANGE 1 300)
  string(LENGTH "${i}" _len)
  math(EXPR _pad "3 - ${_len}")
  string(REPEAT "0" ${_pad} _zeros)
  list(APPEND _p300 "p300_${_zeros}${i}")
  if(i LESS_EQUAL 30)
    math(EXPR _pad "2 - ${_len}")
    if(_pad GREATER 0)
      set(_zeros "0")
    else()
      set(_zeros "")
    endif()
    list(APPEND _p30 "p30_${_zeros}${i}")
  endif()
endforeach()
foreach(p IN LISTS _p30 _p300)
  list(APPEND _specs "${CHIMP_SMALL_STEPS_DIR}/plugins/${p}.cpp")
endforeach()

add_custom_command(
  OUTPUT ${_specs} "${CHIMP_SMALL_STEPS_DIR}/all.sql"
  COMMAND chimp_bench_small_steps_gen "${CHIMP_SMALL_STEPS_DIR}"
  DEPENDS chimp_bench_small_steps_gen
  COMMENT "Generating the 300 small migrations (bench/small_steps_gen.cpp)"
  VERBATIM)
add_custom_target(chimp_bench_small_steps_sources DEPENDS ${_specs} "${CHIMP_SMALL_STEPS_DIR}/all.sql")

add_library(chimp_bench_small_steps_body OBJECT EXCLUDE_FROM_ALL small_steps_plugin.cpp)
target_link_libraries(chimp_bench_small_steps_body PRIVATE chimp::plugin-api)
set_target_properties(chimp_bench_small_steps_body PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)

add_executable(chimp_bench_small_steps EXCLUDE_FROM_ALL small_steps_bench.cpp)
target_link_libraries(chimp_bench_small_steps PRIVATE PkgConfig::MARIADB)
target_compile_definitions(chimp_bench_small_steps PRIVATE
  CHIMP_BENCH_DEFAULT_CHIMP="$<TARGET_FILE:chimp>"
  CHIMP_BENCH_DEFAULT_DATA="${CHIMP_SMALL_STEPS_DIR}")
add_dependencies(chimp_bench_small_steps chimp chimp_bench_small_steps_sources)

foreach(p IN LISTS _p30 _p300)
  string(REGEX REPLACE "_.*" "" _variant "${p}")
  chimp_add_plugin(chimp_bench_${p}
                   SOURCES $<TARGET_OBJECTS:chimp_bench_small_steps_body> "${CHIMP_SMALL_STEPS_DIR}/plugins/${p}.cpp"
                   OUTPUT_DIRECTORY "${CHIMP_SMALL_STEPS_DIR}/${_variant}")
  set_target_properties(chimp_bench_${p} PROPERTIES EXCLUDE_FROM_ALL TRUE OUTPUT_NAME "${p}")
  add_dependencies(chimp_bench_${p} chimp_bench_small_steps_sources)
  add_dependencies(chimp_bench_small_steps chimp_bench_${p})
endforeach()
