# Writes the header of `xmpp --version` (cli/version_info.cpp) at BUILD time, run by the
# xmpp_build_version target of cli/CMakeLists.txt:
#   cmake -DSOURCE_DIR=... -DOUTPUT=.../build_version.hpp -DPROJECT_VERSION=0.1.0 -P version.cmake
# The git description is `git describe --tags --always --dirty` of SOURCE_DIR, or empty without
# git, without .git (a tarball-like checkout) or when SOURCE_DIR is only a subdirectory of some
# other repository. The header is rewritten only when its text changes, so an unchanged build
# recompiles nothing and a new commit recompiles one file.
foreach(var SOURCE_DIR OUTPUT PROJECT_VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "version.cmake: -D${var}=... is required")
  endif()
endforeach()

set(describe "")
find_program(XMPP_GIT git)
if(XMPP_GIT)
  # The repository is the one of SOURCE_DIR, whatever the caller's environment points at.
  unset(ENV{GIT_DIR})
  unset(ENV{GIT_WORK_TREE})
  execute_process(COMMAND ${XMPP_GIT} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE toplevel RESULT_VARIABLE toplevel_rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(toplevel_rc EQUAL 0)
    file(REAL_PATH "${toplevel}" toplevel)
    file(REAL_PATH "${SOURCE_DIR}" source_dir)
    if(toplevel STREQUAL source_dir)
      execute_process(COMMAND ${XMPP_GIT} -C ${SOURCE_DIR} describe --tags --always --dirty
                      OUTPUT_VARIABLE describe RESULT_VARIABLE describe_rc
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(NOT describe_rc EQUAL 0)
        set(describe "")
      endif()
    endif()
  endif()
endif()
# A tag may hold characters a C string literal must escape.
string(REPLACE "\\" "\\\\" describe "${describe}")
string(REPLACE "\"" "\\\"" describe "${describe}")

set(text "// Generated at build time by cmake/version.cmake; do not edit.
#pragma once
#define XMPP_PROJECT_VERSION \"${PROJECT_VERSION}\"
#define XMPP_GIT_DESCRIBE \"${describe}\"
")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
