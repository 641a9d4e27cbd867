#!/usr/bin/env python3
"""Turn what a VM run left behind into test results.

A run directory (build/vm/NAME) holds the guest's kernel log and, in io/,
the output and exit status of every selftest. This script reads both:

  * KUnit suites ran at boot; their KTAP is in the kernel log.
  * Each selftest printed KTAP; each result line is one test.
  * Any splat in the kernel log (BUG, WARNING, KASAN, lockdep, kmemleak,
    refcount or list corruption, hung task...) fails the run, and is
    attributed to the test that was running (the guest marks starts and
    ends in the log).

Every result becomes a record "status<TAB>kernel<TAB>name<TAB>detail" in
RUNDIR/records.tsv and a line on stdout; `summary` adds up record files and
prints the closing line.

  report.py vm-run RUNDIR KERNEL [--no-kunit]
                                      results of one test run (KUnit ran
                                      in another VM of the same kernel)
  report.py host-run RUNDIR NAME      unit tests run on the host, their
                                      output in RUNDIR/results as the guest
                                      leaves it
  report.py expect-splat RUNDIR NAME  the runner's self-check: this run must
                                      be judged failed because of a splat
  report.py timing PHASES RUNDIR...   wall clock per phase (PHASES: lines
                                      "name<TAB>seconds<TAB>status" from
                                      check.sh) and the ten slowest tests
                                      of each run
  report.py summary FILE...           closing line; exit 1 on any failure
  report.py shard LIST N OUT RUNDIR...
                                      split a test list into N lists
                                      OUT.1..OUT.N of about equal time,
                                      by the test times RUNDIRs recorded

A VM that scripts/vm.sh had to stop (stuck, QEMU error, time limit, no exit
status) left RUNDIR/vm-error; it becomes a failed record "vm NAME" with the
reason, the phase and the last kernel line.
"""

import os
import re
import sys

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
MARKER = re.compile(r"^zcrx-test: (start|end) (\S+)")

# One pattern per kind of report the kernel prints when something is wrong.
SPLATS = [
    re.compile(p)
    for p in (
        r"\bBUG: ",  # BUG:, KASAN, sleeping in atomic, bad page state
        r"^WARNING: ",  # WARN*(), lockdep reports
        r"^kernel BUG at ",
        r"^Oops: ",
        r"general protection fault",
        r"^Kernel panic",
        r"\bUBSAN: ",
        r"^refcount_t: ",
        r"list_(add|del) corruption",
        r"^DEBUG_LOCKS_WARN_ON",
        r"^ODEBUG: ",
        r"^INFO: task .* blocked for more than",
        r"^INFO: rcu_\w+ (self-)?detected stall",
        r"soft lockup",
        r"hard LOCKUP",
        r"^kmemleak: \d+ new suspected memory leaks",
        r"^unreferenced object 0x",
        r"page_pool_release_retry\(\) stalled pool shutdown",
    )
]

RESULT = re.compile(
    r"^(?P<indent>\s*)(?P<status>ok|not ok) (?P<num>\d+)\s*(?:- )?"
    r"(?P<desc>.*?)\s*(?:#\s*(?P<directive>SKIP|TODO|XFAIL)\b(?P<reason>.*))?$",
    re.IGNORECASE,
)
PLAN = re.compile(r"^(?P<indent>\s*)1\.\.(?P<count>\d+)")
SUBTEST = re.compile(r"^(?P<indent>\s*)# Subtest: (?P<name>\S+)")


class Record:
    def __init__(self, status, kernel, name, detail=""):
        self.status, self.kernel, self.name, self.detail = (
            status, kernel, name, detail.strip())

    def line(self):
        tag = {"pass": "ok", "fail": "FAIL", "skip": "skip"}[self.status]
        detail = f"  ({self.detail})" if self.detail else ""
        return f"{tag:<5} {self.kernel:<8} {self.name}{detail}"

    def tsv(self):
        clean = [f.replace("\t", " ").replace("\n", " ")
                 for f in (self.status, self.kernel, self.name, self.detail)]
        return "\t".join(clean)


