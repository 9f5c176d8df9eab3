# belfry_schedule: the schedule model and the cron engine (next fire times in a time zone, DST),
# plus ISO-8601 text and the `belfry next` computation. Platform-neutral and Poco-free, so the
# lean CLI, the daemon, the OS-scheduler translators and the internal fallback scheduler all use
# the same answers.
#
# Howard Hinnant's date/tz reads the OS tz database: Debian builds libdate-tz with USE_OS_TZDB=1,
# and the imported date::date-tz target carries that definition to every consumer (it must be
# the same in every translation unit that includes date/tz.h), which is why it is linked PUBLIC.
find_package(date CONFIG REQUIRED)

add_library(belfry_schedule STATIC
    src/schedule/cron_parser.cpp
    src/schedule/cron_search.cpp
    src/schedule/fluent.cpp
    src/schedule/iso8601.cpp
    src/schedule/next_fires.cpp
    src/schedule/schedule.cpp
    src/schedule/task_triggers.cpp
    src/schedule/systemd_calendar.cpp
    src/schedule/time_zone.cpp
)
target_include_directories(belfry_schedule PUBLIC include)
target_link_libraries(belfry_schedule PUBLIC belfry_core date::date-tz)
belfry_warnings(belfry_schedule)
