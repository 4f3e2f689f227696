# `cmake --install` and `cpack -G DEB` (issue 13), laid out where Debian looks: the binary, the
# man pages gzipped the way Debian does (gzip -9n: no name, no time stamp, so reproducible), and
# the bash, zsh and fish completions. Included from the top level only when cli/ is built.
include(GNUInstallDirs)

install(TARGETS xmpp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The .gz files are made at build time in the build directory; install only copies them.
file(GLOB xmpp_man_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.1)
set(xmpp_man_gz)
foreach(page IN LISTS xmpp_man_pages)
  get_filename_component(name ${page} NAME)
  set(gz ${PROJECT_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E copy ${page} ${PROJECT_BINARY_DIR}/man/${name}
    COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/man/${name}
    DEPENDS ${page}
    COMMENT "Compressing man/${name}"
    VERBATIM)
  list(APPEND xmpp_man_gz ${gz})
endforeach()
add_custom_target(xmpp_man_gz ALL DEPENDS ${xmpp_man_gz})
# Building the binary also builds what installs beside it, so `ninja xmpp` is enough to install.
add_dependencies(xmpp xmpp_man_gz)
install(FILES ${xmpp_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES completions/xmpp.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME xmpp)
install(FILES completions/_xmpp DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/xmpp.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# The package. Its long description is README's first paragraph, read at configure time.
file(READ ${PROJECT_SOURCE_DIR}/README.md xmpp_readme)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/README.md)
if(NOT xmpp_readme MATCHES "^# [^\n]*\n\n([^#\n][^\n]*(\n[^\n]+)*)")
  message(FATAL_ERROR "README.md: no first paragraph after the title for the package description")
endif()
string(REPLACE "`" "" xmpp_paragraph "${CMAKE_MATCH_1}")
# Rewrapped to 79 columns: Debian's extended description lines stay within 80 (Policy 5.6.13).
string(REPLACE ";" "<semicolon>" xmpp_paragraph "${xmpp_paragraph}")  # ";" separates CMake lists
string(REGEX REPLACE "[ \n]+" ";" xmpp_words "${xmpp_paragraph}")
set(xmpp_description "")
set(xmpp_line "")
foreach(word IN LISTS xmpp_words)
  string(LENGTH "${xmpp_line} ${word}" xmpp_length)
  if(xmpp_line STREQUAL "")
    set(xmpp_line "${word}")
  elseif(xmpp_length GREATER 79)
    string(APPEND xmpp_description "${xmpp_line}\n")
    set(xmpp_line "${word}")
  else()
    string(APPEND xmpp_line " ${word}")
  endif()
endforeach()
string(APPEND xmpp_description "${xmpp_line}")
string(REPLACE "<semicolon>" ";" xmpp_description "${xmpp_description}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xmpp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the xmpp authors")
set(CPACK_PACKAGE_CONTACT "xmpp maintainers <xmpp@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "XMPP command line for people, cron jobs and CI pipelines")
set(CPACK_PACKAGE_DESCRIPTION "${xmpp_description}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# Depends computed by dpkg-shlibdeps from the binary's NEEDED libraries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
