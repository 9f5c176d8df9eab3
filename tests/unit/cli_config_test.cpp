// The CLI's configuration reader and endpoint resolution: it must find the same http.listen,
// state.dir and token as belfryd, without Poco.
#include <gtest/gtest.h>

#include <map>

#include "cli_test_server.h"
#include "client_config.h"
#include "endpoint.h"
#include "exit_codes.h"
#include "properties.h"

namespace belfry::cli {
namespace {

using testing::TempDir;

EnvLookup fakeEnvironment(std::map<std::string, std::string> variables) {
    return [variables](const std::string& name) -> std::optional<std::string> {
        const auto it = variables.find(name);
        if (it == variables.end()) return std::nullopt;
        return it->second;
    };
}

ConfigSources sourcesWith(std::map<std::string, std::string> variables,
                          std::string systemConfigPath = "/nonexistent/belfry.properties") {
    ConfigSources sources;
    sources.env = fakeEnvironment(std::move(variables));
    sources.systemConfigPath = std::move(systemConfigPath);
    return sources;
}

TEST(CliProperties, ReadsBothSeparatorsAndTrimsKeysAndValues) {
    const auto properties = Properties::parse(
        "http.listen = 127.0.0.1:9000\n"
        "  state.dir:/srv/belfry  \n"
        "log.level=debug\r\n"
        "empty =\n"
        "novalue\n");
    EXPECT_EQ(properties.get("http.listen"), "127.0.0.1:9000");
    EXPECT_EQ(properties.get("state.dir"), "/srv/belfry");
    EXPECT_EQ(properties.get("log.level"), "debug");
    EXPECT_EQ(properties.get("empty"), "");
    EXPECT_EQ(properties.get("novalue"), "");
    EXPECT_EQ(properties.get("missing"), std::nullopt);
}

TEST(CliProperties, SkipsHashBangAndSemicolonComments) {
    const auto properties = Properties::parse(
        "# http.listen = 1.1.1.1:1\n"
        "   ! state.dir = /nope\n"
        "; workers = 3\n"
        "workers = 4 # not a comment\n");
    EXPECT_EQ(properties.size(), 1u);
    EXPECT_EQ(properties.get("workers"), "4 # not a comment");  // as Poco reads it
}

TEST(CliProperties, JoinsContinuedLinesAndDecodesEscapes) {
    const auto properties = Properties::parse(
        "description = first \\\n  second\n"
        "crlf = a\\\r\nb\r\n"
        "escapes = tab\\there\\nnew\\\\slash\\:colon\n"
        "next = value\n");
    // Poco keeps the continuation line's leading whitespace.
    EXPECT_EQ(properties.get("description"), "first   second");
    EXPECT_EQ(properties.get("crlf"), "ab");
    EXPECT_EQ(properties.get("escapes"), "tab\there\nnew\\slash:colon");
    EXPECT_EQ(properties.get("next"), "value");
}

TEST(CliProperties, SectionsPrefixTheirKeys) {
    const auto properties = Properties::parse(
        "top = 1\n"
        "[http]\n"
        "listen = [::1]:8470\n"
        "[ state ]\n"
        "dir = /var/lib/x\n");
    EXPECT_EQ(properties.get("top"), "1");
    EXPECT_EQ(properties.get("http.listen"), "[::1]:8470");
    EXPECT_EQ(properties.get("state.dir"), "/var/lib/x");
}

TEST(CliProperties, IniFilesKeepBackslashesAndIgnoreCase) {
    EXPECT_EQ(Properties::syntaxForPath("/etc/belfry/belfry.INI"), ConfigSyntax::kIni);
    EXPECT_EQ(Properties::syntaxForPath("/etc/belfry/belfry.properties"),
              ConfigSyntax::kProperties);
    const auto properties = Properties::parse(
        "; comment\n"
        "[State]\n"
        "Dir = C:\\ProgramData\\Belfry\n"
        "[http]\n"
        "listen = 127.0.0.1:1234\n",
        ConfigSyntax::kIni);
    EXPECT_EQ(properties.get("state.dir"), "C:\\ProgramData\\Belfry");
    EXPECT_EQ(properties.get("HTTP.Listen"), "127.0.0.1:1234");
}

TEST(CliProperties, ExpandsReferencesLikePoco) {
    const auto properties = Properties::parse(
        "base = /srv\n"
        "state.dir = ${base}/belfry\n"
        "from.env = ${system.env.HOME}/x\n"
        "unknown = ${nope}/y\n"
        "loop = ${loop}\n");
    const auto env = fakeEnvironment({{"HOME", "/home/op"}});
    EXPECT_EQ(properties.get("state.dir", env), "/srv/belfry");
    EXPECT_EQ(properties.get("from.env", env), "/home/op/x");
    EXPECT_EQ(properties.get("unknown", env), "${nope}/y");
    EXPECT_TRUE(properties.get("loop", env).has_value());  // terminates
    EXPECT_EQ(properties.getRaw("state.dir"), "${base}/belfry");
}

TEST(CliConfig, DefaultsWithoutAnyFile) {
    ClientConfig config;
    std::string error;
    ASSERT_TRUE(loadClientConfig(sourcesWith({}), &config, &error)) << error;
    EXPECT_EQ(config.configPath, "");
    EXPECT_EQ(config.listen, "127.0.0.1:8470");
    EXPECT_EQ(config.stateDir, "/var/lib/belfry");
}

TEST(CliConfig, StateDirectoryFromSystemdWhenTheFileHasNone) {
    ClientConfig config;
    std::string error;
    ASSERT_TRUE(loadClientConfig(sourcesWith({{"STATE_DIRECTORY", "/var/lib/belfry2:/var/lib/b"}}),
                                 &config, &error));
    EXPECT_EQ(config.stateDir, "/var/lib/belfry2");
}

TEST(CliConfig, PrecedenceIsFlagThenBelfryConfigThenSystemFile) {
    TempDir dir;
    const auto flagFile = dir.write("flag.properties", "http.listen = 127.0.0.1:1001\n");
    const auto envFile = dir.write("env.properties", "http.listen = 127.0.0.1:1002\n");
    const auto systemFile =
        dir.write("system.properties", "http.listen = 127.0.0.1:1003\nstate.dir = /sys\n");
    ClientConfig config;
    std::string error;

    auto sources =
        sourcesWith({{"BELFRY_CONFIG", envFile}, {"STATE_DIRECTORY", "/sd"}}, systemFile);
    sources.configFlag = flagFile;
    ASSERT_TRUE(loadClientConfig(sources, &config, &error)) << error;
    EXPECT_EQ(config.listen, "127.0.0.1:1001");
    EXPECT_EQ(config.configPath, flagFile);
    EXPECT_EQ(config.stateDir, "/sd");

    sources.configFlag.reset();
    ASSERT_TRUE(loadClientConfig(sources, &config, &error)) << error;
    EXPECT_EQ(config.listen, "127.0.0.1:1002");

    sources = sourcesWith({}, systemFile);
    ASSERT_TRUE(loadClientConfig(sources, &config, &error)) << error;
    EXPECT_EQ(config.listen, "127.0.0.1:1003");
    EXPECT_EQ(config.stateDir, "/sys");
}

TEST(CliConfig, NamedFileMustExistButSystemFileIsOptional) {
    ClientConfig config;
    std::string error;
    auto sources = sourcesWith({{"BELFRY_CONFIG", "/nonexistent/named.properties"}});
    EXPECT_FALSE(loadClientConfig(sources, &config, &error));
    EXPECT_NE(error.find("/nonexistent/named.properties"), std::string::npos) << error;
    EXPECT_TRUE(loadClientConfig(sourcesWith({}), &config, &error));
}

TEST(CliConfig, ReadsTheTokenTrimmed) {
    TempDir dir;
    std::string token;
    std::string error;
    EXPECT_FALSE(readAdminToken(dir.path(), &token, &error));
    EXPECT_NE(error.find("admin.token"), std::string::npos);
    dir.write("admin.token", "  s3cret-token\n");
    ASSERT_TRUE(readAdminToken(dir.path(), &token, &error)) << error;
    EXPECT_EQ(token, "s3cret-token");
    dir.write("admin.token", "\n");
    EXPECT_FALSE(readAdminToken(dir.path(), &token, &error));
}

TEST(CliEndpoint, WildcardsBecomeLoopbackOfTheSameFamily) {
    Endpoint endpoint;
    std::string error;
    ASSERT_TRUE(parseEndpoint("0.0.0.0:8470", &endpoint, &error));
    EXPECT_EQ(endpoint.host, "127.0.0.1");
    ASSERT_TRUE(parseEndpoint("[::]:9000", &endpoint, &error));
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.port, 9000);
    ASSERT_TRUE(parseEndpoint("::", &endpoint, &error));
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.port, 8470);
    ASSERT_TRUE(parseEndpoint(":8471", &endpoint, &error));
    EXPECT_EQ(endpoint.toString(), "127.0.0.1:8471");
}

