//! `gpc-assure` command line: parses arguments, loads config, calls the library.
//! Exit status: 0 all passed, 1 a scenario failed, 2 the run could not start.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use gpc_assure::clock::Clock;
use gpc_assure::config::Config;
use gpc_assure::fhir::FhirPath;
use gpc_assure::provider::{self, Fault, FaultSet, ProviderOptions};
use gpc_assure::runner::{self, Evidence, FeatureSource, Progress, RunOptions, Target};

/// mimalloc: a batch `validate` allocates and frees many small values and large input buffers; glibc's
/// allocator returned the large ones to the kernel and faulted them in again (docs/decisions.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` through [`gpc_assure::output`]: a closed pipe (`gpc-assure serve --list-faults | head`) ends the
/// process quietly instead of panicking, and any other failure to write exits 2 saying so.
macro_rules! out {
    ($($t:tt)*) => {
        gpc_assure::output::print_line(format_args!($($t)*))
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "gpc-assure",
    version,
    about = "GP Connect conformance and assurance harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the provider suite (against the embedded reference provider unless --provider is given).
    Run {
        /// Base URL of the provider under test; service roots follow the config (reference layout by default).
        #[arg(long)]
        provider: Option<String>,
        /// YAML config file (see README for every key).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Tag expression, e.g. `@foundations and not @jwt`.
        #[arg(long)]
        tags: Option<String>,
        /// Run only these tests by stable id (`appt.book.07`, an outline row `appt.book.01.2`); comma-separated
        /// or repeated. A scenario id runs every row of its outline.
        #[arg(long = "id", value_delimiter = ',')]
        ids: Vec<String>,
        /// Where reports go (default: the config's report_dir, `reports`).
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Folder of .feature files to run instead of the built-in ones (`gpc-assure features export DIR`
        /// writes the built-in set out for editing).
        #[arg(long)]
        features: Option<PathBuf>,
        /// Folders of FHIR definitions (repeatable; also GPC_FHIR_PATH).
        #[arg(long = "fhir-path")]
        fhir_path: Vec<PathBuf>,
        /// Faults to inject into the embedded reference provider (self-assurance).
        #[arg(long = "fault")]
        faults: Vec<String>,
        /// One plain line per scenario even on a terminal.
        #[arg(long, conflicts_with = "quiet")]
        plain: bool,
        /// No progress output, only the summary.
        #[arg(long)]
        quiet: bool,
        /// Which tests get an evidence folder: `all`, `failed` or `none` (JUnit and cucumber JSON are always
        /// written).
        #[arg(long, default_value = "all", value_parser = ["all", "failed", "none"])]
        evidence: String,
        /// Start the clock of the harness and of the embedded provider at this instant (RFC 3339, e.g.
        /// 2026-03-29T00:30:00Z); it runs on in real time from there. Also GPC_NOW. Default: the system clock.
        #[arg(long)]
        now: Option<String>,
        /// Serve the embedded reference provider over mutual TLS with generated test certificates and run the
        /// whole suite through it (the harness presents the generated SSP client certificate).
        #[arg(long, conflicts_with = "provider")]
        tls: bool,
    },
    /// Validate FHIR resources (JSON or XML) against their core definition and profiles.
    Validate {
        /// Profile canonical URL to validate against (repeatable); default: the resource's meta.profile.
        #[arg(long = "profile")]
        profiles: Vec<String>,
        /// FHIR version of the input; default: told by the input (a Conformance, a GP Connect 0.x profile
        /// `http://fhir.nhs.net/...` claimed or passed with --profile, or `--capability html` mean DSTU2 1.0.2),
        /// else 3.0.1.
        #[arg(long, value_parser = ["3.0.1", "1.0.2"])]
        fhir_version: Option<String>,
        /// Output: `text` for people, `json` for an OperationOutcome per input.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Resolve definitions as for this capability's spec version (the config's `definitions` sources:
        /// foundations/appointments 1.2.7, structured 1.6.2, documents 1.3.0, html 0.7.x on DSTU2); default:
        /// the highest version of each canonical URL.
        #[arg(long, value_parser = ["foundations", "appointments", "structured", "documents", "html"])]
        capability: Option<String>,
        /// YAML config file (its `definitions` and `fhir_path` are used).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Folders of FHIR definitions (repeatable; also GPC_FHIR_PATH).
        #[arg(long = "fhir-path")]
        fhir_path: Vec<PathBuf>,
        /// How many files are validated at once (default: one per core). The output keeps the order the files
        /// are given in.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=512))]
        jobs: Option<u16>,
        /// Files to validate; `-` reads standard input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// The built-in feature files.
    Features {
        #[command(subcommand)]
        command: FeaturesCommand,
    },
    /// The FHIR definition sets: install them into the FHIR package cache, or list what is installed.
    Definitions {
        #[command(subcommand)]
        command: DefinitionsCommand,
    },
    /// Serve the reference provider.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Faults to inject (see README); repeatable.
        #[arg(long = "fault")]
        faults: Vec<String>,
        /// YAML config file (provider_asid, service_roots and html.default_time_frames are used).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Folders of FHIR definitions (repeatable; also GPC_FHIR_PATH).
        #[arg(long = "fhir-path")]
        fhir_path: Vec<PathBuf>,
        /// List the faults and exit.
        #[arg(long)]
        list_faults: bool,
        /// Start the provider's clock at this instant (RFC 3339); it runs on in real time. Also GPC_NOW.
        #[arg(long)]
        now: Option<String>,
        /// Switch off an Access Record Structured clinical area, by its parameter name (`includeProblems`):
        /// requests for it get a warning instead of data. Repeatable.
        #[arg(long = "disable-area")]
        disabled_areas: Vec<String>,
        /// Serve TLS with this certificate (PEM, optionally followed by its chain); needs --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Require client certificates issued by these CAs (PEM): mutual TLS.
        #[arg(long, requires = "tls_cert")]
        client_ca: Option<PathBuf>,
        /// Refuse client certificates this CRL of the client CA revokes (PEM).
        #[arg(long, requires = "client_ca")]
        crl: Option<PathBuf>,
        /// The FQDN client certificates must be issued to (the Spine Secure Proxy's); default: any.
        #[arg(long, requires = "client_ca")]
        client_fqdn: Option<String>,
        /// Also listen for plain HTTP here and redirect it to TLS with Strict-Transport-Security (with --tls or
        /// --tls-cert).
        #[arg(long)]
        redirect_listen: Option<String>,
        /// Serve mutual TLS with the test set in DIR (`certs generate DIR` writes one; made there first when DIR
        /// holds none): its provider certificate, its CA and CRL, and its SSP FQDN required of clients. Point the
        /// harness's `tls` config at the same folder.
        #[arg(long, value_name = "DIR", conflicts_with = "tls_cert")]
        tls: Option<PathBuf>,
        /// Inspect every request against the consumer rules and record the findings, readable at
        /// `GET /_gpc-assure/findings` (README, "Consumer assurance").
        #[arg(long)]
        inspect: bool,
    },
    /// A local stand-in for the Spine Secure Proxy: requests in the proxy-prefix form
    /// `http://ADDR/https://<provider>/<service root>/...` are forwarded over TLS 1.2 with the SSP certificate of a
    /// test set (use it as the config's `spine_proxy`).
    Ssp {
        /// Address to listen on (plain HTTP).
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// The test set (`certs generate DIR`): `ssp-client.crt`/`.key` are presented, `ca.crt` is trusted.
        #[arg(long, value_name = "DIR")]
        certs: PathBuf,
    },
    /// Consumer assurance: the harness plays the provider and judges every call the consumer under test makes.
    Consumer {
        #[command(subcommand)]
        command: ConsumerCommand,
    },
    /// Test certificates for mutual TLS.
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
    /// A run's HTML report and its First-of-Type evidence pack: `report DIR` renders DIR/index.html again from
    /// the run's record and evidence; `report --pack DIR` zips the report folder with a SHA-256 manifest;
    /// `report --verify PACK` checks a pack against its manifest (exit 1 when it does not match).
    #[command(group(clap::ArgGroup::new("what").required(true).args(["dir", "pack", "verify"])))]
    Report {
        /// The report folder of a run, whose index.html is rendered again.
        dir: Option<PathBuf>,
        /// Pack this report folder: index.html, junit.xml, cucumber.json, run.json, config.yaml (secrets
        /// redacted) and the evidence files, with manifest.json.
        #[arg(long, value_name = "DIR")]
        pack: Option<PathBuf>,
        /// Where the pack is written (default: the folder's name with `.zip`, beside it).
        #[arg(long, value_name = "FILE", requires = "pack")]
        out: Option<PathBuf>,
        /// Check this pack: every file present with the size and SHA-256 its manifest gives, nothing unlisted.
        #[arg(long, value_name = "PACK")]
        verify: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum ConsumerCommand {
    /// Run the consumer suite: the config's `consumer` driver makes the consumer perform each task against the
    /// inspecting reference provider, whose findings fail the scenarios (README, "Consumer assurance").
    Run {
        /// YAML config file with a `consumer` section.
        #[arg(long)]
        config: PathBuf,
        /// Tag expression, e.g. `@appointments`.
        #[arg(long)]
        tags: Option<String>,
        /// Run only these tests by stable id; comma-separated or repeated.
        #[arg(long = "id", value_delimiter = ',')]
        ids: Vec<String>,
        /// Where reports go (default: the config's report_dir).
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Folder of .feature files to run instead of the built-in ones.
        #[arg(long)]
        features: Option<PathBuf>,
        /// Folders of FHIR definitions (repeatable; also GPC_FHIR_PATH).
        #[arg(long = "fhir-path")]
        fhir_path: Vec<PathBuf>,
        /// One plain line per scenario even on a terminal.
        #[arg(long, conflicts_with = "quiet")]
        plain: bool,
        /// No progress output, only the summary.
        #[arg(long)]
        quiet: bool,
        /// Which tests get an evidence folder: `all`, `failed` or `none`.
        #[arg(long, default_value = "all", value_parser = ["all", "failed", "none"])]
        evidence: String,
        /// Start the clock at this instant (RFC 3339); also GPC_NOW. The consumer gets it as `{now}`/`GPC_NOW`.
        #[arg(long)]
        now: Option<String>,
        /// Judge the requests captured in this HAR file or raw-request folder instead of making the consumer act
        /// (the `replay` driver).
        #[arg(long, value_name = "FILE|DIR")]
        replay: Option<PathBuf>,
        /// Write every scenario's requests and answers to this HAR file (for `--replay` later).
        #[arg(long, value_name = "FILE")]
        capture: Option<PathBuf>,
    },
    /// The reference consumer: performs one task against a provider (self-assurance of the consumer suite).
    Demo(gpc_assure::consumer::demo::DemoArgs),
    /// List the consumer rules with their requirements.
    Rules,
}

#[derive(Subcommand, Debug)]
enum CertsCommand {
    /// Write a test PKI into DIR: a CA (`ca.crt`, its CRL `ca.crl`), the provider's certificate
    /// (`provider.crt`/`.key`), the SSP client certificate (`ssp-client.crt`/`.key`, and `ssp-client.p12` with its
    /// password in `ssp-client.p12.pass`), its bad variants (expired, wrong FQDN, wrong authority, revoked) and a
    /// consumer certificate. For trying mutual TLS locally; never for a real service.
    Generate {
        /// Folder to write to (created if missing; files of the same name are replaced).
        dir: PathBuf,
        /// Extra names the provider's certificate is valid for (besides localhost, 127.0.0.1 and ::1); repeatable.
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// The FQDN of the SSP client certificates.
        #[arg(long, default_value = gpc_assure::tls::DEFAULT_SSP_FQDN)]
        ssp_fqdn: String,
    },
}

#[derive(Subcommand, Debug)]
enum FeaturesCommand {
    /// Write the built-in feature files under DIR (keeping their folders), to read or edit; run edited ones
    /// with `gpc-assure run --features DIR`.
    Export {
        /// Folder to write to (created if missing; files of the same name are replaced).
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum DefinitionsCommand {
    /// Download every definition set the capabilities need (pinned versions, verified digests) and unpack it
    /// into the FHIR package cache (`~/.fhir/packages/<name>#<version>/package/`).
    Install {
        /// Package cache to install into (default: ~/.fhir/packages); use it with --fhir-path DIR.
        #[arg(long)]
        to: Option<PathBuf>,
        /// Install offline from a folder holding the archives (named as the manifest's `file`s).
        #[arg(long)]
        from: Option<PathBuf>,
        /// FHIR package registry to use instead of the manifest's (e.g. an organisation's mirror).
        #[arg(long)]
        registry: Option<String>,
        /// A manifest to use instead of the built-in one (`gpc-assure definitions manifest` prints that).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Reinstall sets that are already installed.
        #[arg(long)]
        force: bool,
    },
    /// Show where definitions come from, what is installed and what each capability uses.
    List {
        /// YAML config file (its `fhir_path` and `definitions` are used).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Folders of FHIR definitions (repeatable; also GPC_FHIR_PATH).
        #[arg(long = "fhir-path")]
        fhir_path: Vec<PathBuf>,
    },
    /// Print the built-in manifest (the sets, their sources and pinned digests).
    Manifest,
}

/// Generates a test PKI into `dir` (the PKCS#12 password random, in `ssp-client.p12.pass`) and lists the files.
fn write_test_pki(
    dir: &std::path::Path,
    options: gpc_assure::tls::certs::PkiOptions,
) -> anyhow::Result<()> {
    let pki = gpc_assure::tls::certs::TestPki::generate(options)?;
    let password = uuid::Uuid::new_v4().simple().to_string();
    let files = pki.write_to(dir, &password)?;
    out!(
        "wrote a test PKI ({} files) to {}:",
        files.len(),
        dir.display()
    );
    for f in &files {
        out!("  {}", f.display());
    }
    Ok(())
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None => Ok(Config::default()),
    }
}

fn parse_faults(names: &[String]) -> anyhow::Result<FaultSet> {
    let faults = names
        .iter()
        .map(|n| n.parse::<Fault>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FaultSet::new(faults))
}

async fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            provider,
            config,
            tags,
            ids,
            report_dir,
            features,
            fhir_path,
            faults,
            plain,
            quiet,
            evidence,
            now,
            tls,
        } => {
            let config_path = config;
            let config = load_config(config_path.as_ref())?;
            let clock = Clock::from_option_or_env(now.as_deref())?;
            let faults = parse_faults(&faults)?;
            let target = match provider {
                Some(url) => {
                    if faults.iter().next().is_some() {
                        anyhow::bail!("--fault applies to the embedded reference provider; drop it or drop --provider");
                    }
                    Target::External(url)
                }
                None => Target::Embedded(faults),
            };
            let opts = RunOptions {
                fhir_path: FhirPath::resolve(&fhir_path, &config.fhir_path),
                report_dir: report_dir.unwrap_or_else(|| config.report_dir.clone()),
                config,
                target,
                features: features.map_or(FeatureSource::Embedded, FeatureSource::Dir),
                tags,
                ids: (!ids.is_empty()).then_some(ids),
                clock,
                evidence: evidence_of(&evidence),
                tls,
                progress: progress_of(quiet, plain),
            };
            let summary = runner::run(opts).await?;
            copy_config(&summary, config_path.as_deref());
            Ok(summarise(&summary, "tests"))
        }
        Command::Validate {
            profiles,
            fhir_version,
            format,
            capability,
            config,
            fhir_path,
            jobs,
            files,
        } => gpc_assure::validate::batch::run(&gpc_assure::validate::batch::Batch {
            profiles: &profiles,
            fhir_version: fhir_version.as_deref(),
            format: &format,
            capability: capability.as_deref(),
            config: &load_config(config.as_ref())?,
            fhir_path: &fhir_path,
            jobs: jobs.map(usize::from),
            files: &files,
        }),
        Command::Features {
            command: FeaturesCommand::Export { dir },
        } => {
            let n = runner::features::export(&dir)
                .with_context(|| format!("cannot write the features to {}", dir.display()))?;
            out!("wrote {n} feature files to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Definitions { command } => definitions(command).await,
        Command::Ssp { listen, certs } => {
            let read = |file: &str| {
                let path = certs.join(file);
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))
            };
            let options = gpc_assure::spine::proxy::ProxyOptions {
                identity: gpc_assure::tls::certs::Pem {
                    cert: read("ssp-client.crt")?,
                    key: read("ssp-client.key")?,
                },
                ca_pem: Some(read("ca.crt")?),
                timeout: std::time::Duration::from_secs(60),
            };
            let proxy = gpc_assure::spine::proxy::start(&listen, options).await?;
            out!(
                "gpc-assure SSP stand-in listening on {} (spine_proxy: {})",
                proxy.url,
                proxy.url
            );
            tokio::signal::ctrl_c()
                .await
                .context("cannot wait for Ctrl-C")?;
            proxy.stop().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Consumer { command } => consumer_command(command).await,
        Command::Report {
            dir,
            pack,
            out,
            verify,
        } => report(dir, pack, out, verify),
        Command::Certs {
            command:
                CertsCommand::Generate {
                    dir,
                    hosts,
                    ssp_fqdn,
                },
        } => {
            let mut options = gpc_assure::tls::certs::PkiOptions {
                ssp_fqdn,
                ..Default::default()
            };
            options.hosts.extend(hosts);
            write_test_pki(&dir, options)?;
            out!("try it: gpc-assure serve --tls {0} (or --tls-cert {0}/provider.crt --tls-key {0}/provider.key --client-ca {0}/ca.crt --crl {0}/ca.crl)", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            faults,
            config,
            fhir_path,
            list_faults,
            now,
            disabled_areas,
            tls_cert,
            tls_key,
            client_ca,
            crl,
            client_fqdn,
            redirect_listen,
            tls,
            inspect,
        } => {
            if list_faults {
                for f in Fault::ALL {
                    out!("{:<36} {}", f.name(), f.description());
                }
                return Ok(ExitCode::SUCCESS);
            }
            let config = load_config(config.as_ref())?;
            let clock = Clock::from_option_or_env(now.as_deref())?;
            let faults = parse_faults(&faults)?;
            let read = |p: &PathBuf| {
                std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let serving = match (tls, tls_cert, tls_key) {
                (Some(dir), _, _) => {
                    if !dir.join("provider.crt").is_file() {
                        write_test_pki(&dir, gpc_assure::tls::certs::PkiOptions::default())?;
                    }
                    Some(provider::tls::TlsServing::from_test_dir(&dir)?)
                }
                (None, Some(cert), Some(key)) => Some(provider::tls::TlsServing {
                    cert_pem: read(&cert)?,
                    key_pem: read(&key)?,
                    client_ca_pem: client_ca.as_ref().map(read).transpose()?,
                    crl_pem: crl.as_ref().map(read).transpose()?,
                    client_fqdn,
                    redirect_listen: None,
                    plain_listen: None,
                }),
                _ => None,
            };
            let serving = match (serving, redirect_listen) {
                (None, Some(_)) => anyhow::bail!(
                    "--redirect-listen redirects plain HTTP to TLS: give --tls DIR or --tls-cert and --tls-key too"
                ),
                (serving, redirect) => serving.map(|mut s| {
                    s.redirect_listen = redirect;
                    s
                }),
            };
            let fhir_path = FhirPath::resolve(&fhir_path, &config.fhir_path);
            let index = std::sync::Arc::new(fhir_path.index()?);
            let inspector = inspect.then(|| {
                std::sync::Arc::new(gpc_assure::consumer::inspector::for_config(
                    &config,
                    &fhir_path,
                    index.clone(),
                    None,
                ))
            });
            let options = ProviderOptions {
                asid: config.provider_asid.clone(),
                faults,
                fhir_path,
                roots: config.service_roots.clone(),
                clock,
                index: Some(index),
                disabled_areas,
                tls: serving,
                inspector,
                upstream: None,
                html_default_time_frames: config.html.default_time_frames.clone(),
            };
            let running = provider::start(&listen, options)
                .await
                .context("cannot start the reference provider")?;
            out!(
                "gpc-assure reference provider listening on {}",
                running.base_url
            );
            for (cap, root) in running.service_roots() {
                out!("  {:<13} {root}", cap.tag());
            }
            if let Some(redirect) = &running.redirect_url {
                out!("  plain HTTP    {redirect} (redirects to TLS)");
            }
            if running.state.inspector().is_some() {
                out!(
                    "  inspecting consumer requests: findings at {}/_gpc-assure/findings",
                    running.base_url
                );
            }
            if !config.html.default_time_frames.is_empty() {
                out!(
                    "  html default time frames (months): {}",
                    config.html.default_time_frames.describe()
                );
            }
            if clock.is_shifted() {
                out!(
                    "  clock: {} (started with --now/GPC_NOW)",
                    clock.now().to_rfc3339()
                );
            }
            for f in running.state.faults().iter() {
                out!("  fault: {} ({})", f.name(), f.description());
            }
            tokio::signal::ctrl_c()
                .await
                .context("cannot wait for Ctrl-C")?;
            running.stop().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn definitions(command: DefinitionsCommand) -> anyhow::Result<ExitCode> {
    use gpc_assure::definitions::{self, install, Manifest};
    match command {
        DefinitionsCommand::Install {
            to,
            from,
            registry,
            manifest,
            force,
        } => {
            let mut manifest = match manifest {
                Some(path) => Manifest::load(&path)?,
                None => Manifest::builtin().clone(),
            };
            if let Some(r) = registry {
                manifest.registry = r;
            }
            let to = match to.or_else(definitions::package_cache) {
                Some(t) => t,
                None => anyhow::bail!(
                    "there is no home folder for the FHIR package cache; give --to DIR"
                ),
            };
            if let Some(dir) = &from {
                if !dir.is_dir() {
                    anyhow::bail!("--from {} is not a folder", dir.display());
                }
            }
            use std::io::IsTerminal as _;
            let opts = install::InstallOptions {
                manifest,
                downloads: gpc_assure::fhir::packages::cache_dir().join("downloads"),
                to: to.clone(),
                from,
                force,
                live_progress: std::io::stderr().is_terminal(),
            };
            let mut log = std::io::stderr();
            let outcomes = install::install(&opts, &mut log).await?;
            let installed = outcomes
                .iter()
                .filter(|(_, o)| matches!(o, install::SetOutcome::Installed { .. }))
                .count();
            out!(
                "{} definition sets ready in {} ({installed} installed now, {} already there)",
                outcomes.len(),
                to.display(),
                outcomes.len() - installed
            );
            Ok(ExitCode::SUCCESS)
        }
        DefinitionsCommand::List { config, fhir_path } => {
            let config = load_config(config.as_ref())?;
            let (path, origin) = FhirPath::resolve_with_origin(&fhir_path, &config.fhir_path);
            let cache = definitions::package_cache();
            out!(
                "{}",
                definitions::list::report(&path, origin, &config.definitions, cache.as_deref())
            );
            Ok(ExitCode::SUCCESS)
        }
        DefinitionsCommand::Manifest => {
            out!("{}", definitions::manifest::BUILTIN);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `validate` has its own thread pool and no I/O to await: a runtime without worker threads starts faster.
    let mut runtime = if matches!(cli.command, Command::Validate { .. }) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let outcome = runtime
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(real_main(cli)));
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn consumer_command(command: ConsumerCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConsumerCommand::Demo(args) => {
            let code = gpc_assure::consumer::demo::main_entry(args).await;
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(2)))
        }
        ConsumerCommand::Rules => {
            for r in gpc_assure::consumer::rules::rules() {
                out!("{:<28} {}", r.id, r.requirement);
            }
            Ok(ExitCode::SUCCESS)
        }
        ConsumerCommand::Run {
            config,
            tags,
            ids,
            report_dir,
            features,
            fhir_path,
            plain,
            quiet,
            evidence,
            now,
            replay,
            capture,
        } => {
            let config_path = config;
            let mut config = load_config(Some(&config_path))?;
            if let Some(from) = replay {
                config.consumer.driver = gpc_assure::consumer::config::DriverKind::Replay;
                config.consumer.replay =
                    Some(gpc_assure::consumer::config::ReplaySettings { from });
            }
            if capture.is_some() {
                config.consumer.capture = capture;
            }
            let clock = Clock::from_option_or_env(now.as_deref())?;
            let opts = RunOptions {
                fhir_path: FhirPath::resolve(&fhir_path, &config.fhir_path),
                report_dir: report_dir.unwrap_or_else(|| config.report_dir.clone()),
                config,
                target: Target::Consumer,
                features: features.map_or(FeatureSource::Embedded, FeatureSource::Dir),
                tags,
                ids: (!ids.is_empty()).then_some(ids),
                clock,
                evidence: evidence_of(&evidence),
                tls: false,
                progress: progress_of(quiet, plain),
            };
            let summary = runner::run(opts).await?;
            copy_config(&summary, Some(&config_path));
            Ok(summarise(&summary, "consumer tests"))
        }
    }
}

/// Keeps the run's configuration (secrets redacted) in its report folder for the evidence pack.
fn copy_config(summary: &runner::RunSummary, path: Option<&std::path::Path>) {
    if let Err(e) = gpc_assure::report::config_copy::write(&summary.report_dir, path) {
        eprintln!(
            "warning: cannot copy the configuration into {}: {e}",
            summary.report_dir.display()
        );
    }
}

/// `gpc-assure report`.
fn report(
    dir: Option<PathBuf>,
    pack: Option<PathBuf>,
    out: Option<PathBuf>,
    verify: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    use gpc_assure::report::{html, pack as packs};
    if let Some(path) = verify {
        let v = packs::verify(&path)?;
        if v.problems.is_empty() {
            out!(
                "{}: verified, {} files match manifest.json ({}, packed {} by {})",
                path.display(),
                v.manifest.files.len(),
                v.manifest.summary,
                v.manifest.created,
                v.manifest.tool
            );
            return Ok(ExitCode::SUCCESS);
        }
        for p in &v.problems {
            out!("{}: {p}", path.display());
        }
        out!(
            "{}: does NOT match its manifest ({} problems)",
            path.display(),
            v.problems.len()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(folder) = pack {
        let out = out.unwrap_or_else(|| {
            let name = folder
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_os_string()))
                .unwrap_or_else(|| "reports".into());
            let mut zip = name;
            zip.push(".zip");
            folder
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join(&zip)))
                .unwrap_or_else(|| PathBuf::from(zip))
        });
        let packed = packs::pack(&folder, &out)?;
        out!(
            "wrote {} ({} files, {} bytes); check it with `gpc-assure report --verify {}`",
            packed.path.display(),
            packed.files,
            packed.bytes,
            packed.path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("reports"));
    html::write(&dir)?;
    out!("wrote {}", dir.join(html::FILE).display());
    Ok(ExitCode::SUCCESS)
}

fn evidence_of(name: &str) -> Evidence {
    match name {
        "failed" => Evidence::Failed,
        "none" => Evidence::None,
        _ => Evidence::All,
    }
}

fn progress_of(quiet: bool, plain: bool) -> Progress {
    if quiet {
        Progress::Quiet
    } else if plain {
        Progress::Plain
    } else {
        Progress::Auto
    }
}

/// Prints a run's one-line summary; the exit status says whether every test passed.
fn summarise(summary: &runner::RunSummary, what: &str) -> ExitCode {
    out!(
        "{} passed, {} failed ({} {what} in {:.1} s against {}; reports in {})",
        summary.passed(),
        summary.failed(),
        summary.outcomes.len(),
        summary.elapsed.as_secs_f64(),
        summary.base_url,
        summary.report_dir.display()
    );
    if summary.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