def strip_log(text):
    return [TIMESTAMP.sub("", line.rstrip("\r")) for line in text.splitlines()]


def result_status(match):
    directive = (match["directive"] or "").upper()
    if directive == "SKIP":
        return "skip"
    if match["status"].lower() == "ok" or directive in ("TODO", "XFAIL"):
        return "pass"
    return "fail"


def parse_ktap(lines):
    """Leaf results of a KTAP document as (path, status, reason).

    A result line closes the subtest whose header was one level deeper;
    results with such a header are parents and are not counted, their
    leaves are. Returns also the top-level plan, or None.
    """
    leaves = []
    open_subtests = []  # (indent, name)
    top_plan = None
    top_results = 0
    for line in lines:
        m = SUBTEST.match(line)
        if m:
            open_subtests.append((len(m["indent"]), m["name"]))
            continue
        m = PLAN.match(line)
        if m and not m["indent"] and top_plan is None:
            top_plan = int(m["count"])
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m["indent"])
        if indent == 0:
            top_results += 1
        if open_subtests and open_subtests[-1][0] > indent:
            open_subtests.pop()
            continue
        path = [name for ind, name in open_subtests if ind <= indent]
        path.append(m["desc"] or f"#{m['num']}")
        leaves.append(("/".join(path), result_status(m), m["reason"] or ""))
    return leaves, top_plan, top_results


def find_splats(lines):
    """(first line of each splat, test running at the time)."""
    found = []
    current = "boot"
    for line in lines:
        m = MARKER.match(line)
        if m:
            current = m[2] if m[1] == "start" else f"after {m[2]}"
            continue
        if any(p.search(line) for p in SPLATS):
            found.append((line.strip(), current))
    return found


def kunit_records(kernel, lines):
    # KUnit's document starts at its own "KTAP version" line; anything the
    # kernel printed before is not KTAP.
    start = next((i for i, l in enumerate(lines)
                  if l.startswith("KTAP version")), None)
    if start is None:
        return [Record("fail", kernel, "kunit", "no KUnit output in the log")]
    doc = [l for l in lines[start:] if not MARKER.match(l)]
    leaves, plan, suites = parse_ktap(doc)
    records = [Record(status, kernel, f"kunit/{path}",
                      reason if status != "pass" else "")
               for path, status, reason in leaves]
    if plan is not None and suites < plan:
        records.append(Record("fail", kernel, "kunit",
                              f"{plan} suites planned, {suites} reported"))
    return records


def selftest_records(kernel, resultdir):
    records = []
    if not os.path.isdir(resultdir):
        return [Record("fail", kernel, "selftests", "no results from the guest")]
    for entry in sorted(os.listdir(resultdir)):
        if not entry.endswith(".name"):
            continue
        base = os.path.join(resultdir, entry[:-5])
        name = open(base + ".name").read().strip()
        output = open(base + ".out", errors="replace").read() \
            if os.path.exists(base + ".out") else ""
        rc = int(open(base + ".rc").read()) \
            if os.path.exists(base + ".rc") else None
        leaves, plan, _ = parse_ktap(output.splitlines())
        ours = [Record(status, kernel, f"{name}/{path}", reason)
                for path, status, reason in leaves]
        records += ours
        failed = any(r.status == "fail" for r in ours)
        if rc is None:
            records.append(Record("fail", kernel, name, "did not finish"))
        elif rc == 124:
            records.append(Record("fail", kernel, name, "timed out"))
        elif rc == 4 and not ours:
            records.append(Record("skip", kernel, name, last_words(output)))
        elif rc not in (0, 4) and not failed:
            records.append(Record("fail", kernel, name,
                                  f"exit status {rc}: {last_words(output)}"))
        elif not ours and rc == 0:
            records.append(Record("fail", kernel, name, "reported no results"))
        if plan is not None and len(ours) < plan:
            records.append(Record("fail", kernel, name,
                                  f"{plan} planned, {len(ours)} reported"))
    return records


def last_words(output):
    lines = [l for l in output.splitlines() if l.strip()]
    return lines[-1][:160] if lines else ""


