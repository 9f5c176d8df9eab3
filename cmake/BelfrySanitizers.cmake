# -DBELFRY_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
# The test command runs the unit and integration suites in such a build too.
option(BELFRY_SANITIZE "Build with ASan + UBSan" OFF)
if(BELFRY_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()
