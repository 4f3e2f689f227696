# Warning, hardening and sanitizer flags shared by every target (SECURITY.md (c) "Build").
add_library(xmpp_build_flags INTERFACE)
target_compile_options(xmpp_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Wnull-dereference -fstack-protector-strong)
# g++ 12 false positive on coroutine frames (allocated and freed by the compiler).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(xmpp_build_flags INTERFACE -Wno-mismatched-new-delete)
  # In a unity build every source is an included file, so g++ takes a type from a file's
  # anonymous namespace used in a class or coroutine frame of that file for one shared through
  # a header (-Wsubobject-linkage); each is still defined in exactly one source.
  if(CMAKE_UNITY_BUILD)
    target_compile_options(xmpp_build_flags INTERFACE -Wno-subobject-linkage)
  endif()
  # g++ 12 at -O3 (Release) warns -Wrestrict inside std::string's operator+ (GCC PR 105329,
  # fixed in 13): a false positive in libstdc++, not in our code.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(xmpp_build_flags INTERFACE -Wno-restrict)
  endif()
endif()
if(XMPP_WERROR)
  target_compile_options(xmpp_build_flags INTERFACE -Werror)
endif()
# Boost 1.74's Asio coroutine support needs these under clang (STYLE.md "Async").
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_definitions(xmpp_build_flags INTERFACE BOOST_ASIO_HAS_CO_AWAIT BOOST_ASIO_HAS_STD_COROUTINE)
  target_compile_options(xmpp_build_flags INTERFACE -Wno-unused-command-line-argument)
endif()
target_compile_definitions(xmpp_build_flags INTERFACE BOOST_ASIO_NO_DEPRECATED)
# The fuzz build (fuzz/run) is a sanitizer build; its coverage flags follow below.
if(XMPP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "XMPP_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(XMPP_SANITIZE ON)
endif()
if(XMPP_SANITIZE)
  target_compile_options(xmpp_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(xmpp_build_flags INTERFACE -fsanitize=address,undefined)
else()
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    target_compile_definitions(xmpp_build_flags INTERFACE _FORTIFY_SOURCE=2)
  endif()
  target_link_options(xmpp_build_flags INTERFACE -Wl,-z,relro,-z,now)
endif()
# The ASan+UBSan test build links position-dependent executables: as a PIE, its instrumented data
# (sanitizer and coverage tables) needed 6.1 million R_X86_64_RELATIVE relocations, applied at
# every start, so each `xmpp` process took 1 s to start and the integration suite, which starts
# hundreds, took 17 minutes. Hardening is the normal build's job; this build hunts memory errors.
if(XMPP_SANITIZE AND NOT XMPP_FUZZ)
  target_link_options(xmpp_build_flags INTERFACE -no-pie)
endif()
# The fuzz build: coverage instrumentation for libFuzzer in every library (the fuzz targets link
# the libFuzzer driver themselves, fuzz/CMakeLists.txt). clang 14 cannot emit coroutine frames
# with both coverage and -fsanitize=function ("Cannot represent a difference across sections"), so
# that one UBSan check (calls through a mistyped function pointer) is left out; it must come after
# -fsanitize=undefined above to take effect.
if(XMPP_FUZZ)
  target_compile_options(xmpp_build_flags INTERFACE -fsanitize=fuzzer-no-link -fno-sanitize=function)
  target_link_options(xmpp_build_flags INTERFACE -fno-sanitize=function)
endif()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
# Line coverage (issue 11): gcov instrumentation, read by scripts/coverage after the suites ran.
# scripts/test turns it on in the ASan+UBSan build, which runs every suite anyway.
# -fprofile-abs-path: the notes name every source by absolute path (gcov's reports of a unity
# batch otherwise name some headers relatively, e.g. "session.hpp").
if(XMPP_COVERAGE)
  target_compile_options(xmpp_build_flags INTERFACE --coverage -fprofile-abs-path)
  target_link_options(xmpp_build_flags INTERFACE --coverage)
endif()
