"""The catalogue of changes to the deployment that the self-tests run the suite on.

BREAKAGES: for every promise that has scenarios, a deliberately broken copy of the deployment (or, where
no change of the deployment can break it, a misbehaving fake upstream: tests/misbehaving_upstreams.py)
under which that promise's scenarios fail for the reason their message gives, while the other promises
run alongside still hold. A suite that stays green on one of these cannot tell that promise broke.

SOUND_CHANGES: changes a user may make, the guide's own advice and the suite's among them, under which
no promise may break (findings are fine). A suite that fails on one of these blames a sound deployment.

Changes are (script, text in the bundled script, its replacement), applied by Deployment.copy_with.
Each entry names the scenarios its child run selects (node ids under suites/): a run of the whole
suite per entry would cost an hour; the scenarios chosen are those that can notice the change.

Settings a sound change changes, and the scenarios that read them. A scenario whose precondition or
expectation depends on a deployment setting reads it as devpi applies it (fixtures/effective.py,
`effective_setting`) and declares it: `@pytest.mark.reads_setting("mirror_no_project_list")` (the fixture
refuses an undeclared one). Where the value makes the scenario moot it skips, "not applicable under this
deployment: <index> <setting> = <value> (<why>)" (`not_applicable`). Each SoundChange names the settings it
changes (`settings`, devpi's names: an index key, or a devpi-server option with underscores), and
tests/test_sound_change_coverage.py checks that its `scenarios` include every scenario declaring one of
them (any parametrization of it) and that each named setting appears in the change's text. Its
`not_applicable` names the scenarios (node ids; or promises, all of whose scenarios may skip) that skip
under it: the self-test then requires them skipped with that reason, and every other scenario judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from suites.offline.offline_advice import ADVICE as OFFLINE_ADVICE
from suites.durability.test_damage import SERVER_LOG_ADVICE
from suites.security.test_weak_points import SECRET_FILE_ADVICE
from suites.service.wrapper_advice import WRAPPER_ADVICE

Change = tuple[str, str, str]

# -- the scenarios, by node id ---------------------------------------------------------------------------

SMOKE = "suites/smoke/test_validation.py::"
SMOKE_R1 = SMOKE + "test_numpy_comes_from_pypi_through_root_local"
SMOKE_R2 = SMOKE + "test_private_package_comes_from_the_intranet_through_root_local"
SMOKE_O1 = SMOKE + "test_private_package_is_still_served_when_the_intranet_refuses"
GREATEST = "suites/resolution/test_greatest_version.py::test_pip_gets_the_greatest_version_across_both_upstreams"
PRE_RULE = "suites/resolution/test_pip_rules.py::test_pre_releases_only_with_pre"
UV_FINAL_BEATS_RC = "suites/resolution/test_uv.py::test_uv_resolves_the_same_version_as_pip[final-beats-newer-rc-final]"
ODD_FILE_NAME = ("suites/resolution/test_names.py::"
                 "test_a_file_named_with_an_unnormalised_project_name_upstream_is_found[fake_artifactory]")
SPELLING = "suites/resolution/test_names.py::test_pip_finds_a_private_package_whatever_the_user_types[dotted]"
SAME_FILE = "suites/resolution/test_same_version.py::test_same_file_on_both_upstreams_is_served_by_the_intranet_index"
NEITHER = "suites/resolution/test_names.py::test_a_name_on_neither_upstream_fails_promptly_through_the_guides_pip_conf"
NEITHER_LOOKED_UP = "suites/resolution/test_names.py::test_a_name_on_neither_upstream_is_looked_up_on_both"
OFFLINE = "suites/offline/"
O1_CACHED = OFFLINE + "test_offline_cached.py::test_a_private_package_fetched_once_is_served_while_the_intranet_is_gone[{}]"
O2_NEVER = (OFFLINE + "test_offline_never_fetched.py::"
            "test_a_private_package_never_fetched_is_not_found_and_public_ones_still_install[{}]")
O3_RESTART = OFFLINE + "test_offline_restart.py::test_the_cached_copy_survives_a_restart_while_the_intranet_is_gone"
O4_EXPIRY = OFFLINE + "test_offline_new_releases.py::test_a_new_release_becomes_installable_once_the_cache_expiry_has_passed"
O4_BACK = (OFFLINE + "test_offline_new_releases.py::"
           "test_when_the_intranet_comes_back_new_releases_are_picked_up_and_nothing_cached_is_lost[{}]")
O5_OUTAGE = OFFLINE + "test_offline_pypi_gone.py::test_a_pypi_outage_fails_public_packages_clearly_and_spares_private_ones[{}]"
O6_PROMPT = OFFLINE + "test_offline_public_latency.py::test_public_packages_install_promptly_while_the_intranet_is_gone[{}]"
O6_ADVICE = OFFLINE + "test_offline_public_latency.py::test_a_shorter_request_timeout_bounds_the_latency"
O7_LIST = (OFFLINE + "test_offline_new_projects.py::"
           "test_a_new_project_becomes_installable_once_devpi_reads_the_project_list_again[{}]")
CACHING = "suites/caching/"
P1_PASS_THROUGH = CACHING + "test_pass_through.py::test_pypi_files_pass_through_and_are_never_stored"
P2_STORED = CACHING + "test_cached.py::test_intranet_file_is_stored_once_and_served_from_the_copy"
P3_NOTE = CACHING + "test_cached.py::test_the_guides_note_caches_pypi_files_and_disk_grows_by_them"
P4_HASH = CACHING + "test_integrity.py::test_bytes_not_matching_the_advertised_hash_never_reach_pip_as_good[{}]"
CONTAINERS = "suites/containers/"
C1_GUIDE = CONTAINERS + "test_container_pip.py::test_pip_in_a_container_gets_the_hosts_files_on_and_off_the_vpn"
C1_NO_PYPI = CONTAINERS + "test_container_pip.py::test_a_container_that_cannot_reach_pypi_gets_no_public_package"
B1_CROWD = "suites/benchmarks/test_crowd.py::test_sixteen_clients_at_once"
# The benchmarks run only when asked, and one timed round is enough to see who served the files.
B1_ONE_ROUND = ("--benchmarks", "--benchmark-rounds", "1")
REPORTED = "suites/reported/"
NO_PROJECT_LIST_931 = REPORTED + "test_devpi_931_no_project_list.py::test_private_package_from_an_intranet_without_a_project_list"
LOGIN_IN_MIRROR_URL_1006 = REPORTED + "test_devpi_1006_login_in_mirror_url.py::test_private_package_through_a_mirror_url_with_a_login"
EXPIRY_AFTER_304_1044 = REPORTED + "test_devpi_1044_cache_expiry.py::test_a_304_from_the_intranet_starts_a_new_cache_expiry"
DURABILITY = "suites/durability/"
D1_CROWD = DURABILITY + "test_cold_crowd.py::test_many_clients_at_once_on_a_cold_cache_get_what_one_client_alone_gets[{}]"
D2_KILL = DURABILITY + "test_kill.py::test_devpi_server_killed_mid_request_comes_back_consistent_with_nothing_lost"
D3_LOOP = DURABILITY + "test_damage.py::test_a_deleted_file_does_not_keep_the_service_in_a_silent_restart_loop"
D4_LOAD = (DURABILITY + "test_load.py::"
           "test_the_service_keeps_answering_under_sustained_mixed_load_with_memory_and_files_bounded")
SERVICE = "suites/service/"
S2_FORWARD = SERVICE + "test_wrapper_signals.py::test_the_wrapper_forwards_a_stop_as_sigint_and_exits_with_the_programs_status"
S2_CLEAN_STOP = SERVICE + "test_wrapper_signals.py::test_sigterm_and_sigint_stop_devpi_server_cleanly_and_the_next_start_serves_the_cache"
S2_ANY_MOMENT = SERVICE + "test_wrapper_signals.py::test_a_stop_at_any_moment_of_the_wrappers_start_stops_everything"
S2_WRAPPER_DIES = SERVICE + "test_keepalive.py::test_when_the_wrapper_dies_devpi_server_is_not_left_behind"
S3_SIGNAL_STOP = SERVICE + "test_keepalive.py::test_a_stop_by_signal_that_is_not_a_bootout"
C3_PIP_SEARCH = "suites/clients/test_pip_search.py::test_pip_search_through_the_guides_search_index"
S5_BROWSER = "suites/clients/test_browser.py::test_a_browser_at_the_services_url_shows_devpi"
MODEL = "suites/model/test_deployment_model.py::test_any_sequence_of_events_keeps_the_promises"
# The state machine waits out the longest expiry in force at every wait (31 s under the short-expiry advice): only
# its cheapest story that reads it, two waits and the intranet hanging (O1), and no random sequence.
MODEL_CHEAPEST = ("--model-sequences", "0", "--model-story", "the_intranet_hangs")
S4_UPGRADE = "suites/upgrade/test_upgrade.py::test_the_guides_upgrade_keeps_configuration_cached_files_and_logins"
# The rehearsal needs the version a user upgrades from: two kept installs, one patch release apart (in place works).
S4_REHEARSAL = ("--upgrade-from", "6.19.3", "--devpi-server-version", "6.20.3")

# suites/durability's long variants run under the nightly profile only (durability_support.nightly_only).
DURABILITY_NIGHTLY = ("--hypothesis-profile", "nightly")

# -- the changes -----------------------------------------------------------------------------------------

BASES = "bases='root/python-local,root/pypi'"
PYTHON_LOCAL_END = "  volatile=False\n"  # the last option of `devpi index -c python-local` in configure.sh
PIP_CONF_GLOBAL = "trusted-host = localhost\n"  # the last line of pip.conf's [global] in client-config.sh
WRAPPER_START = "    process = subprocess.Popen(sys.argv[1:], start_new_session=True)\n"


def python_local_option(option: str) -> Change:
    """One more `key=value` on the guide's `devpi index -c python-local`."""
    return ("configure.sh", PYTHON_LOCAL_END, f"  volatile=False \\\n  {option}\n")


