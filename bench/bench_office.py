"""Thirty officers at once on one PostgreSQL: `python bench/bench_office.py [--seconds 60]`.

Starts a throwaway PostgreSQL cluster on loopback (tests/pg.py), makes the demo office
with `correspondence init --demo` as the database owner, adds `--cases N` generated cases
(bench/office_data.py), runs `correspondence server setup` so the server enforces the roles,
and adds 30 people with their own logins (officer + drafter) through the admin service that
`users add` calls. Then 30 officers, each a process of their own (as on thirty desktops;
`--threads` runs them as threads of one process instead), with their own login and engine,
connect as the window does (`UnitOfWorkFactory.connect`) and click through a mix for
`--seconds`:

- **list**: the first page of open cases, most urgent first, and the status-bar counts;
- **search**: the same with a search word;
- **open**: a case's detail pane and its deadline box;
- **triage**: load a logged case in the triage view (*triage view*), apply themes/reply
  type/team and mark it triaged (*triage apply*, optimistic lock on the version loaded);
- **draft**: start a reply to a triaged case (*draft new*), or open a draft (*draft open*),
  add a paragraph and save it (*draft save*);
- **log**: log a new letter from a new member of the public.

Each thing a person does is timed and counted as one click: opening the triage view and
marking the letter triaged are two, as are opening a draft and saving it.

`--pause-s S` makes each officer pause between tasks, S seconds on average (exponentially
distributed), as a person reading a letter does, and start within 2 S of each other; 0 (the
default) clicks flat out, all starting at once.

Run twice: direct, then through `LatencyProxy` adding `--delay-ms` (25) each way. Each
officer then has a proxy of their own, so its `round_trips` counter (chunks towards the
server) gives the round trips of each click exactly; both runs also count SQL statements
(`before_cursor_execute`). `ConflictError` counts as a conflict, any other exception as an
error. At the end every write an officer believed committed is looked for in the database.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import multiprocessing as mp
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, MutableSequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402

from correspondence.database import Database, open_database  # noqa: E402
from correspondence.domain.salutations import CorrespondentKind  # noqa: E402
from correspondence.latency_proxy import LatencyProxy  # noqa: E402
from correspondence.services.actors import Role  # noqa: E402
from correspondence.services.cases.case_list import CaseFilter, SortKey  # noqa: E402
from correspondence.services.cases.cases import NewCase, NewCorrespondent  # noqa: E402
from correspondence.services.desk import Desk  # noqa: E402
from correspondence.services.drafting.draft_view import DraftView, ParagraphInput  # noqa: E402
from correspondence.services.drafting.drafting import Drafting  # noqa: E402
from correspondence.services.errors import ConflictError  # noqa: E402
from correspondence.services.people.admin import Administration, NewUser  # noqa: E402
from correspondence.services.triage.triage import Triage, TriageCase, TriageDecision  # noqa: E402
from correspondence.services.unit_of_work import UnitOfWorkFactory  # noqa: E402
from tests import pg as pg_temp  # noqa: E402 - the tests' throwaway cluster

OWNER = "desk_owner"
DB = "office"
EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
READS = ("list", "search", "open", "triage view", "draft open")
WRITES = ("triage apply", "draft new", "draft save", "log")
CLICKS = ("list", "search", "open", "triage view", "triage apply", "draft new", "draft open",
          "draft save", "log")  # fmt: skip
# A working hour's tasks: mostly looking, some writing.
MIX = {"list": 20, "search": 15, "open": 30, "triage": 10, "draft": 15, "log": 10}
SEARCHES = ("children", "school", "Haringey", "social workers", "smacking", "inspection")
LINE_KEYS = ("babyp-tragedy", "scr-quality-and-review-panels")


@dataclass
class Officer:
    """One person at their desk: their login, their services, what they saw happen."""

    n: int
    url: str
    db: Database | None = None
    desk: Desk | None = None
    triage: Triage | None = None
    drafting: Drafting | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    statements: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    trips: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    conflicts: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    first_error: dict[str, str] = field(default_factory=dict)
    # What the officer believes was committed, for the lost-update check.
    logged: list[str] = field(default_factory=list)
    triaged: list[int] = field(default_factory=list)
    drafts_made: list[int] = field(default_factory=list)
    saved_words: list[str] = field(default_factory=list)
    my_drafts: list[int] = field(default_factory=list)
    proxy: LatencyProxy | None = None
    _count: int = 0

    @property
    def username(self) -> str:
        return f"officer{self.n:02d}"


# --- setting up the office -----------------------------------------------------------------


def run_cli(*argv: str) -> None:
    done = subprocess.run([EXE, *argv], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"correspondence {argv[0]} failed:\n{done.stdout}\n{done.stderr}")


def set_up(server: pg_temp.PgServer, officers: int, extra_cases: int) -> dict[str, float]:
    took: dict[str, float] = {}
    server.create_owner(OWNER)
    server.create_database(DB, owner=OWNER)
    owner_url = server.url(DB, user=OWNER)
    t0 = time.perf_counter()
    run_cli("init", "--demo", "--db", owner_url)
    took["init --demo"] = time.perf_counter() - t0
    if extra_cases:
        import office_data

        with server.connect(DB) as conn:
            took[f"generate {extra_cases:,} cases"] = office_data.add_cases(conn, extra_cases)
    t0 = time.perf_counter()
    run_cli("server", "setup", "--db", owner_url)
    took["server setup"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    db = open_database(owner_url)
    admin = Administration(UnitOfWorkFactory.connect(db.session_factory))
    for i in range(1, officers + 1):
        admin.add_user(
            NewUser(
                username=f"officer{i:02d}",
                display_name=f"Officer {i:02d}",
                db_login=f"officer{i:02d}",
                roles=frozenset({Role.OFFICER, Role.DRAFTER}),
            )
        )
    db.close()
    took[f"add {officers} logins"] = time.perf_counter() - t0
    return took


# --- one officer's clicks -------------------------------------------------------------------


class Work:
    """What the officers share: the queue of letters to triage, so two sometimes collide.

    Officers in processes of their own share it through a `multiprocessing` manager: the lock
    and the lists are then its proxies, which behave alike."""

    def __init__(
        self,
        run: str,
        logged: MutableSequence[int],
        triaged: MutableSequence[int],
        signatory: int,
        team: int,
        lock: Any = None,
        drafts: MutableSequence[int] | None = None,
    ) -> None:
        self.run = run  # marks the paragraphs saved, which the second run must not find
        self.lock = lock if lock is not None else threading.Lock()
        self.to_triage = logged
        self.to_draft = triaged
        self.signatory = signatory
        self.team = team  # for a letter with no team yet
        self.drafts: MutableSequence[int] = drafts if drafts is not None else []

    def take(self, queue: MutableSequence[int], rng: random.Random) -> int | None:
        with self.lock:
            if not queue:
                return None
            # Mostly the oldest (as the triage queue offers), sometimes one a colleague has.
            i = 0 if rng.random() < 0.9 else rng.randrange(len(queue))
            return queue.pop(i) if rng.random() < 0.95 else queue[i]


def connect(o: Officer, today: dt.date) -> None:
    o.db = open_database(o.url)
    uow = UnitOfWorkFactory.connect(o.db.session_factory)
    clock = lambda: today  # noqa: E731
    o.desk, o.triage = Desk(uow, clock), Triage(uow, clock)
    o.drafting = Drafting(uow, clock)

    @event.listens_for(o.db.engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        o._count += 1


def click(o: Officer, name: str, act: Callable[[], object]) -> bool:
    before_sql = o._count
    before_trips = o.proxy.round_trips if o.proxy else 0
    t0 = time.perf_counter()
    try:
        act()
    except ConflictError:
        o.conflicts[name] += 1
        return False
    except Exception:  # noqa: BLE001 - every other failure is counted and shown
        o.errors[name] += 1
        o.first_error.setdefault(name, traceback.format_exc(limit=6))
        return False
    o.times[name].append(time.perf_counter() - t0)
    o.statements[name].append(o._count - before_sql)
    if o.proxy:
        o.trips[name].append(o.proxy.round_trips - before_trips)
    return True


def officer_day(
    o: Officer, work: Work, until: float, seed: int, today: dt.date, pause_s: float
) -> None:
    rng = random.Random(seed)
    desk, triage, drafting = o.desk, o.triage, o.drafting
    assert desk and triage and drafting
    names, weights = list(MIX), list(MIX.values())
    seen: list[int] = []
    saves = 0

    def list_() -> None:
        flt = CaseFilter(status="open")
        page, _ = desk.list_with_counts(flt, sort=SortKey.URGENCY, descending=False)
        seen[:] = [r.id for r in page.rows]

    def search() -> None:
        flt = CaseFilter(search=rng.choice(SEARCHES))
        page, _ = desk.list_with_counts(flt, sort=SortKey.RECEIVED, descending=True)
        if page.rows:
            seen[:] = [r.id for r in page.rows]

    def open_() -> None:
        if not seen:
            list_()
        desk.open_case(rng.choice(seen))  # the detail pane and the deadline box

    def triage_() -> None:
        cid = work.take(work.to_triage, rng)
        if cid is None:
            return
        shown: list[TriageCase] = []
        if not click(o, "triage view", lambda: shown.append(triage.load(cid))):
            return
        tc = shown[0]
        if tc.status != "logged":
            return  # they see it was triaged meanwhile (alone: by themself), as a person would
        decision = TriageDecision(
            themes=list(tc.proposed_themes or ("SCR",)),
            reply_type="ministerial",
            # A letter with no team yet (some of the demo's) gets one, as the officer would.
            team_id=None if tc.team_id is not None else work.team,
        )
        if click(
            o, "triage apply", lambda: triage.apply(cid, decision, expected_version=tc.version)
        ):
            o.triaged.append(cid)
            with work.lock:
                work.to_draft.append(cid)

    def draft() -> None:
        nonlocal saves
        if o.my_drafts and rng.random() < 0.7 or not work.to_draft:
            pool = o.my_drafts if o.my_drafts and rng.random() < 0.9 else work.drafts
            if not pool:
                return
            draft_id = rng.choice(pool)
            shown: list[DraftView] = []
            if not click(o, "draft open", lambda: shown.append(drafting.view(draft_id))):
                return
            view = shown[0]
            if not view.editable:
                return
            saves += 1
            words = f"{work.run} {o.username} save {saves}"
            paragraphs = [p.as_input() for p in view.paragraphs]
            paragraphs.append(ParagraphInput(kind="free", text=f"We note your point ({words})."))
            if click(o, "draft save", lambda: drafting.save(view.id, view.version, paragraphs)):
                o.saved_words.append(words)
            return
        cid = work.take(work.to_draft, rng)
        if cid is None:
            return
        made: list[DraftView] = []
        new = lambda: made.append(drafting.create(cid, LINE_KEYS, signatory_id=work.signatory))  # noqa: E731
        if not click(o, "draft new", new):
            return
        view = made[0]
        o.drafts_made.append(view.id)
        o.my_drafts.append(view.id)
        with work.lock:
            work.drafts.append(view.id)

    def log() -> None:
        k = len(o.logged) + 1
        ref = desk.log_case(
            NewCase(
                received_on=today - dt.timedelta(days=rng.randrange(0, 4)),
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC,
                    title="Ms",
                    first_name=f"Writer{k}",
                    last_name=f"Of{o.username.title()}",
                    address=f"{k} High Street\nTownford",
                    postcode="TF1 1AA",
                ),
                summary="Asks what is being done about child protection in the area",
                letter_text="Dear Minister, I am writing about the safety of children in our "
                "town after the news from Haringey. Yours sincerely",
                theme_codes=["BABYP"],
                signatory_id=work.signatory,
            )
        )
        o.logged.append(ref)

    acts = {"list": list_, "search": search, "open": open_, "triage": triage_,
            "draft": draft, "log": log}  # fmt: skip
    if pause_s:  # people come to their desks at different moments, not all at once
        time.sleep(rng.uniform(0, 2 * pause_s))
    click(o, "list", list_)  # the window opens on the list
    while time.monotonic() < until:
        name = rng.choices(names, weights)[0]
        if name in ("triage", "draft"):
            acts[name]()  # a task of two clicks, each timed on its own
        else:
            click(o, name, acts[name])
        if pause_s:
            time.sleep(min(rng.expovariate(1 / pause_s), max(0.0, until - time.monotonic())))


# --- measuring -------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def lost_updates(server: pg_temp.PgServer, officers: list[Officer]) -> list[str]:
    """Every write an officer saw commit, looked for in the database as the superuser sees it."""
    problems = []
    with server.connect(DB) as conn:
        for o in officers:
            refs = o.logged
            found = conn.execute(
                "SELECT count(*) FROM cases c JOIN users u ON u.id = c.logged_by_id "
                "WHERE c.reference = ANY(%s) AND u.username = %s",
                (refs, o.username),
            ).fetchone()[0]  # type: ignore[index]
            if found != len(refs):
                problems.append(f"{o.username}: logged {len(refs)}, found {found}")
            triaged = conn.execute(
                "SELECT count(DISTINCT case_id) FROM events WHERE username = %s AND "
                "field = 'status' AND new_value = 'triaged' AND case_id = ANY(%s)",
                (o.username, o.triaged),
            ).fetchone()[0]  # type: ignore[index]
            if triaged != len(set(o.triaged)):
                problems.append(f"{o.username}: triaged {len(set(o.triaged))}, found {triaged}")
            made = conn.execute(
                "SELECT count(*) FROM drafts d JOIN users u ON u.id = d.created_by_id "
                "WHERE d.id = ANY(%s) AND u.username = %s",
                (o.drafts_made, o.username),
            ).fetchone()[0]  # type: ignore[index]
            if made != len(o.drafts_made):
                problems.append(f"{o.username}: made {len(o.drafts_made)} drafts, found {made}")
            for words in o.saved_words:
                hit = conn.execute(
                    "SELECT count(*) FROM draft_paragraphs WHERE text LIKE %s",
                    (f"%({words})%",),
                ).fetchone()[0]  # type: ignore[index]
                if hit != 1:
                    problems.append(f"{o.username}: paragraph '{words}' found {hit} times")
    return problems


QUEUE_TO_TRIAGE = "SELECT id FROM cases WHERE status = 'logged' ORDER BY received_on, id"
QUEUE_TO_DRAFT = (
    "SELECT c.id FROM cases c WHERE status = 'triaged' AND correspondent_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.case_id = c.id) ORDER BY id"
)


def new_officer(i: int, port: int, delay_s: float) -> Officer:
    o = Officer(i, f"postgresql://officer{i:02d}@127.0.0.1:{port}/{DB}")
    if delay_s:
        o.proxy = LatencyProxy("127.0.0.1", port, delay_s=delay_s).start()
        o.url = f"postgresql://officer{i:02d}@127.0.0.1:{o.proxy.port}/{DB}"
    return o


def hang_up(o: Officer) -> None:
    """Close the officer's connections and keep only what they saw (it can be pickled)."""
    assert o.db is not None
    o.db.close()
    if o.proxy:
        o.proxy.close()
    o.db = o.desk = o.triage = o.drafting = o.proxy = None