def splat_records(kernel, lines, kmemleak):
    splats = find_splats(lines)
    records = [Record("fail", kernel, f"splat during {test}", line[:200])
               for line, test in splats]
    if kmemleak.strip():
        count = kmemleak.count("unreferenced object")
        records.append(Record("fail", kernel, "kmemleak",
                              f"{count} unreferenced objects, see io/kmemleak.txt"))
    if not records:
        records.append(Record("pass", kernel, "kernel log has no splat"))
    return records


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def vm_error_records(rundir, kernel):
    """Why vm.sh stopped the VM, if it did: first line the reason and
    phase, then the last kernel lines."""
    text = read(os.path.join(rundir, "vm-error"))
    if not text.strip():
        return []
    lines = [l.rstrip("\r") for l in text.splitlines()]
    what = lines[0].removeprefix("stopped: ")
    kernel_lines = [l.strip() for l in lines[1:] if l.strip()]
    if kernel_lines:
        what += f"; last kernel line: {kernel_lines[-1][:160]}"
    name = f"vm {os.path.basename(os.path.normpath(rundir))}"
    return [Record("fail", kernel, name, what)]


def evaluate_run(rundir, kernel, kunit=True):
    lines = strip_log(read(os.path.join(rundir, "kernel.log")))
    io = os.path.join(rundir, "io")
    records = vm_error_records(rundir, kernel)
    if kunit:
        records += kunit_records(kernel, lines)
    records += selftest_records(kernel, os.path.join(io, "results"))
    records += splat_records(kernel, lines, read(os.path.join(io, "kmemleak.txt")))
    return records


def boot_time(rundir):
    try:
        start = float(read(os.path.join(rundir, "boot-start")))
        first = float(read(os.path.join(rundir, "io", "first-test")))
    except ValueError:
        return None
    return first - start


def write_records(rundir, records):
    with open(os.path.join(rundir, "records.tsv"), "w") as f:
        for r in records:
            f.write(r.tsv() + "\n")


def cmd_vm_run(rundir, kernel, kunit=True):
    records = evaluate_run(rundir, kernel, kunit)
    for r in records:
        print(r.line())
    seconds = boot_time(rundir)
    if seconds is not None:
        print(f"#     {kernel:<8} boot to first test: {seconds:.1f} s")
    silence = read(os.path.join(rundir, "longest-silence")).strip()
    if silence:
        print(f"#     {kernel:<8} longest silence: {silence} s "
              f"(a guest is stopped after VM_STALL)")
    write_records(rundir, records)
    return 0


def cmd_host_run(rundir, name):
    """Host unit tests: KTAP and exit status only, no kernel log."""
    resultdir = os.path.join(rundir, "results")
    records = selftest_records(name, resultdir) \
        if os.path.isdir(resultdir) else []
    if not records:
        records = [Record("fail", name, "unit tests",
                          f"no results, see {rundir}/make.log")]
    for r in records:
        print(r.line())
    write_records(rundir, records)
    return 0


def cmd_expect_splat(rundir, name):
    """The deliberate splat must be found, and must fail the run."""
    records = evaluate_run(rundir, "runner")
    splats = [r for r in records if r.name.startswith("splat")]
    failed = any(r.status == "fail" for r in records)
    if splats and failed:
        rec = Record("pass", "runner", name, splats[0].detail[:80])
    else:
        stopped = [r for r in records if r.name.startswith("vm ")]
        why = f"; {stopped[0].detail}" if stopped else ""
        rec = Record("fail", "runner", name,
                     "a deliberate splat was not detected in the kernel log"
                     + why)
    print(rec.line())
    write_records(rundir, [rec])
    return 0