TEST(CliEndpoint, ParsesHostsPortsAndBracketedIpv6) {
    Endpoint endpoint;
    std::string error;
    ASSERT_TRUE(parseEndpoint("[::1]:8470", &endpoint, &error));
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.toString(), "[::1]:8470");
    ASSERT_TRUE(parseEndpoint("localhost:81", &endpoint, &error));
    EXPECT_EQ(endpoint.host, "localhost");
    EXPECT_EQ(endpoint.port, 81);
    ASSERT_TRUE(parseEndpoint("9001", &endpoint, &error));
    EXPECT_EQ(endpoint.toString(), "127.0.0.1:9001");
    ASSERT_TRUE(parseEndpoint("10.0.0.1", &endpoint, &error));
    EXPECT_EQ(endpoint.port, 8470);
    for (const char* bad : {"", "host:", "host:70000", "host:8x", "[::1", "[::1]8470"}) {
        EXPECT_FALSE(parseEndpoint(bad, &endpoint, &error)) << bad;
    }
}

TEST(CliEndpoint, PortZeroReadsTheEndpointFileTheDaemonWrites) {
    TempDir dir;
    ClientConfig config;
    config.listen = "0.0.0.0:0";
    config.stateDir = dir.path();
    Endpoint endpoint;
    std::string error;
    EXPECT_EQ(resolveEndpoint(config, std::nullopt, &endpoint, &error), kExitTempFail);
    EXPECT_NE(error.find("is belfryd running"), std::string::npos) << error;

    dir.write("endpoint", "0.0.0.0:41234\n");
    ASSERT_EQ(resolveEndpoint(config, std::nullopt, &endpoint, &error), 0) << error;
    EXPECT_EQ(endpoint.toString(), "127.0.0.1:41234");

    dir.write("endpoint", "garbage:port\n");
    EXPECT_EQ(resolveEndpoint(config, std::nullopt, &endpoint, &error), kExitServiceError);
}

TEST(CliEndpoint, FlagOverridesConfiguration) {
    ClientConfig config;
    config.listen = "not an address:x";
    Endpoint endpoint;
    std::string error;
    ASSERT_EQ(resolveEndpoint(config, std::string("[::1]:1234"), &endpoint, &error), 0);
    EXPECT_EQ(endpoint.toString(), "[::1]:1234");
    EXPECT_EQ(resolveEndpoint(config, std::string("127.0.0.1:0"), &endpoint, &error), kExitUsage);
    EXPECT_EQ(resolveEndpoint(config, std::nullopt, &endpoint, &error), kExitUsage);
    EXPECT_NE(error.find("http.listen"), std::string::npos) << error;
}

}  // namespace
}  // namespace belfry::cli