def pip_conf_global(*lines: str) -> Change:
    """More settings in pip.conf's [global] section, as client-config.sh writes it."""
    return ("client-config.sh", PIP_CONF_GLOBAL, PIP_CONF_GLOBAL + "".join(f"{line}\n" for line in lines))


ONLY_PYPI = ("configure.sh", BASES, "bases='root/pypi'")
ONLY_PYTHON_LOCAL = ("configure.sh", BASES, "bases='root/python-local'")
PYPI_FIRST = ("configure.sh", BASES, "bases='root/pypi,root/python-local'")
PYTHON_LOCAL_KEEPS_NOTHING = python_local_option("mirror_use_external_urls=True")
PIP_CONF_ON_ROOT_PYPI = ("client-config.sh", "index-url = http://localhost:${DEPLOY_PORT}/root/local/+simple/",
                         "index-url = http://localhost:${DEPLOY_PORT}/root/pypi/+simple/")
# The server directory on a volume that does not outlive the service (a tmpfs, a login script that
# re-creates it): the wrapper starts each time from a fresh devpi-init. (Deleting only the stored files is
# no such case: devpi-server then refuses to start, "Couldn't initialize storage".)
SERVERDIR_RECREATED_AT_START = (
    "service.sh", WRAPPER_START,
    "    import os, shutil\n"
    "    serverdir = sys.argv[sys.argv.index('--serverdir') + 1]\n"
    "    shutil.rmtree(serverdir, ignore_errors=True)\n"
    "    subprocess.run([os.path.join(os.path.dirname(sys.argv[1]), 'devpi-init'), '--serverdir', serverdir,\n"
    "                    '--storage', 'sqlite', '--root-passwd', 'root'], check=True, capture_output=True)\n"
    + WRAPPER_START)
