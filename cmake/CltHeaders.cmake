# Each library's public headers, and only those, through its own include root.
#
#   clt_public_headers(TARGET DIR [HEADERS h.h ...] [EXCLUDE h.h ...])
#
# Links the headers of src/DIR (every *.h there, or only HEADERS, less
# EXCLUDE) into ${CMAKE_BINARY_DIR}/include/TARGET/DIR and makes that root an
# include directory of TARGET and of whatever links it. Includes keep their
# form, `#include "DIR/x.h"`, but resolve only in a target that links the
# library owning the header: a library can include only what it links.
function(clt_public_headers target dir)
  cmake_parse_arguments(H "" "" "HEADERS;EXCLUDE" ${ARGN})
  set(source ${CLT_SOURCE_DIR}/src/${dir})
  if(H_HEADERS)
    set(headers ${H_HEADERS})
  else()
    file(GLOB headers CONFIGURE_DEPENDS RELATIVE ${source} ${source}/*.h)
  endif()
  if(H_EXCLUDE)
    list(REMOVE_ITEM headers ${H_EXCLUDE})
  endif()
  set(root ${CMAKE_BINARY_DIR}/include/${target})
  # Afresh each configure, so that a header moved or deleted is gone here too.
  file(REMOVE_RECURSE ${root}/${dir})
  file(MAKE_DIRECTORY ${root}/${dir})
  foreach(header ${headers})
    if(NOT EXISTS ${source}/${header})
      message(FATAL_ERROR "clt_public_headers(${target}): no header ${source}/${header}")
    endif()
    file(CREATE_LINK ${source}/${header} ${root}/${dir}/${header} SYMBOLIC)
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
