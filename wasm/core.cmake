# The core's module, build/wasm/dist/consentry-core.{js,wasm}: one ES module holding the
# raw exports of the tracker engine, and the hand-written JS layer over them (engine.js,
# with its .d.ts) copied beside it.
#
# Adding to this module (the notice renderer and the consent engine, which today build
# their own module in render.cmake):
#  - C++: add the file to consentry_core_bindings. Its `extern "C"` functions marked
#    EMSCRIPTEN_KEEPALIVE are exported as Module._name: there is no export list to edit
#    (drop a duplicate consentry_alloc/consentry_free: the ones here are 8-byte aligned).
#    For Embind bindings, add `-lembind` to consentry_wasm_link_options.
#  - JS: add its file to consentry_core_js; it imports './consentry-core.js' or engine.js's
#    loadCore(), which hands out the instantiated module.
set(consentry_dist "${CMAKE_BINARY_DIR}/dist")
set(consentry_core_bindings "${PROJECT_SOURCE_DIR}/bindings/blocker_exports.cpp")
set(consentry_core_js "${PROJECT_SOURCE_DIR}/bindings/js/engine.js" "${PROJECT_SOURCE_DIR}/bindings/js/engine.d.ts"
                      "${PROJECT_SOURCE_DIR}/bindings/js/package.json")

add_executable(consentry_wasm ${consentry_core_bindings})
target_link_libraries(consentry_wasm PRIVATE consentry::core consentry_warnings)
set_target_properties(consentry_wasm PROPERTIES OUTPUT_NAME consentry-core SUFFIX ".js"
                                                RUNTIME_OUTPUT_DIRECTORY "${consentry_dist}")

# An ES module for browsers and workers (Node loads it too, given `wasmBinary`: the JS
# layer reads the .wasm itself). No eval (CSP), no file system, exceptions off, size first;
# memory starts small and grows with the rules images loaded into it.
set(consentry_wasm_link_options
    -Oz -fno-exceptions -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createConsentryCore
    -sENVIRONMENT=web,worker -sDYNAMIC_EXECUTION=0 -sFILESYSTEM=0 -sALLOW_MEMORY_GROWTH=1
    -sINITIAL_MEMORY=1MB -sTOTAL_STACK=256KB -sEXIT_RUNTIME=0 -sMALLOC=emmalloc
    -sINCOMING_MODULE_JS_API=[wasmBinary,locateFile,instantiateWasm,print,printErr])
target_link_options(consentry_wasm PRIVATE ${consentry_wasm_link_options})

set(consentry_js_outputs)
foreach(file ${consentry_core_js})
  get_filename_component(name "${file}" NAME)
  add_custom_command(OUTPUT "${consentry_dist}/${name}"
                     COMMAND ${CMAKE_COMMAND} -E copy_if_different "${file}" "${consentry_dist}/${name}"
                     DEPENDS "${file}" VERBATIM)
  list(APPEND consentry_js_outputs "${consentry_dist}/${name}")
endforeach()
add_custom_target(consentry_wasm_js ALL DEPENDS ${consentry_js_outputs})
add_dependencies(consentry_wasm consentry_wasm_js)
