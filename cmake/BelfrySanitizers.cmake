# -DBELFRY_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
# The test command runs the unit and integration suites in such a build too.
option(BELFRY_SANITIZE "Build with ASan + UBSan" OFF)
if(BELFRY_SANITIZE)
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function)
    # once ASan instruments them; the normal build keeps the warning as an error.
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                        -Wno-maybe-uninitialized)
    add_link_options(-fsanitize=address,undefined)
endif()
