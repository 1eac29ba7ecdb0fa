# Helpers that give every vmsg target the same flags: warnings (errors for our code only;
# third-party headers come from system include paths and stay quiet), sanitizers, tests.

set(VMSG_WARNINGS -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND VMSG_WARNINGS -Wshadow=local)
endif()
if(VMSG_WERROR)
  list(APPEND VMSG_WARNINGS -Werror)
endif()
if(VMSG_SANITIZE)
  # GCC's flow analysis gives false maybe-uninitialized reports on sanitized code, and at -O1
  # takes Asio's coroutine frame allocator for a mismatched new and delete in more files
  # than the ones src/http/CMakeLists.txt names.
  list(APPEND VMSG_WARNINGS -Wno-maybe-uninitialized)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND VMSG_WARNINGS -Wno-mismatched-new-delete)
  endif()
endif()

if(VMSG_SANITIZE)
  string(REPLACE "," ";" _vmsg_sanitizers "${VMSG_SANITIZE}")
  foreach(_s IN LISTS _vmsg_sanitizers)
    add_compile_options(-fsanitize=${_s})
    add_link_options(-fsanitize=${_s})
  endforeach()
  add_compile_options(-fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()

if(VMSG_FUZZ)
  # Address only: clang 14 cannot compile coroutines with fuzzer and undefined together
  # ("Cannot represent a difference across sections"); UBSan runs in the VMSG_SANITIZE build.
  add_compile_options(-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
endif()

# Asio and Beast are compiled once (in vmsg_http) instead of in every file that uses them.
add_compile_definitions(BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                        BOOST_ASIO_NO_DEPRECATED)

# vmsg_library(NAME SOURCES ... [DEPS ...]): the static library vmsg_NAME for src/NAME.
function(vmsg_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(vmsg_${name} STATIC ${ARG_SOURCES})
  target_include_directories(vmsg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(vmsg_${name} PRIVATE ${VMSG_WARNINGS})
  target_link_libraries(vmsg_${name} PUBLIC ${ARG_DEPS})
endfunction()

# Real photos for the composition tests, put there by scripts/test-photos.sh (make test).
set(VMSG_TEST_PHOTOS "${PROJECT_SOURCE_DIR}/build/test-photos" CACHE PATH
    "Folder of the test photos (scripts/test-photos.sh)")

# vmsg_test(NAME SOURCES ... [DEPS ...] [LABELS ...]): a GoogleTest binary run by CTest.
function(vmsg_test name)
  if(VMSG_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${VMSG_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 600
                       ENVIRONMENT "VMSG_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMSG_TEST_PHOTOS=${VMSG_TEST_PHOTOS}")
endfunction()
