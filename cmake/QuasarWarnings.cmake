# Warnings and sanitizers for Quasar's own targets (never for generated or third-party code).
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
endfunction()
