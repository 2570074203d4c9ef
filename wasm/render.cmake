# The renderer's wasm module: build/wasm/dist/consentry-render.{js,wasm}, with the JS
# wrapper and the stylesheet beside it. Raw exports only (strings through HEAPU8), no
# eval (a strict CSP holds), no file system; the page passes the bytes as `wasmBinary`,
# so it works from file:// too. Kept in its own file to merge with the engine's module.
set(CONSENTRY_DIST_DIR "${CMAKE_BINARY_DIR}/dist")
file(MAKE_DIRECTORY "${CONSENTRY_DIST_DIR}")

add_executable(consentry_render_wasm "${CMAKE_SOURCE_DIR}/bindings/render_exports.cpp")
target_link_libraries(consentry_render_wasm PRIVATE consentry::core consentry_warnings)
set(consentry_render_exports
    _consentry_alloc _consentry_free _consentry_output_data _consentry_output_size _consentry_policy_load
    _consentry_policy_free _consentry_render _consentry_lint _consentry_diff _consentry_languages)
list(JOIN consentry_render_exports "," consentry_render_exports_list)
target_link_options(consentry_render_wasm PRIVATE
  --no-entry
  -sMODULARIZE=1 -sEXPORT_NAME=createConsentryRender
  -sENVIRONMENT=web,node
  -sFILESYSTEM=0
  -sALLOW_MEMORY_GROWTH=1
  -sDYNAMIC_EXECUTION=0
  -sEXPORTED_FUNCTIONS=[${consentry_render_exports_list}])
set_target_properties(consentry_render_wasm PROPERTIES
  OUTPUT_NAME consentry-render SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY "${CONSENTRY_DIST_DIR}")

# The wrapper and the stylesheet ship beside the module, refreshed on every build.
add_custom_target(consentry_render_assets ALL
  COMMAND ${CMAKE_COMMAND} -E copy_if_different "${CMAKE_SOURCE_DIR}/bindings/js/render-api.js"
          "${CONSENTRY_DIST_DIR}/consentry-render-api.js"
  COMMAND ${CMAKE_COMMAND} -E copy_if_different "${CMAKE_SOURCE_DIR}/bindings/css/consentry.css"
          "${CONSENTRY_DIST_DIR}/consentry.css"
  VERBATIM)