def officer_process(
    i: int,
    port: int,
    delay_s: float,
    work: Work,
    seconds: float,
    seed: int,
    today: dt.date,
    pause_s: float,
    ready: Any,
    results: Any,
) -> None:
    """One officer at their own desk: a process of their own, as on thirty desktops."""
    o = new_officer(i, port, delay_s)
    connect(o, today)
    ready.wait()  # everyone connected: the day starts for all at once
    started = time.monotonic()
    officer_day(o, work, started + seconds, seed, today, pause_s)
    ended = time.monotonic()
    hang_up(o)
    results.put((o, started, ended))


def run_office(
    server: pg_temp.PgServer,
    n: int,
    seconds: float,
    delay_s: float,
    seed: int,
    today: dt.date,
    pause_s: float = 0.0,
    processes: bool = True,
) -> tuple[list[Officer], list[str], float]:
    with server.connect(DB) as conn:
        logged = [r[0] for r in conn.execute(QUEUE_TO_TRIAGE)]
        triaged = [r[0] for r in conn.execute(QUEUE_TO_DRAFT)]
        row = conn.execute("SELECT id FROM signatories WHERE key = 'sos'").fetchone()
        assert row is not None
        signatory = int(row[0])
        team = conn.execute("SELECT min(id) FROM teams WHERE active").fetchone()
        assert team is not None
    # Marks the paragraphs saved: unique to this run, as a kept office holds earlier runs'.
    run = f"{'proxy' if delay_s else 'direct'} {time.strftime('%H%M%S')}"
    if processes:
        ctx = mp.get_context("spawn")
        with ctx.Manager() as manager:
            work = Work(run, manager.list(logged), manager.list(triaged), signatory,
                        int(team[0]), manager.Lock(), manager.list())  # fmt: skip
            ready, results = ctx.Barrier(n), ctx.Queue()
            procs = [
                ctx.Process(
                    target=officer_process,
                    args=(
                        i,
                        server.port,
                        delay_s,
                        work,
                        seconds,
                        seed + i,
                        today,
                        pause_s,
                        ready,
                        results,
                    ),  # fmt: skip
                )
                for i in range(1, n + 1)
            ]
            for p in procs:
                p.start()
            done = [results.get(timeout=seconds + 600) for _ in procs]
            for p in procs:
                p.join()
        officers = sorted((o for o, _, _ in done), key=lambda o: o.n)
        wall = max(e for _, _, e in done) - min(s for _, s, _ in done)
        return officers, lost_updates(server, officers), wall
    officers = [new_officer(i, server.port, delay_s) for i in range(1, n + 1)]
    for o in officers:
        connect(o, today)
    work = Work(run, logged, triaged, signatory, int(team[0]))
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=officer_day, args=(o, work, until, seed + o.n, today, pause_s))
        for o in officers
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for o in officers:
        hang_up(o)
    return officers, lost_updates(server, officers), wall


