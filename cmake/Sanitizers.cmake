# SPDX-License-Identifier: MIT
# FACTORSCOPE_SANITIZE: every target built with AddressSanitizer and UndefinedBehaviorSanitizer
# (any UB is fatal), for `scripts/sanitize.sh` and .ci/run. GCC or Clang.
# FACTORSCOPE_FUZZ: the libFuzzer targets of tests/fuzz (Clang only; implies the sanitizers).
# Only the readers (core/io) and the image open path carry libFuzzer's coverage instrumentation,
# so the sanitized test suite does not pay for it elsewhere.
option(FACTORSCOPE_SANITIZE "Build with -fsanitize=address,undefined (-fno-sanitize-recover=undefined)" OFF)
option(FACTORSCOPE_FUZZ "Build the libFuzzer targets in tests/fuzz (Clang; implies FACTORSCOPE_SANITIZE)" OFF)

if(FACTORSCOPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FACTORSCOPE_FUZZ needs Clang with libFuzzer (Debian: clang-14 libfuzzer-14-dev "
                        "libclang-rt-14-dev; configure with -DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  set(FACTORSCOPE_SANITIZE ON CACHE BOOL "" FORCE)
endif()

if(FACTORSCOPE_SANITIZE)
  set(FS_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${FS_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
endif()

# Coverage instrumentation for libFuzzer on the given sources, as compiled by the targets of
# directory DIR: fs_fuzz_instrument(DIR file...).
function(fs_fuzz_instrument dir)
  if(FACTORSCOPE_FUZZ)
    set_source_files_properties(${ARGN} DIRECTORY ${dir} PROPERTIES COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
  endif()
endfunction()
