// belfryd: the Belfry service. A Poco ServerApplication, so the same binary runs in the
// foreground, as a Unix daemon (--daemon) or, on Windows, as a service.
#include <Poco/Environment.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "admin_token.h"
#include "api_router.h"
#include "api_server.h"
#include "belfry/scheduler/internal_scheduler.h"
#include "executor.h"
#include "fire_path.h"
#include "helper_scheduler.h"
#include "history_pruner.h"
#include "logging.h"
#include "periodic_task.h"
#include "private_file.h"
#include "reconcile.h"
#include "run_recovery.h"
#include "service_account.h"
#include "service_config.h"
#include "service_notify.h"
#include "spool_intake.h"
#include "store.h"
#include "systemd_scheduler.h"
#include "termination_signals.h"
#include "timestamps.h"

namespace belfry {
namespace {

// sysexits.h values, so init systems and scripts can tell a bad config from a crash.
constexpr int kExitConfig = 78;
constexpr int kExitCantCreate = 73;
constexpr int kExitUnavailable = 69;

class Belfryd : public Poco::Util::ServerApplication {
  protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        ServerApplication::defineOptions(options);
        options.addOption(
            Poco::Util::Option("config", "c", "read configuration from FILE")
                .required(false)
                .repeatable(false)
                .argument("FILE")
                .callback(Poco::Util::OptionCallback<Belfryd>(this, &Belfryd::setConfig)));
        options.addOption(
            Poco::Util::Option("help", "h", "show this help and exit")
                .callback(Poco::Util::OptionCallback<Belfryd>(this, &Belfryd::showHelp)));
        options.addOption(
            Poco::Util::Option("version", "", "print the version and exit")
                .callback(Poco::Util::OptionCallback<Belfryd>(this, &Belfryd::showVersion)));
    }

    void initialize(Poco::Util::Application& self) override {
        if (configFile_.empty()) {
            // The CLI finds the file the same way: --config, $BELFRY_CONFIG, the packaged path.
            configFile_ = Poco::Environment::get("BELFRY_CONFIG", "");
            if (configFile_.empty() && Poco::File(kPackagedConfig).exists())
                configFile_ = kPackagedConfig;
        }
        if (!configFile_.empty() && !exitEarly_) loadConfiguration(configFile_);
        ServerApplication::initialize(self);
    }

    int main(const std::vector<std::string>&) override {
        if (exitEarly_) return EXIT_OK;
        blockTerminationSignalsInAllThreads();
        ServiceConfig settings;
        try {
            settings = loadServiceConfig(
                config(), Poco::Path(config().getString("application.dir", "./")).toString());
            // Absolute: it is written into OS units, which run with another working directory.
            settings.configFile =
                configFile_.empty() ? "" : Poco::Path(configFile_).absolute().toString();
            setUpLogging(settings.logLevel, settings.logFile);
        } catch (const std::exception& e) {
            std::cerr << "belfryd: configuration error: " << e.what() << '\n';
            return kExitConfig;
        }
        try {
            return serve(settings);
        } catch (const ConfigError& e) {
            std::cerr << "belfryd: configuration error: " << e.what() << '\n';
            return kExitConfig;
        } catch (const StoreError& e) {
            spdlog::critical("{}", e.what());
            return kExitCantCreate;
        } catch (const Poco::Exception& e) {
            spdlog::critical("cannot start: {}", e.displayText());
            return kExitUnavailable;
        } catch (const std::exception& e) {
            spdlog::critical("cannot start: {}", e.what());
            return kExitUnavailable;
        }
    }

  private:
    static constexpr const char* kPackagedConfig = "/etc/belfry/belfry.properties";

