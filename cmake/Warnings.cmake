# Warnings for every target of the project; errors in CI (SCTPS_WERROR, on by default).
add_library(sctps_warnings INTERFACE)
target_compile_options(sctps_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # -Wrestrict: GCC 12 reports false positives inside std::string at -O2 (GCC bug 105329).
  target_compile_options(sctps_warnings INTERFACE -Wduplicated-cond -Wlogical-op -Wuseless-cast
                                                  -Wno-restrict)
endif()
if(SCTPS_WERROR)
  target_compile_options(sctps_warnings INTERFACE -Werror)
endif()

# Test and benchmark code uses third-party macros that trip the stricter conversions.
add_library(sctps_test_warnings INTERFACE)
target_compile_options(sctps_test_warnings INTERFACE -Wall -Wextra -Wshadow
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(SCTPS_WERROR)
  target_compile_options(sctps_test_warnings INTERFACE -Werror)
endif()
