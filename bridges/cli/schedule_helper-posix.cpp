#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "belfry/executable_directory.h"
#include "commands.h"
#include "exit_codes.h"
#include "schedule_helper.h"

namespace belfry::cli {
namespace {

constexpr const char* kHelperName = "belfry-schedule";

}  // namespace

int runScheduleHelper(const CommandContext& context, const std::vector<std::string>& args) {
    const std::string directory = executableDirectory();
    const std::string candidates[] = {directory + "/" + kHelperName,
                                      directory + "/../libexec/belfry/" + kHelperName};
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kHelperName));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    // Whatever this process buffered must reach the terminal before the helper's output.
    std::fflush(context.environment.out);
    std::fflush(context.environment.err);
    int error = ENOENT;
    for (const auto& candidate : candidates) {
        ::execv(candidate.c_str(), argv.data());
        if (errno != ENOENT) error = errno;
    }
    context.printError(std::string("cannot run ") + kHelperName + " (looked in " + directory +
                       " and " + directory + "/../libexec/belfry): " + std::strerror(error));
    return kExitServiceError;
}

}  // namespace belfry::cli