NOTE_LEAVES_PASS_THROUGH = ("cache-pypi.sh", "mirror_use_external_urls=False", "mirror_use_external_urls=True")
# The guide's note ("cache all packages"), applied where the guide says: in the configuration commands.
NOTE_IN_CONFIGURE = (("configure.sh", "devpi index pypi mirror_use_external_urls=True",
                      "devpi index pypi mirror_use_external_urls=False"),
                     ("configure.sh", "# don't cache PyPI packages", "# the guide's note: cache all packages, PyPI's too"))

UPGRADE_BOOTSTRAP = 'launchctl bootstrap "gui/$(id -u)/"'
UPGRADE_FORGETS_BOOTSTRAP = ("upgrade.sh", UPGRADE_BOOTSTRAP, f": {UPGRADE_BOOTSTRAP}")
# "A clean start for the new version": the server directory replaced by a fresh devpi-init before the bootstrap.
UPGRADE_REINITS_SERVERDIR = ("upgrade.sh", UPGRADE_BOOTSTRAP,
                             'rm -r -- "${DEPLOY_SERVERDIR}"\n"$(dirname -- "$0")/init.sh"\n' + UPGRADE_BOOTSTRAP)
# The environment's update fails (pip refuses its command line) after the bootout: set -e ends the script.
UPGRADE_EXITS_NON_ZERO = ("upgrade.sh", "--upgrade --", "--upgrade --no-such-pip-option --")
# The plist rewritten on the way (an option devpi-server does not know): version B's job exits at once, with
# the old server directory intact, so devpi's export/import still works.
UPGRADE_BREAKS_THE_PLIST = (
    "upgrade.sh", UPGRADE_BOOTSTRAP,
    'sed -i.bak "s|<string>--port</string>|<string>--no-such-option</string><string>--port</string>|" '
    '"${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist"\n' + UPGRADE_BOOTSTRAP)
# launchd starts the service at load and never again: a crash stays a crash.
NO_KEEPALIVE = ("service.sh", "    <dict>\n        <key>SuccessfulExit</key>\n        <false/>\n    </dict>\n",
                "    <false/>\n    <key>RunAtLoad</key>\n    <true/>\n")
# A wrapper that caps devpi-server's open files (a `ulimit -n` a user adds): enough to start, not for a crowd.
WRAPPER_FEW_FILES = ("service.sh", WRAPPER_START,
                     "    import resource\n    resource.setrlimit(resource.RLIMIT_NOFILE, (20, 20))\n" + WRAPPER_START)
