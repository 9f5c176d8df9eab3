# Warnings are errors for project code only; third-party headers come in as SYSTEM includes.
function(belfry_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
endfunction()
