# `make package`: one .deb with everything (CPack's DEB generator). Runtime
# dependencies come from dpkg-shlibdeps; the maintainer scripts need adduser.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME clt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Cross-Layer Telemetry: OpenTelemetry traces with the network's IPv6 IOAM per-hop telemetry")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "The clt binary (collector, agent, decoder, topologies, demo), libclt.so with\n"
       "its C header and pkg-config file, and the systemd units clt-collector.service\n"
       "and clt-agent@.service (the instance is the interface).")
set(CPACK_PACKAGE_CONTACT "clt maintainers <root@localhost>")
# The install step runs with DESTDIR and the real prefix, so the files written
# at install time (units, clt.pc) name /usr, not the staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The default install plus the services' component.
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${CMAKE_BINARY_DIR};clt;ALL;/"
    "${CMAKE_BINARY_DIR};clt;service;/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A shlibs file for libclt.so.0 and the ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
# `clt collector --store clickhouse://...` talks to a ClickHouse server, here
# or elsewhere: not needed to install or run clt otherwise.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS clickhouse-server)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
include(CPack)