# A wrapper that discards devpi-server's output (as launchd does without StandardOutPath): whatever stops it is unsaid.
WRAPPER_SILENT = ("service.sh", WRAPPER_START, WRAPPER_START.replace(
    "start_new_session=True)", "start_new_session=True,\n                               "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"))

# -- the catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakage:
    """`changes` (or `misbehave`) break promise `breaks`: its scenarios among `scenarios` fail with an
    assertion whose message starts with "[breaks]" and matches `because`; the promises in `holds`
    (whose scenarios are in `scenarios` too) stay kept. `args`: options the child run needs besides."""

    name: str
    changes: tuple[Change, ...]
    breaks: str
    because: str
    scenarios: tuple[str, ...]
    holds: tuple[str, ...] = ()
    misbehave: str = ""
    args: tuple[str, ...] = ()

    @property
    def copy(self) -> tuple[tuple[Change, ...], str, tuple[str, ...]]:
        """Breakages with the same copy (and misbehaviour, and options) are checked from one child run."""
        return self.changes, self.misbehave, self.args


BREAKAGES = [
    Breakage("root/local lacks root/pypi", (ONLY_PYTHON_LOCAL,), "R1",
             r"pip could not download numpy through root/local", (SMOKE_R1, SMOKE_R2), holds=("R2",)),
    # O2's scenario installs a public package while the intranet is gone: with no root/pypi it fails.
    Breakage("root/local lacks root/pypi", (ONLY_PYTHON_LOCAL,), "O2",
             r"the intranet refuses connections: the public numpy, downloaded at the same moment, failed",
             (O2_NEVER.format("refused"),)),
    Breakage("root/local lacks root/python-local", (ONLY_PYPI,), "R2",
             r"pip could not download private-package through root/local", (SMOKE_R2, SMOKE_R1), holds=("R1",)),
    # The property test's own self-test (test_resolution_selftest.py) checks the shrunk counterexample of this run.
    Breakage("root/local lacks root/python-local", (ONLY_PYPI,), "R3",
             r"pip through root/local got nothing, but the greatest version", (GREATEST,)),
    Breakage("pip.conf points at root/pypi", (PIP_CONF_ON_ROOT_PYPI,), "R2",
             r"pip could not download private-package through root/local", (SMOKE_R2, SMOKE_R1), holds=("R1",)),
    Breakage("pip.conf turns pre-releases on", (pip_conf_global("pre = true"),), "R3",
             r"without --pre pip must keep the final 1\.0", (PRE_RULE, SMOKE_R2), holds=("R2",)),
    Breakage("pip.conf turns pre-releases on", (pip_conf_global("pre = true"),), "C4",
             r"pip through root/local got 2\.0rc1, but the greatest version under pip's default rule .* is 1\.10",
             (UV_FINAL_BEATS_RC,)),
    # pip normalises what the user types and devpi what it asks for, so no deployment change reaches R4:
    # an upstream page that leaves out a file named with another spelling of the project does.
    Breakage("the intranet's pages leave out files named with another spelling", (), "R4",
             r"pip should get 3\.0 from Private\.Package.*\.tar\.gz on fake Artifactory", (ODD_FILE_NAME, SMOKE_R2),
             holds=("R2",), misbehave="unnormalised-files-hidden"),
    Breakage("root/local lists root/pypi before root/python-local", (PYPI_FIRST,), "R5",
             r"expected the intranet's index \(first in root/local's bases\) to serve", (SAME_FILE, SMOKE_R1, SMOKE_R2),
             holds=("R1", "R2")),
    # A decommissioned index left in pip.conf: pip retries it (6 times, 15.5 s of back-off) before saying "not found".
    Breakage("pip.conf lists an extra index that refuses connections",
             (pip_conf_global("extra-index-url = http://localhost:1/simple/", "retries = 6"),), "R6",
             r"pip took [\d.]+ s \(bound 10\.0 s\)", (NEITHER,)),
    Breakage("root/python-local keeps no files", (PYTHON_LOCAL_KEEPS_NOTHING,), "O1",
             r"the intranet refuses connections.*: pip could not get .*while the\s+intranet was up",
             (O1_CACHED.format("refused"), SMOKE_O1, SMOKE_R2), holds=("R2",)),
    Breakage("root/python-local keeps no files", (PYTHON_LOCAL_KEEPS_NOTHING,), "P2",
             r"expected one stored copy of .* found 0|expected the file from root/t\d+-python-local", (P2_STORED,)),
    # The crowd's figure is devpi serving its copies of intranet files: with none kept, the crowd goes to the
    # intranet, and the benchmark refuses to report that as devpi's speed.
    Breakage("root/python-local keeps no files", (PYTHON_LOCAL_KEEPS_NOTHING,), "B1",
             r"precondition: the intranet saw \d+ file requests in the crowd's rounds, expected only the direct ones",
             (B1_CROWD,), args=B1_ONE_ROUND),
    Breakage("the server directory is re-created at every start of the service", (SERVERDIR_RECREATED_AT_START,), "O3",
             r"after a restart of devpi-server with the intranet refusing connections: pip could not get",
             (O3_RESTART, SMOKE_R2), holds=("R2",)),
    # devpi re-reads a page once its expiry has passed; no setting stops that, but a proxy in front of the
    # intranet that never revalidates does.
    Breakage("the intranet's project pages never change (a stale caching proxy)", (), "O4",
             r"was still not on devpi's page for .* after devpi last read that page", (O4_EXPIRY, SMOKE_R2),
             holds=("R2",), misbehave="frozen-project-pages"),
    # pip.conf names a second index on PyPI's host (it has none of the projects: pip takes nothing from it):
    # during a PyPI outage pip retries it for every package, private ones included (6 retries: 15.5 s).
    Breakage("pip.conf also lists an index on PyPI's host",
             (pip_conf_global("extra-index-url = ${DEPLOY_PYPI_URL%simple/}extras/simple/", "retries = 6"),), "O5",
             r"PyPI refuses connections while the intranet is up: pip got private-.* only after [\d.]+ s, more than the 10 s",
             (O5_OUTAGE.format("refuse"),)),
    # pip gives up on a page sooner than devpi waits for an unreachable intranet (5 s): public installs fail.
    Breakage("pip.conf sets a 3 s timeout and no retries", (pip_conf_global("timeout = 3", "retries = 0"),), "O6",
             r"the intranet accepts connections and never answers, .*(could not download numpy|beyond pip's default timeout)",
             (O6_PROMPT.format("hang"),)),
    Breakage("the upstreams' project lists never change (a stale caching proxy)", (), "O7",
             r"created on the intranet upstream, was still not served through", (O7_LIST.format("intranet"), SMOKE_R2),
             holds=("R2",), misbehave="frozen-project-list"),
    # With mirror_use_external_urls=True devpi stores nothing whatever else the deployment says, and with False
    # (the guide's note) P1 does not apply (SOUND_CHANGES): no deployment change breaks P1. A caching proxy in
    # front of PyPI that answers repeated downloads itself breaks "every download reaches PyPI". (The
    # message then blames devpi: from the upstream's request log the suite cannot tell the two apart.)
    Breakage("a caching proxy in front of PyPI answers repeated downloads itself", (), "P1",
             r"fake PyPI saw 1 request\(s\) for numpy-.* in two downloads: devpi answered from a copy",
             (P1_PASS_THROUGH, SMOKE_R1), holds=("R1",), misbehave="frozen-files"),
    Breakage("the guide's note leaves PyPI pass-through", (NOTE_LEAVES_PASS_THROUGH,), "P3",
             r"after cache-pypi\.sh root/pypi is still", (P3_NOTE, P1_PASS_THROUGH), holds=("P1",)),
    # devpi and pip check every file against the sha256 its page advertises; a proxy that rewrites the
    # pages along with the files is what gets corrupt bytes through.
    Breakage("a tampering proxy rewrites the upstreams' hashes along with their files", (), "P4",
             r"pip accepted a download while fake (PyPI|Artifactory) served corrupt bytes",
             (P4_HASH.format("pypi"), P4_HASH.format("intranet"), SMOKE_R1, SMOKE_R2), holds=("R1", "R2"),
             misbehave="tampering-proxy"),
    # devpi itself answers some of a cold crowd with incomplete pages (a finding); an upstream whose second answer
    # differs from its first makes the crowd's answer another one than the lone client's.
    Breakage("the intranet serves another build of each release after the first read", (), "D1",
             r"clients at once got another answer than one client alone", (D1_CROWD.format("intranet"),),
             misbehave="rebuilt-after-first-read", args=DURABILITY_NIGHTLY),
    Breakage("the plist's KeepAlive is false", (NO_KEEPALIVE,), "D2",
             r"the service did not come back under launchd's KeepAlive", (D2_KILL,), args=DURABILITY_NIGHTLY),
    Breakage("the wrapper discards devpi-server's output", (WRAPPER_SILENT,), "D3",
             r"the service restarts in a silent loop", (D3_LOOP,), args=DURABILITY_NIGHTLY),
    Breakage("the wrapper caps devpi-server at 20 open files", (WRAPPER_FEW_FILES,), "D4",
             r"under load the service did not answer|answered \d+ of \d+ requests", (D4_LOAD,)),
    # The guide's upgrade without its last command: upgrade.sh boots the service out, updates the environment
    # and exits 0, the service stopped (`:` keeps the line, a no-op).
    Breakage("upgrade.sh forgets the bootstrap", (UPGRADE_FORGETS_BOOTSTRAP,), "S4",
             r"upgrade\.sh \(to devpi-server 6\.20\.3\) finished without an error and left the service stopped",
             (S4_UPGRADE,), args=S4_REHEARSAL),
    # Each of these three was once the finding S4-upgrade-needs-export (an xfail): devpi-server B ran on the
    # re-initialised directory and lost what the old one held; the upgrade failed; B did not start, for
    # another reason than devpi's refusal of the old directory. Only that refusal is the finding.
    Breakage("upgrade.sh re-initialises the server directory", (UPGRADE_REINITS_SERVERDIR,), "S4",
             r"after the deployment's upgrade\.sh devpi-server 6\.20\.3 runs on the server directory of 6\.19\.3 and has "
             r"lost: .*root/python-local is gone", (S4_UPGRADE,), args=S4_REHEARSAL),
    Breakage("upgrade.sh exits non-zero", (UPGRADE_EXITS_NON_ZERO,), "S4",
             r"upgrade\.sh \(to devpi-server 6\.20\.3\) exited with status 2: the upgrade itself failed",
             (S4_UPGRADE,), args=S4_REHEARSAL),
    Breakage("upgrade.sh leaves a plist devpi-server cannot run", (UPGRADE_BREAKS_THE_PLIST,), "S4",
             r"devpi-server did not start, and not because devpi-server 6\.20\.3 refuses the old server directory",
             (S4_UPGRADE,), args=S4_REHEARSAL),
]


class KnownSuiteDefect(Exception):
    """A sound change on which the suite still fails, exactly on the promises its entry names."""


@dataclass(frozen=True)
class SoundChange:
    """A change a user may make: the suite, on `scenarios`, must not fail (findings are fine).

    `known_broken`, with `defect` saying which scenario is wrong and why: the suite fails today on exactly
    these promises. The self-test is then a strict xfail that flips to a failure once the suite is fixed,
    and fails outright if other promises break."""

    name: str
    changes: tuple[Change, ...]
    scenarios: tuple[str, ...]
    known_broken: frozenset[str] = frozenset()
    defect: str = ""
    not_applicable: tuple[str, ...] = ()  # scenarios (or promises) the change makes moot: they skip, saying why
    # Findings whose advice the change applies: the run must not reproduce them. Each is "not reproduced" (its
    # scenarios ran and did not meet it), or "not judged" only by scenarios the entry declares not applicable;
    # one whose scenarios need a tool this machine lacks (LEFT_OUT_HERE) is not judged here.
    gone: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()  # the settings it changes: every scenario reading one is in `scenarios`
    args: tuple[str, ...] = ()  # options its child run needs besides (e.g. one story of the state machine)
    not_reached: tuple[str, ...] = ()  # promises its run may leave "not reached" (a state machine told one story)

    @property
    def marks(self) -> tuple[pytest.MarkDecorator, ...]:
        if not self.known_broken:
            return ()
        return (pytest.mark.xfail(strict=True, raises=KnownSuiteDefect, reason=self.defect),)


def _where_containers_run(*scenarios: str) -> tuple[str, ...]:
    """`scenarios` where a container can run (they skip elsewhere, and a sound change's run must judge every
    promise it selects): podman present or installable, and a private /etc/hosts for the named upstreams."""
    from fixtures import containers, hosts

    cannot = (containers.install_reason() if containers.missing_engine() else None) or hosts.unavailable_reason()
    return _left_out_here(scenarios) if cannot else scenarios


LEFT_OUT_HERE: set[str] = set()  # scenarios a sound change would run, left out for a tool this machine lacks


def _left_out_here(scenarios: tuple[str, ...]) -> tuple[str, ...]:
    LEFT_OUT_HERE.update(scenarios)
    return ()


# devpi-web beside devpi-server, where the guide's environment is made and updated (`micromamba create --name devpi
# -- devpi-client devpi-server devpi-web python`): the advice of S5 and of C3's `pip search`.
DEVPI_WEB = tuple((script, " devpi-client\n", " devpi-client devpi-web\n") for script in ("install.sh", "upgrade.sh"))


def _where_a_browser_runs(*scenarios: str) -> tuple[str, ...]:
    """`scenarios` where chromium is installed or the suite can install it (S5's scenario skips elsewhere)."""
    from fixtures import apt, browser

    runs = not apt.missing([browser.PROGRAM]) or apt.cannot_install(browser.PACKAGES) is None
    return scenarios if runs else _left_out_here(scenarios)


SOUND_CHANGES = [
    # The suite always runs the deployment on a port of its own (DEPLOY_PORT, a free port), which proves
    # the scripts agree on whatever port they are given; this copy changes the guide's default as a user
    # would, and the suite must not depend on 3141 anywhere.
    SoundChange("another port (env.sh's default)", (("env.sh", 'DEPLOY_PORT:=3141', 'DEPLOY_PORT:=8141'),),
                (SMOKE_R1, SMOKE_R2, SMOKE_O1, SPELLING)),
    # A user's own password, set in env.sh whatever the environment says (a default alone would be
    # overridden by the suite, which passes DEPLOY_ROOT_PASSWORD=root, and prove nothing). The harness
    # logs in with what env.sh gives (Deployment.effective), and X2's finding on the guide's password goes.
    SoundChange("another root password", (("env.sh", ': "${DEPLOY_ROOT_PASSWORD:=root}"', 'DEPLOY_ROOT_PASSWORD=s3cret-pw'),),
                (SMOKE_R2, SPELLING, "suites/security/test_weak_points.py::test_root_does_not_keep_the_guides_password"),
                gone=("X2-guide-root-password",)),
    SoundChange("another title for root/local", (("configure.sh", "title='Local: personal index'",
                                                  "title='Team index: intranet first, then PyPI'"),),
                (SMOKE_R1, SMOKE_R2, SMOKE_O1, SAME_FILE), settings=("title",)),
    # The guide's own note: P1 (pass-through) no longer applies and is skipped; O5 gets numpy from devpi's copy;
    # a container gets numpy from devpi too (C1), and the container-needs-PyPI finding does not apply. D4's load
    # reads PyPI's files as devpi answers them alone (bytes here, not a redirect), which its whole run once did not.
    SoundChange("the guide's cache-PyPI note in configure.sh", NOTE_IN_CONFIGURE,
                (SMOKE_R1, P1_PASS_THROUGH, P3_NOTE, P4_HASH.format("pypi"), O5_OUTAGE.format("refuse"), D4_LOAD,
                 *_where_containers_run(C1_GUIDE, C1_NO_PYPI)),
                not_applicable=(P1_PASS_THROUGH, *_where_containers_run(C1_NO_PYPI)), settings=("mirror_use_external_urls",),
                gone=("C1-container-needs-pypi",)),
    # The suites' own advice, taken as their findings give it.
    # The offline scenarios' time bounds scale with the request timeout: each that reads it runs here.
    SoundChange("advice: devpi-server --request-timeout (O6)", (OFFLINE_ADVICE["request-timeout"],),
                (O1_CACHED.format("hang"), O2_NEVER.format("hang"), O6_PROMPT.format("hang"), O6_ADVICE, O3_RESTART,
                 O4_EXPIRY, O4_BACK.format("hang"), O7_LIST.format("intranet"), SMOKE_R1, SMOKE_R2),
                settings=("request_timeout",)),
    SoundChange("advice: mirror_no_project_list=True on root/python-local (O7)", (OFFLINE_ADVICE["python-local-no-project-list"],),
                (O7_LIST.format("intranet"), O2_NEVER.format("refused"), O6_PROMPT.format("refused"), NEITHER_LOOKED_UP,
                 O6_ADVICE, NO_PROJECT_LIST_931, LOGIN_IN_MIRROR_URL_1006, SMOKE_R1, SMOKE_R2,
                 # a whole run found the crowd's cold page a 404 here (D1's finding, no error): kept in the subset
                 D1_CROWD.format("both")),
                not_applicable=(NO_PROJECT_LIST_931, LOGIN_IN_MIRROR_URL_1006), settings=("mirror_no_project_list",),
                gone=("R2-intranet-without-project-list", "O7-new-project-delay")),
    SoundChange("advice: a short mirror_cache_expiry on root/python-local (O7)", (OFFLINE_ADVICE["python-local-short-expiry"],),
                (O4_EXPIRY, O7_LIST.format("intranet"), O1_CACHED.format("refused"), O6_PROMPT.format("refused"),
                 O6_ADVICE, EXPIRY_AFTER_304_1044, SMOKE_R2, MODEL), settings=("mirror_cache_expiry",), args=MODEL_CHEAPEST,
                not_reached=("R3", "O3", "C4", "D1", "D2", "D3"), gone=("O7-new-project-delay",)),
    SoundChange("advice: a persistent secret file (X2)", SECRET_FILE_ADVICE,
                ("suites/security/test_weak_points.py::test_a_login_survives_a_restart_of_the_service",
                 "suites/security/test_access.py::test_without_the_root_password_nothing_can_be_changed[anonymous]",
                 SMOKE_R1, SMOKE_R2),
                gone=("X2-tokens-die-at-restart",), settings=("secretfile",)),
    # The wrapper as the service scenarios advise it (suites/service/wrapper_advice.py): an early stop noted and
    # sent, a forwarded stop bounded, a clean stop a success, devpi-server in the job's process group.
    SoundChange("advice: the wrapper's stop handling (S2, S3)", WRAPPER_ADVICE,
                (S2_ANY_MOMENT, S3_SIGNAL_STOP, S2_WRAPPER_DIES, S2_FORWARD, S2_CLEAN_STOP),
                gone=("S2-stop-lost-while-spawning", "S2-stop-lost-during-devpi-start", "S2-wrapper-death-orphans-devpi",
                      "S3-signal-stop-restarts")),
    # devpi's output in a file the plist names (D3's advice): the restart loop stays devpi's, its reason is in
    # that file, and every scenario reading devpi's log reads it there.
    SoundChange("advice: the plist's StandardOutPath and StandardErrorPath (D3)", (SERVER_LOG_ADVICE,),
                (D3_LOOP, C3_PIP_SEARCH), args=DURABILITY_NIGHTLY),
    # devpi-web installed with devpi-server: a browser at the service's URL gets devpi's web page (S5), and devpi answers
    # `pip search` through pip.conf's [search] index (C3), though pip then stops on the version '' devpi-web gives a
    # project devpi has not fetched yet: a finding of its own (C3-pip-search-uncached-version), found by this run.
    # SPELLING publishes into a per-test clone: devpi-web reads a mirror's project list as the index is made, which
    # once made every such scenario miss its own project (15 promises BROKEN on the whole run).
    SoundChange("advice: devpi-web beside devpi-server (S5, C3)", DEVPI_WEB,
                (C3_PIP_SEARCH, *_where_a_browser_runs(S5_BROWSER), SMOKE_R1, SMOKE_R2, SPELLING),
                gone=("C3-pip-search-fails", "S5-no-web-page")),
]


# Every finding either has its advice applied by a sound change above (its `gone`), or is here with the reason its
# advice is no change of the deployment's files (tests/test_sound_change_coverage.py checks the two together name
# every finding, and none twice).
ADVICE_EXEMPT = {
    "R3-reasonless-yank": "devpi's own reading of an empty yank reason; no setting of the deployment changes it (a report "
                          "to devpi)",
    "R3-requires-python-dropped": "its advice is to upgrade devpi-server: a version, not a change of the deployment's files",
    "R5-devpi7-last-base-wins": "its advice is a naming practice (internal names nobody can publish on PyPI), not a change "
                                "of the deployment",
    "X2-public-shadows-private": "its advice is the guide's naming practice (an org-specific prefix, names reserved on "
                                 "PyPI), not a change of the deployment",
    "X2-listens-beyond-loopback": "its advice is the guide's own binding (loopback): the bundled deployment and every "
                                  "sound change already follow it; the finding fires only where C2's advice is applied",
    "X2-plain-http": "its advice (TLS in front: devpi-gen-config's nginx, a certificate clients trust) adds a program "
                     "beyond the guide's deployment; on loopback it is the deployment as it is",
    "O1-portal-page-replaces-cache": "devpi's behaviour under a captive portal; no setting of the deployment prevents it "
                                     "(the finding states it, with no change to make)",
    "O1-outage-logs-traceback": "its advice is that there is nothing to change (tracebacks to expect, and to report to "
                                "devpi)",
    "O1-devpi7-cached-file-500": "its advice is a version (stay on devpi-server 6.x), not a change of the deployment",
    "O6-latency-off-vpn": "its advice (--request-timeout 2) bounds each wait, not a run under the default 2 s threshold: "
                          "applied by the sound change 'advice: devpi-server --request-timeout (O6)', and its claim (each "
                          "wait 2 s, the finding gone under a threshold of 14 s) proven by tests/test_vpn_selftest.py",
    "O7-devpi7-refresh-unknown-project-500": "devpi 7 only; its advice (mirror_no_project_list=True on the mirror) is the "
                                             "sound change 'advice: mirror_no_project_list=True on root/python-local (O7)', "
                                             "whose runs are on devpi 6, where this finding cannot fire",
    "C2-routed-container-needs-wider-bind": "its advice (--listen on the bridge's address) names an address that exists "
                                            "only inside the scenario's routed network: the scenario applies it to a copy "
                                            "of the deployment itself and checks the container then reaches devpi "
                                            "(suites/containers/test_container_reach.py)",
    "D1-concurrent-cold-page-incomplete": "its advice is for clients (let one warm a new project first, retry a 'not "
                                          "found'), not a change of the deployment",
    "D1-devpi7-concurrent-file-500": "devpi 7's own race storing a file; no setting of the deployment avoids it (clients "
                                     "that retry, as pip and uv do, get the file)",
    "D3-truncated-copy-served": "its advice is a recovery command (delete the damaged file while the intranet is up), "
                                "checked by the scenario itself",
    "D3-full-disk-cuts-download": "its advice is a recovery (free space), checked by the scenario itself",
    "D3-missing-file-restart-loop": "the loop is devpi-server's, no change of the deployment ends it; its advice (the plist's "
                                    "StandardOutPath) keeps the reason readable: applied by the sound change 'advice: the "
                                    "plist's StandardOutPath and StandardErrorPath (D3)', under which the scenario judges "
                                    "(the recovery, touch the file, it checks itself)",
    "S4-upgrade-needs-export": "its advice is the migration to devpi 7 (deployment-devpi7/upgrade.sh: export with the "
                               "old devpi, update, import), a copy of its own beside the guide, proven on a 6 -> 7 "
                               "rehearsal by tests/test_devpi7_selftest.py::test_the_migrated_upgrade_of_the_guides_6_"
                               "keeps_configuration_cached_files_and_logins_on_7 (opt-in: runs on 7 belong to the matrix)",
    "C3-pip-search-uncached-version": "met only where devpi-web is installed (the sound change 'advice: devpi-web beside "
                                      "devpi-server (S5, C3)'); its advice is a practice (fetch a project through devpi "
                                      "before searching for it) or giving up pip search, no change of the deployment",
    "B2-slower-than-baseline": "a speed comparison of two devpi-server versions, with no change to make",
}


def breakages_of_copy(breakage: Breakage) -> list[Breakage]:
    return [other for other in BREAKAGES if other.copy == breakage.copy]


def child_run_of(breakage: Breakage) -> dict[str, object]:
    """The child run that judges `breakage`, merged with every other breakage of the same copy:
    the scenarios of all of them, narrowed to their promises (`--promise`)."""
    group = breakages_of_copy(breakage)
    scenarios = list(dict.fromkeys(s for b in group for s in b.scenarios))
    promises = sorted({p for b in group for p in (b.breaks, *b.holds)})
    return {"changes": breakage.changes, "scenarios": scenarios, "promises": promises, "misbehave": breakage.misbehave,
            "args": breakage.args}
