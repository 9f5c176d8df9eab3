#include "systemd_sandbox.h"

#include <fstream>

namespace belfry::test {

std::string systemdSandboxDir() {
    return BELFRY_SYSTEMD_SANDBOX_DIR;
}

std::map<std::string, std::string> systemdSandboxEnv() {
    std::map<std::string, std::string> env;
    std::ifstream in(systemdSandboxDir() + "/env");
    const std::string prefix = "export ";
    for (std::string line; std::getline(in, line);) {
        if (line.compare(0, prefix.size(), prefix) != 0) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        env[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
    }
    return env;
}

CommandResult sandboxSystemctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/bin/systemctl", "--user", "--no-pager"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, systemdSandboxEnv(), std::chrono::seconds(30));
}

}  // namespace belfry::test
