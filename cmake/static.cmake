# XMPP_STATIC (issue 10, bench/PROFILE.md recommendation 2): link libstdc++, libgcc and every
# dependency Debian ships as a static archive into the executables; glibc (and with it the
# dynamic loader, NSS and iconv) stays shared. Debian's Xerces-C drags 28 more shared libraries
# (libcurl-gnutls, GnuTLS, Kerberos, LDAP, ...) into every process for a URL fetcher our parser
# never uses: the static link halves the CPU time of a run and takes ~9 MiB off its peak RSS.
#
# Included twice from the top level: with XMPP_STATIC_STAGE "find" before the find_package()
# calls (find_library must then prefer .a files), and "targets" after them. Use a fresh build
# directory: find_library caches what it found, so switching the option in an existing one
# keeps the shared libraries.
if(XMPP_STATIC_STAGE STREQUAL "find")
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  # Xerces-C (FindXercesC) and pkg_check_modules' IMPORTED_TARGETs (libidn2, libidn, c-ares)
  # resolve their -l names with find_library, which then takes the archive.
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  return()
endif()

set(xmpp_static_dir /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
function(xmpp_static_archive name)
  find_library(XMPP_STATIC_${name} NAMES lib${name}.a REQUIRED)
  message(STATUS "XMPP_STATIC: ${XMPP_STATIC_${name}}")
endfunction()
xmpp_static_archive(icuuc)
xmpp_static_archive(icudata)
xmpp_static_archive(unistring)

# libxmpp_jid links libunistring by its bare name (libshared/CMakeLists.txt), which the linker
# would resolve to the shared library: a target of that name takes precedence.
add_library(unistring STATIC IMPORTED GLOBAL)
set_target_properties(unistring PROPERTIES IMPORTED_LOCATION ${XMPP_STATIC_unistring})

# libxerces-c.a needs ICU (transcoding) and libcurl (its network accessor). Debian ships no
# libcurl.a; the stubs make every URL fetch fail, which is what our parser wants anyway (it loads
# no external entity: SECURITY.md). Threads: Xerces' mutexes.
find_package(Threads REQUIRED)
add_library(xmpp_xerces_no_network STATIC ${PROJECT_SOURCE_DIR}/cmake/static/xerces_no_network.cpp)
set_target_properties(xmpp_xerces_no_network PROPERTIES UNITY_BUILD OFF)
target_link_libraries(xmpp_xerces_no_network PRIVATE xmpp_build_flags)
set_property(TARGET XercesC::XercesC APPEND PROPERTY INTERFACE_LINK_LIBRARIES
  xmpp_xerces_no_network ${XMPP_STATIC_icuuc} ${XMPP_STATIC_icudata} Threads::Threads
  ${CMAKE_DL_LIBS})

# Debian ships no libfmt.a: fmt is compiled into each user from its headers instead. fmt::fmt
# still names libfmt.so on the link line; --as-needed drops it (and any other shared library
# nothing refers to) from the executable's DT_NEEDED list.
set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)

target_link_options(xmpp_build_flags INTERFACE -static-libstdc++ -static-libgcc
  -Wl,--as-needed -Wl,--gc-sections)
# Every function in its own section, so --gc-sections drops what the archives hold and we never
# call (most of OpenSSL, ICU and Xerces).
target_compile_options(xmpp_build_flags INTERFACE -ffunction-sections -fdata-sections)
# Relative relocations packed (DT_RELR, binutils 2.38+): a PIE's start-up relocation work and its
# dirty .data.rel.ro pages shrink (PROFILE.md: 20.3 -> 11.3 MiB with it).
include(CheckLinkerFlag)
check_linker_flag(CXX -Wl,-z,pack-relative-relocs XMPP_HAVE_PACK_RELATIVE_RELOCS)
if(XMPP_HAVE_PACK_RELATIVE_RELOCS)
  target_link_options(xmpp_build_flags INTERFACE -Wl,-z,pack-relative-relocs)
endif()
