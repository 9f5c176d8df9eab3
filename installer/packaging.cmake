# Packaging (DESIGN.md "installer/"). On Linux: the Debian package, built with CPack:
#
#   cmake --build build --target package   ->   build/belfry_<version>_<arch>.deb
#
# Layout: /usr/bin/{belfry,belfryd}, /usr/libexec/belfry/{belfry-schedule,belfry-systemd-helper},
# /lib/systemd/system/belfryd.service and belfry-systemd-helper.{socket,service} (Debian 12's unit
# directory), /usr/lib/sysusers.d/belfry.conf, /etc/belfry/belfry.properties (a conffile),
# /usr/share/doc/belfry/, /usr/share/lintian/overrides/belfry. The maintainer scripts in
# installer/deb/ create the belfry account and /var/lib/belfry and manage the service;
# tests/package/deb_test.sh checks all of it on a real install. Included from the top-level
# CMakeLists.txt, after every install() rule.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    set(_belfry_deb ${CMAKE_CURRENT_SOURCE_DIR}/installer/deb)

    # System integration files go to fixed system paths whatever the install prefix is: the unit,
    # the conffile and the docs refer to each other by these paths.
    install(FILES linux/belfryd.service linux/belfry-systemd-helper.socket
                  linux/belfry-systemd-helper.service DESTINATION /lib/systemd/system)
    install(FILES linux/belfry.properties DESTINATION /etc/belfry)
    install(FILES linux/sysusers.d/belfry.conf DESTINATION lib/sysusers.d)

    # Debian wants a copyright file and a compressed changelog (gzip -n: reproducible).
    set(_belfry_changelog ${CMAKE_CURRENT_BINARY_DIR}/installer/changelog.gz)
    add_custom_command(
        OUTPUT ${_belfry_changelog}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/installer
        COMMAND sh -c "gzip -9n -c '${_belfry_deb}/changelog' > '${_belfry_changelog}'"
        DEPENDS ${_belfry_deb}/changelog
        COMMENT "Compressing the Debian changelog"
        VERBATIM)
    add_custom_target(belfry_deb_changelog ALL DEPENDS ${_belfry_changelog})
    install(FILES ${_belfry_deb}/copyright ${_belfry_changelog} README.md
            DESTINATION share/doc/belfry)
    # Why lintian's objections to the package are deliberate (each one explains itself).
    install(FILES ${_belfry_deb}/lintian-overrides DESTINATION share/lintian/overrides
            RENAME belfry)

    # The changelog's newest entry names the package version; keep the two in step (a warning
    # here, so a version bump does not stop builds; tests/package/deb_test.sh fails on it).
    file(STRINGS ${_belfry_deb}/changelog _belfry_changelog_top LIMIT_COUNT 1)
    if(NOT _belfry_changelog_top MATCHES "^belfry \\(${PROJECT_VERSION}\\) ")
        message(WARNING "installer/deb/changelog: the first entry should be for version "
                        "${PROJECT_VERSION} (project() in CMakeLists.txt); it is: "
                        "${_belfry_changelog_top}")
    endif()

    set(CPACK_GENERATOR DEB)
    set(CPACK_PACKAGE_NAME belfry)
    set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
    set(CPACK_PACKAGE_VENDOR "The Belfry authors")
    set(CPACK_PACKAGE_CONTACT "Belfry maintainers <maintainers@belfry.example.org>")
    set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
    set(CPACK_STRIP_FILES ON)
    set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
        OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_SECTION admin)
    set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
    set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://belfry.example.org/")
    # Depends: the shared libraries, from dpkg-shlibdeps (dpkg-dev), plus adduser, which
    # postinst uses where systemd-sysusers is missing.
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
    set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
        "job service for servers: commands and HTTP calls on cron schedules
Belfry runs jobs - commands, or HTTP calls into your own web applications -
with timeouts, cancellation and a bounded worker pool, and records every run
in SQLite. Schedules are cron expressions with time zones, intervals or
one-off times; Belfry is designed to hand them to the operating system's own
scheduler (systemd timers) and fires them itself where no bridge to one is
available.

This package contains the belfryd service (belfryd.service, running as the
belfry system user), belfry-systemd-helper (a socket-activated root service
that registers belfryd's job timers with systemd) and the belfry
command-line client.")
    set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
        ${_belfry_deb}/conffiles ${_belfry_deb}/postinst ${_belfry_deb}/prerm
        ${_belfry_deb}/postrm)
    # 0755 for the scripts and 0644 for conffiles, whatever the checkout's modes and umask.
    set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

    include(CPack)
endif()