    int serve(const ServiceConfig& settings) {
        Poco::File(settings.stateDir).createDirectories();
        auto store =
            openSqliteStore(settings.databasePath(), SqliteOptions{settings.storeSynchronous});
        const auto token = loadOrCreateAdminToken(settings.tokenPath());

        HandlerRegistry handlers;
        for (const auto& plugin : settings.handlerPlugins) {
            try {
                const auto names = handlers.loadPlugin(plugin);
                spdlog::info("handler plugin {}: {} handler(s)", plugin, names.size());
            } catch (const HandlerError& e) {
                throw ConfigError(std::string("handlers.plugins: ") + e.what());
            }
        }

        ExecutorOptions executorOptions;
        executorOptions.handlers = &handlers;
        executorOptions.workers = settings.workers;
        executorOptions.node = settings.node;
        executorOptions.killGrace =
            std::min<std::chrono::milliseconds>(settings.shutdownGrace, std::chrono::seconds(10));
        executorOptions.shutdownGrace = settings.shutdownGrace;
        Executor executor(*store, executorOptions);
        executor.start();
        // Crash recovery before anything new runs (run_recovery.h).
        recoverRunsAtStart(*store, executor, settings.node, nowMillis());

        HistoryPruner pruner(settings.databasePath(),
                             {settings.retention, settings.historyPruneInterval});
        pruner.start();

        FirePath firePath(*store, executor, settings.node);
        auto choice = makeScheduler(settings, firePath);
        auto& scheduler = *choice.scheduler;
        spdlog::info("scheduler backend: {} ({})", scheduler.backendName(), choice.reason);
        // Fires `belfry fire` spooled while belfryd was down are real timer fires: taken before
        // catch-up, so their slots run as `schedule` runs and count as taken.
        SpoolIntake spool(settings.spoolDir, firePath);
        spool.sweep(SpoolIntake::kStartBudget);
        // Missed slots first (the internal timer only knows the future; with systemd, fires that
        // found belfryd down), then the timer. A slot runs once, so a Persistent= timer catching
        // up the same slot is recorded as a duplicate, not run twice.
        firePath.catchUpAtStart(nowMillis());
        // One batch for all jobs (one daemon-reload with systemd), then daily: that re-does the
        // systemd translations long before their validUntil (a year ahead).
        reconcileStoredJobs(*store, scheduler, false, "start");
        PeriodicTask dailyReconcile(kReconcileInterval, [&store, &scheduler] {
            reconcileStoredJobs(*store, scheduler, false, "daily");
        });
        dailyReconcile.start();
        if (choice.internal) choice.internal->start();
        spool.start();

        ApiContext context{*store, executor,      firePath,     scheduler,
                           token,  settings.node, choice.reason};
        context.handlers = &handlers;
        ApiRouter router(context);
        ApiServerOptions serverOptions;
        serverOptions.host = settings.listenHost;
        serverOptions.port = settings.listenPort;
        serverOptions.maxBodyBytes = settings.maxBodyBytes;
        serverOptions.maxThreads = std::max(64, settings.workers * 4);
        ApiServer server(router, serverOptions);
        server.start();
        const auto host = settings.listenHost.find(':') != std::string::npos
                              ? "[" + settings.listenHost + "]"
                              : settings.listenHost;
        const auto endpoint = host + ":" + std::to_string(server.boundPort());
        replaceFileAtomically(settings.endpointPath(), endpoint + "\n");
        if (settings.listenHost != "127.0.0.1" && settings.listenHost != "::1" &&
            settings.listenHost != "localhost") {
            spdlog::warn("the API listens on {}, beyond loopback: protect the admin token",
                         endpoint);
        }
        spdlog::info("belfryd {} listening on http://{} (state {}, token in {}, {} workers)",
                     BELFRY_VERSION, endpoint, settings.stateDir, settings.tokenPath(),
                     settings.workers);
        notifyReady("listening on http://" + endpoint);

        waitForTerminationRequest();

        notifyStopping();
        spdlog::info("stopping: no new work, stopping {} running job(s)", executor.runningCount());
        executor.stopAccepting();
        if (choice.internal) choice.internal->stop();
        spool.stop();
        dailyReconcile.stop();
        server.stop();
        executor.shutdown();
        pruner.stop();
        spdlog::info("stopped");
        spdlog::default_logger()->flush();
        return EXIT_OK;
    }

    struct SchedulerChoice {
        std::unique_ptr<OsScheduler> scheduler;
        InternalScheduler* internal = nullptr;  // set when the in-process timer drives fires
        std::string reason;                     // for the log and /v1/health
    };

    static constexpr std::chrono::hours kReconcileInterval{24};

    // How long `auto` waits for the systemd manager before falling back to the internal timer.
    static constexpr std::chrono::seconds kManagerProbeTimeout{3};

