# Warnings, sanitizers and unity batches for Quasar's own targets (never for generated or
# third-party code).
function(quasar_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
  if(QUASAR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(QUASAR_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                           -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  # A library's sources compile in unity batches (QUASAR_UNITY; docs/architecture.md, decision
  # 75): at most QUASAR_UNITY_BATCH_SIZE sources a batch, and at most half the library's, so that
  # a library of two or more sources still compiles as two jobs or more (each library waits for
  # those it links, so most compile one after another, on the build's -j jobs).
  get_target_property(type ${target} TYPE)
  if(QUASAR_UNITY AND type MATCHES "^(STATIC|SHARED)_LIBRARY$")
    get_target_property(sources ${target} SOURCES)
    list(LENGTH sources count)
    math(EXPR batch "(${count} + 1) / 2")
    if(batch GREATER QUASAR_UNITY_BATCH_SIZE)
      set(batch ${QUASAR_UNITY_BATCH_SIZE})
    endif()
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${batch})
  endif()
endfunction()