def test_times(rundir):
    """(seconds, test) for every selftest that recorded its start and
    end (guest-tests.sh writes NNN.time: "START END")."""
    resultdir = os.path.join(rundir, "io", "results")
    times = []
    if not os.path.isdir(resultdir):
        return times
    for entry in os.listdir(resultdir):
        if not entry.endswith(".time"):
            continue
        base = os.path.join(resultdir, entry[:-5])
        fields = read(base + ".time").split()
        name = read(base + ".name").strip() or entry[:-5]
        if len(fields) == 2:
            try:
                times.append((float(fields[1]) - float(fields[0]), name))
            except ValueError:
                pass
        elif len(fields) == 1:
            times.append((None, name))
    return times


def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def cmd_timing(phases, rundirs):
    """The time table: each phase of the run, then per kernel VM the ten
    slowest tests."""
    rows = []
    for line in read(phases).splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            try:
                rows.append((fields[0], float(fields[1]),
                             fields[2] if len(fields) > 2 else "0"))
            except ValueError:
                pass
    if rows:
        # status "-": a VM that ran beside others, inside a phase
        print("# wall clock per phase (min:s)")
        for name, seconds, status in rows:
            note = "" if status in ("0", "-") else f"  (status {status})"
            indent = "  " if status == "-" else ""
            print(f"#   {clock(seconds):>6}  {indent}{name}{note}")
        total = sum(r[1] for r in rows if r[2] != "-")
        print(f"#   {clock(total):>6}  total")
    for rundir in rundirs:
        times = test_times(rundir)
        if not times:
            continue
        kernel = os.path.basename(os.path.normpath(rundir))
        done = sorted((t for t in times if t[0] is not None), reverse=True)
        print(f"# slowest tests on {kernel} (min:s), "
              f"{len(done)} tests in {clock(sum(t[0] for t in done))}")
        for seconds, name in done[:10]:
            print(f"#   {clock(seconds):>6}  {name}")
        for _, name in (t for t in times if t[0] is None):
            print(f"#   {'-':>6}  {name} (did not finish)")
    return 0


def test_name(path):
    """A list entry's name, as guest-tests.sh gives it."""
    base = os.path.basename(path)
    if base.endswith(".sh"):
        base = base[:-3]
    return os.path.basename(os.path.dirname(path)) + "/" + base


def cmd_shard(listfile, n, out, rundirs):
    """Longest first, each test to the list with the least time so far; a
    test no run has timed counts as the median. Each list keeps the
    order of LIST."""
    tests = [l for l in read(listfile).splitlines() if l.strip()]
    known = {}
    for rundir in rundirs:
        for seconds, name in test_times(rundir):
            if seconds is not None:
                known[name] = max(seconds, known.get(name, 0))
    times = sorted(known.values())
    median = times[len(times) // 2] if times else 1.0
    cost = {t: known.get(test_name(t), median) for t in tests}
    loads = [0.0] * n
    shard_of = {}
    for t in sorted(tests, key=lambda t: -cost[t]):
        i = loads.index(min(loads))
        shard_of[t] = i
        loads[i] += cost[t]
    for i in range(n):
        with open(f"{out}.{i + 1}", "w") as f:
            f.writelines(t + "\n" for t in tests if shard_of[t] == i)
    return 0


def cmd_summary(files):
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for path in files:
        if not os.path.exists(path):
            print(f"FAIL  no results at {path}")
            counts["fail"] += 1
            continue
        for line in read(path).splitlines():
            status = line.split("\t", 1)[0]
            if status in counts:
                counts[status] += 1
    print(f"{counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['skip']} skipped")
    return 1 if counts["fail"] or not counts["pass"] else 0


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "vm-run":
        if len(argv) == 4 and argv[3] != "--no-kunit":
            print(__doc__, file=sys.stderr)
            return 2
        return cmd_vm_run(argv[1], argv[2], len(argv) == 3)
    if len(argv) >= 4 and argv[0] == "shard":
        return cmd_shard(argv[1], int(argv[2]), argv[3], argv[4:])
    if len(argv) == 3 and argv[0] == "host-run":
        return cmd_host_run(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "expect-splat":
        return cmd_expect_splat(argv[1], argv[2])
    if len(argv) >= 2 and argv[0] == "timing":
        return cmd_timing(argv[1], argv[2:])
    if argv and argv[0] == "summary":
        return cmd_summary(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
