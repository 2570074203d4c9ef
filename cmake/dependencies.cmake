# Finds the project's dependencies. Natively they come from Debian's packages; under
# Emscripten, whose sysroot must not see /usr/include, a folder of links exposes
# only the header-only libraries the core needs.
if(EMSCRIPTEN)
  set(CONSENTRY_WASM_INCLUDE "${CMAKE_BINARY_DIR}/third-party-include")
  file(MAKE_DIRECTORY "${CONSENTRY_WASM_INCLUDE}")
  foreach(library nlohmann boost doctest)
    if(NOT EXISTS "${CONSENTRY_WASM_INCLUDE}/${library}")
      file(CREATE_LINK "/usr/include/${library}" "${CONSENTRY_WASM_INCLUDE}/${library}" SYMBOLIC)
    endif()
  endforeach()
  add_library(consentry_third_party INTERFACE)
  target_include_directories(consentry_third_party SYSTEM INTERFACE "${CONSENTRY_WASM_INCLUDE}")
  target_compile_definitions(consentry_third_party INTERFACE JSON_NOEXCEPTION BOOST_NO_EXCEPTIONS
                                                             BOOST_EXCEPTION_DISABLE)
else()
  find_package(nlohmann_json 3.11 REQUIRED)
  find_package(Boost 1.81 EXACT REQUIRED)
  add_library(consentry_third_party INTERFACE)
  target_link_libraries(consentry_third_party INTERFACE nlohmann_json::nlohmann_json Boost::headers)
endif()

# Warnings are errors in our own code, never in third-party headers.
add_library(consentry_warnings INTERFACE)
target_compile_options(consentry_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                    -Wno-sign-conversion -Werror
                                                    # GCC 12 at -O3 (the release preset) warns falsely on
                                                    # `"literal" + std::string` (GCC bug 105651).
                                                    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<CONFIG:Release>>:-Wno-restrict>)