    // scheduler.backend: `systemd` requires a reachable manager and a unit directory belfryd can
    // write (belfryd refuses to start otherwise, exit 78: nothing would fire); `auto` takes
    // systemd when both hold, the manager answering within kManagerProbeTimeout, else the
    // internal timer. Task Scheduler is not in this build.
    static SchedulerChoice makeScheduler(const ServiceConfig& settings, FirePath& firePath) {
        const auto& backend = settings.schedulerBackend;
        if (backend == "taskscheduler") {
            throw ConfigError(
                "scheduler.backend = taskscheduler: this build has no such bridge "
                "yet; use auto, systemd or internal");
        }
        const bool useHelper =
            !settings.systemdHelper.empty() &&
            (settings.systemdHelperConfigured || Poco::File(settings.systemdHelper).exists());
        if ((backend == "systemd" || backend == "auto") && useHelper) {
            return makeHelperScheduler(settings, firePath);
        }
        if (backend == "systemd" || backend == "auto") {
            const auto scope =
                settings.systemdScope == "user" ? systemd::Scope::User : systemd::Scope::System;
            std::string detail;
            const bool reachable =
                systemd::SystemdScheduler::managerReachable(scope, kManagerProbeTimeout, &detail);
            const std::string where = settings.systemdScope + " manager";
            // A manager that answers is not enough: the packaged belfryd runs as `belfry`, which
            // may not write /etc/systemd/system (and ProtectSystem= makes /etc read-only). Jobs
            // would be stored but never registered, so nothing would fire.
            std::string unitDirProblem;
            if (reachable && !systemd::SystemdScheduler::unitDirWritable(settings.systemdUnitDir,
                                                                         &unitDirProblem)) {
                const std::string why = "the systemd " + where + " answers (" + detail + "), but " +
                                        unitDirProblem + " (belfryd runs as " +
                                        currentAccountName() +
                                        "; README, \"Timers in the system manager\")";
                if (backend == "systemd") throw ConfigError("scheduler.backend = systemd: " + why);
                return makeInternal(firePath, "auto: " + why);
            }
            if (reachable) {
                systemd::SystemdOptions options;
                options.scope = scope;
                options.unitDir = settings.systemdUnitDir;
                options.units.client = settings.bridgeClient;
                options.units.configFile = settings.configFile;
                // A system manager would run `belfry fire` as root; run it as belfryd's own
                // account, which owns the state (token, spool) the client reads and writes.
                if (scope == systemd::Scope::System) options.units.user = currentAccountName();
                return {std::make_unique<systemd::SystemdScheduler>(std::move(options)), nullptr,
                        backend + ": " + detail + ", " + where + ", units in " +
                            settings.systemdUnitDir};
            }
            if (backend == "systemd") {
                throw std::runtime_error("scheduler.backend = systemd, but the systemd " + where +
                                         " does not answer: " + detail);
            }
            return makeInternal(firePath, "auto: no systemd " + where + " (" + detail + ")");
        }
        return makeInternal(firePath, "scheduler.backend = internal");
    }

    // How long belfryd waits for belfry-systemd-helper's hello: longer than the helper's own
    // probe of the manager (kManagerProbeTimeout), plus its start by socket activation.
    static constexpr std::chrono::seconds kHelperProbeTimeout{10};

    // systemd.helper (when configured, or its default socket exists): every unit is written and
    // every systemctl call made by the root-owned helper (linux/helper_scheduler.h); belfryd needs
    // neither the unit directory nor the manager. `systemd` requires the helper to answer (else
    // belfryd exits and systemd restarts it), `auto` falls back to the internal timer and says why.
    static SchedulerChoice makeHelperScheduler(const ServiceConfig& settings, FirePath& firePath) {
        const auto& backend = settings.schedulerBackend;
        std::string detail;
        if (systemd::HelperScheduler::helperReady(settings.systemdHelper, kHelperProbeTimeout,
                                                  &detail)) {
            return {std::make_unique<systemd::HelperScheduler>(
                        systemd::HelperOptions{settings.systemdHelper}),
                    nullptr, backend + ": " + detail};
        }
        if (backend == "systemd")
            throw std::runtime_error("scheduler.backend = systemd, but " + detail);
        return makeInternal(firePath, "auto: " + detail);
    }

    static SchedulerChoice makeInternal(FirePath& firePath, std::string reason) {
        auto internal = std::make_unique<InternalScheduler>(
            [&firePath](const std::string& job, schedule::Instant slot) {
                const auto millis =
                    std::chrono::duration_cast<std::chrono::milliseconds>(slot.time_since_epoch())
                        .count();
                try {
                    firePath.fire(job, millis);
                } catch (const std::exception& e) {
                    spdlog::error("job {}: scheduled fire failed: {}", job, e.what());
                }
            });
        auto* raw = internal.get();
        return {std::move(internal), raw, std::move(reason)};
    }

    void setConfig(const std::string&, const std::string& value) { configFile_ = value; }

    void showHelp(const std::string&, const std::string&) {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[--config FILE] [--daemon --pidfile FILE]");
        help.setHeader("Belfry job service. Configuration keys are listed in the README.");
        help.format(std::cout);
        exitEarly_ = true;
        stopOptionsProcessing();
    }

    void showVersion(const std::string&, const std::string&) {
        std::cout << "belfryd " << BELFRY_VERSION << '\n';
        exitEarly_ = true;
        stopOptionsProcessing();
    }

    std::string configFile_;
    bool exitEarly_ = false;
};

}  // namespace
}  // namespace belfry

POCO_SERVER_MAIN(belfry::Belfryd)
