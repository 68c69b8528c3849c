# Debian packages, built by `cpack` (or `cmake --build build --target package`)
# in the build directory:
#   chimp_<version>_<arch>.deb      the chimp command (component runtime):
#       /usr/bin/chimp, its man page chimp(1), the bash completion, the
#       copyright file; its shared-library dependencies come from
#       dpkg-shlibdeps.
#   chimp-dev_<version>_all.deb     the plugin SDK (component dev): the
#       headers (plugin_abi.h, sdk/*.hpp), the CMake package of
#       find_package(chimp) in /usr/lib/cmake/chimp, the templates of
#       `chimp create`; depends on the same version of chimp (chimp::chimp,
#       plugins verify) and on what a plugin build needs (CMake, a C++20
#       compiler; the SDK is header-only and needs no other library).
# tests/package/package_test.sh builds both, extracts them into a clean
# directory and checks them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME chimp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "chimp developers")
set(CPACK_PACKAGE_CONTACT "chimp developers <dev@chimp.invalid>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Only these two: anything else the tree installs stays out of the packages.
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME chimp)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# migrate --backup runs mariadb-dump, restore the mariadb client; graph
# --format svg/png runs Graphviz's dot.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "mariadb-client | default-mysql-client")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "graphviz, chimp-dev")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "schema migrations for MySQL and MariaDB, compiled as plugins
 chimp discovers migration plugins (.so files) at run time, builds the version
 graph from the edges they declare and runs the shortest path from the
 database's version to the target, recording every step in a changelog.
 This package holds the chimp command, its man page and bash completion.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME chimp-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "chimp (= ${CPACK_PACKAGE_VERSION}), cmake (>= 3.22), g++ (>= 4:11) | c++-compiler")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "SDK for chimp migration plugins
 The plugin ABI header (chimp/plugin_abi.h), the header-only C++ SDK
 (chimp/sdk/*.hpp), the CMake package that plugin projects use with
 find_package(chimp) (chimp_add_plugin, chimp_add_bundle, chimp::chimp), and
 the project templates of `chimp create`.")

include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/chimp-dev
        COMPONENT dev)
include(CPack)
