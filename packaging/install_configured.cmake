# Runs inside `cmake --install` (and CPack's install step), where
# CMAKE_INSTALL_PREFIX is the prefix being installed to. Writes CLT_TEMPLATE
# with that prefix's paths and installs it to CLT_DESTINATION. The template may
# use @prefix@, @bindir@, @libdir@, @includedir@, @docdir@ and
# @CLT_VERSION@.
set(prefix "${CMAKE_INSTALL_PREFIX}")
foreach(dir bindir libdir includedir docdir)
  string(TOUPPER ${dir} var)
  if(IS_ABSOLUTE "${CLT_${var}}")
    set(${dir} "${CLT_${var}}")
  else()
    set(${dir} "${prefix}/${CLT_${var}}")
  endif()
endforeach()
if(IS_ABSOLUTE "${CLT_DESTINATION}")
  set(destination "${CLT_DESTINATION}")
else()
  set(destination "${prefix}/${CLT_DESTINATION}")
endif()
configure_file("${CLT_TEMPLATE}" "${CLT_OUTPUT}" @ONLY)
file(INSTALL "${CLT_OUTPUT}" DESTINATION "${destination}" PERMISSIONS OWNER_READ OWNER_WRITE
                                                                      GROUP_READ WORLD_READ)
