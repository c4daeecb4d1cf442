# Where `cmake --install` puts ringctl's files (the places Debian expects them), and how CPack
# turns that into three .deb packages: ringctl (the CLI), ringd (the agent, its unit, its user
# and /etc/ringd/ringd.yaml) and ringnode (the lab node). Every install rule names its
# component, which is its package. Build and check the packages: scripts/package_test.sh.
include(GNUInstallDirs)

# ---- install layout ----

install(TARGETS ringctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ringctl)
install(TARGETS ringd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT ringd)  # a daemon: section 8, sbin
install(TARGETS ringnode RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ringnode)

# A page's package is the program it is about: ringctl.1 and ringctl-*.N go with ringctl, and so on.
function(ringctl_package_of_page page out)
  string(REGEX MATCH "^(ringctl|ringd|ringnode)" program "${page}")
  if(NOT program)
    message(FATAL_ERROR "man/${page}: name it after the program it documents (ringctl, ringd or ringnode)")
  endif()
  set(${out} ${program} PARENT_SCOPE)
endfunction()

# Debian ships man pages and changelogs compressed (gzip -9n: no name or time, so reproducible).
# Compressed at configure time; CONFIGURE_DEPENDS reruns it when a page changes or is added.
function(ringctl_gzip source destination)
  get_filename_component(directory "${destination}" DIRECTORY)
  file(MAKE_DIRECTORY "${directory}")
  execute_process(COMMAND gzip -9nc "${source}" OUTPUT_FILE "${destination}" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "gzip ${source} failed")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${source}")
endfunction()

file(GLOB ringctl_man_pages CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}/man" "${PROJECT_SOURCE_DIR}/man/*.[1-8]")
foreach(page IN LISTS ringctl_man_pages)
  string(REGEX MATCH "[1-8]$" section "${page}")
  ringctl_package_of_page("${page}" package)
  ringctl_gzip("${PROJECT_SOURCE_DIR}/man/${page}" "${PROJECT_BINARY_DIR}/man/${page}.gz")
  install(FILES "${PROJECT_BINARY_DIR}/man/${page}.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${package})
endforeach()

install(FILES completions/ringctl.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ringctl COMPONENT ringctl)
install(FILES completions/_ringctl DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT ringctl)
install(FILES completions/ringctl.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d COMPONENT ringctl)
# The shipped playbooks (playbook list finds them under <prefix>/share/ringctl/playbooks).
install(DIRECTORY playbooks/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ringctl/playbooks COMPONENT ringctl)

# ringd's configuration, its user and its unit. With the prefix /usr (the packages) the config
# lands in /etc and the unit in /lib/systemd/system; under another prefix both stay beneath it.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ringctl_default_unit_dir /lib/systemd/system)
else()
  set(ringctl_default_unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(RINGCTL_SYSTEMD_UNIT_DIR ${ringctl_default_unit_dir} CACHE PATH "Where ringd.service is installed")
set(RINGD_CONFIG_FILE ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ringd/ringd.yaml)
set(RINGD_EXECUTABLE ${CMAKE_INSTALL_FULL_SBINDIR}/ringd)
configure_file(agent/ringd.service.in ${PROJECT_BINARY_DIR}/packaging/ringd.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/ringd.service DESTINATION ${RINGCTL_SYSTEMD_UNIT_DIR} COMPONENT ringd)
install(FILES packaging/ringd/ringd.sysusers DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d RENAME ringd.conf
        COMPONENT ringd)
install(FILES agent/ringd.example.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ringd RENAME ringd.yaml
        COMPONENT ringd)
# Examples of the other two configs, documented in their man pages.
install(FILES cli/clusters.example.yaml DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/ringctl/examples
        RENAME clusters.yaml COMPONENT ringctl)
install(FILES labnode/ringnode.example.yaml DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/ringnode/examples
        RENAME ringnode.yaml COMPONENT ringnode)

# Each package's copyright and changelog (Debian policy 12.5 and 12.7).
foreach(package ringctl ringd ringnode)
  configure_file(packaging/changelog.in ${PROJECT_BINARY_DIR}/packaging/${package}/changelog @ONLY)
  ringctl_gzip(${PROJECT_BINARY_DIR}/packaging/${package}/changelog ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.gz)
  install(FILES packaging/copyright ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${package})
endforeach()

# ---- the .deb packages ----

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ringctl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ringctl maintainers <ringctl-maintainers@lists.example.org>")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ringctl ringd ringnode)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # Depends from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RINGCTL_PACKAGE_NAME ringctl)
set(CPACK_DEBIAN_RINGCTL_DESCRIPTION "operator CLI for Cassandra-style token rings
ringctl shows a cluster's ring (status, ring, netstats, info, gossipinfo,
describering, getendpoints, token) as nodetool does, from a snapshot file
or live through the ringd agents, runs operations (decommission,
removenode, repair, cleanup) as tracked jobs, and starts local labs.")

set(CPACK_DEBIAN_RINGD_PACKAGE_NAME ringd)
set(CPACK_DEBIAN_RINGD_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RINGD_DESCRIPTION "per-node agent of ringctl
ringd runs beside a database node: it caches the node's view of the
cluster, serves it over HTTP(S) with bearer tokens, runs long operations
as jobs with progress, and exposes Prometheus metrics. The package ships a
hardened systemd unit, which it neither enables nor starts.")
# systemd-sysusers creates the ringd user (lib/sysusers.d/ringd.conf) from postinst.
set(CPACK_DEBIAN_RINGD_PACKAGE_DEPENDS "systemd | systemd-standalone-sysusers | systemd-sysusers")
set(CPACK_DEBIAN_RINGD_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/ringd/postinst ${PROJECT_SOURCE_DIR}/packaging/ringd/prerm
    ${PROJECT_SOURCE_DIR}/packaging/ringd/postrm ${PROJECT_SOURCE_DIR}/packaging/ringd/conffiles)
set(CPACK_DEBIAN_RINGD_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

set(CPACK_DEBIAN_RINGNODE_PACKAGE_NAME ringnode)
set(CPACK_DEBIAN_RINGNODE_PACKAGE_SECTION database)
set(CPACK_DEBIAN_RINGNODE_DESCRIPTION "small Cassandra-style data node for ringctl labs
ringnode is a real, small Cassandra-style node (vnode tokens, gossip with
a phi-accrual failure detector, RocksDB storage, streaming and repair)
that `ringctl lab` starts several of on one machine, so that ring
operations can be practised and tested without a real cluster.")

include(CPack)
