// belfry-schedule: the program behind `belfry next` and `belfry translate` (schedule_helper.h).
// It takes the same arguments as `belfry` and runs those two commands in-process.
#include <string>
#include <vector>

#include "cli.h"
#include "commands.h"

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    belfry::cli::CliEnvironment environment;
    environment.nextCommand = belfry::cli::nextCommand;
    environment.translateCommand = belfry::cli::translateCommand;
    return belfry::cli::runCli(args, environment);
}
