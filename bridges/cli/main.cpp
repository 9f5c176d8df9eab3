// `belfry`: the command-line client of belfryd. All behaviour lives in belfry_cli_lib (cli.h), so
// tests can run commands in-process.
#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return belfry::cli::runCli(args);
}
