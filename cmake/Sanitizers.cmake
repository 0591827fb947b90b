# AddressSanitizer + UBSan for the whole build (preset `asan`); any report aborts the test.
if(SCTPS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SCTPS_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SCTPS_BUILD_FUZZ needs clang (libFuzzer); use the `fuzz` preset")
  endif()
  # Instrument the library too, so the fuzzer sees coverage inside the codecs.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