def report(title: str, officers: list[Officer], lost: list[str], wall: float, proxy: bool) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{title} — {len(officers)} officers, {wall:.0f} s, load average after {load}")
    head = f"{'click':<12} {'clicks':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'target':>7}"
    head += f" {'SQL/click':>9} {'trips/click':>11} {'conflicts':>9} {'errors':>6}"
    print(head)
    for name in CLICKS:
        times = [t * 1000 for o in officers for t in o.times[name]]
        stmts = [s for o in officers for s in o.statements[name]]
        trips = [s for o in officers for s in o.trips[name]]
        conflicts = sum(o.conflicts[name] for o in officers)
        errors = sum(o.errors[name] for o in officers)
        target = 150 if name in READS else 250
        if not times:
            print(f"{name:<12} {0:>6} {'-':>7} {'-':>7} {'-':>7} {target:>7}")
            continue
        trip = f"{statistics.median(trips):.0f} ({max(trips)})" if proxy and trips else "-"
        print(
            f"{name:<12} {len(times):>6} {pct(times, 50):>7.0f} {pct(times, 95):>7.0f} "
            f"{pct(times, 99):>7.0f} {target:>7} {statistics.median(stmts):>9.0f} "
            f"{trip:>11} {conflicts:>9} {errors:>6}"
        )
    print("lost updates: " + ("none" if not lost else f"{len(lost)}"))
    for line in lost[:10]:
        print("  " + line)
    shown: set[str] = set()
    for o in officers:
        for name, tb in o.first_error.items():
            if name not in shown:
                shown.add(name)
                print(f"first error in {name} ({o.username}):\n{tb}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60, help="each run (default 60)")
    ap.add_argument("--officers", type=int, default=30)
    ap.add_argument("--cases", type=int, default=100_000, help="generated cases besides the demo")
    ap.add_argument("--delay-ms", type=float, default=25, help="the proxy's delay each way")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--direct-only", action="store_true")
    ap.add_argument(
        "--threads",
        action="store_true",
        help="officers as threads of this one process (default: a process each, as on "
        "thirty desktops)",
    )
    ap.add_argument(
        "--pause-s", type=float, default=0.0,
        help="each officer's pause between tasks, seconds on average (default 0: flat out)",
    )  # fmt: skip
    ap.add_argument(
        "--keep", action="store_true",
        help="after the runs, keep the office's cluster running (until Ctrl-C) for --office-port",
    )  # fmt: skip
    ap.add_argument(
        "--office-port", type=int, default=0,
        help="run on an office kept by an earlier --keep run on this port, as it is now "
        "(the set-up, minutes at a million cases, is skipped)",
    )  # fmt: skip
    args = ap.parse_args()
    kept = args.office_port
    server = (
        pg_temp.PgServer(Path(), Path(), kept, None) if kept else pg_temp.start_server()
    )  # a kept cluster is only connected to: its port is all that is used
    try:
        took = {} if kept else set_up(server, args.officers, args.cases)
        with server.connect(DB) as conn:
            total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
            today = conn.execute("SELECT max(received_on) FROM cases").fetchone()[0]  # type: ignore[index]
        made = ", ".join(f"{k} {v:.1f} s" for k, v in took.items())
        print(f"PostgreSQL 15 on loopback, {total:,} cases; "
              + (f"set-up: {made}" if took else f"the office kept on port {kept}"))  # fmt: skip
        runs = [("direct", 0.0)]
        if not args.direct_only:
            runs.append((f"through the proxy, +{args.delay_ms:g} ms each way",
                         args.delay_ms / 1000))  # fmt: skip
        for title, delay in runs:
            officers, lost, wall = run_office(
                server,
                args.officers,
                args.seconds,
                delay,
                args.seed,
                today,
                args.pause_s,
                processes=not args.threads,
            )
            how = "threads of one process" if args.threads else "a process each"
            pace = f"pausing {args.pause_s:g} s on average" if args.pause_s else "flat out"
            report(f"{title} ({how}, {pace})", officers, lost, wall, proxy=bool(delay))
        if args.keep and not kept:
            print(f"Kept: run again with --office-port {server.port}; Ctrl-C ends it.")
            # Started in the background, SIGINT may come ignored; and `kill` sends SIGTERM:
            # either way the cluster is stopped (below), not left running as an orphan.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while True:  # this process alive keeps the cluster from being reaped as an orphan
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        if not kept:
            server.stop()


if __name__ == "__main__":
    main()
