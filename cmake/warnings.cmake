# The project's warning flags; -Werror only when RN_WERROR is on
# (make test and CI), so a newer compiler never breaks a user's build.
# snprintf truncation is how fixed-size error messages are meant to work,
# so -Wformat-truncation (gcc, -O2) is off.
function(rn_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wimplicit-fallthrough -Wvla
    -Wno-format-nonliteral)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-format-truncation)
  endif()
  if(RN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
