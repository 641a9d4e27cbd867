#!/usr/bin/env python3
"""Table and plot of bench/receive_cost.sh's runs.

    receive_cost_report.py RUNS.dat PREFIX

writes PREFIX.txt (the table, also printed) and PREFIX.png (gnuplot, if
it is installed). Per MTU, verification and receiver: the median over the
runs of throughput, of the receiving CPU's busy seconds per GiB split
into user, system and softirq time, and of MB per receive-CPU-second;
then each receiver's efficiency over the recv() receiver's, and the
issue's targets against what was measured.
"""
import os
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["zcrx-4k", "zcrx-64k", "recv", "epoll"]
TARGETS = [  # (mtu, verify, receiver, over, at least)
    (9000, "off", "zcrx-4k", "recv", 2.0),
    (1500, "off", "zcrx-4k", "recv", 1.5),
    (9000, "off", "zcrx-64k", "zcrx-4k", 1.3),
]


def load(path):
    runs = defaultdict(list)
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        mtu, verify, rx, _run, mbps, user, sys_, soft, irq, nbytes = line.split()
        busy = float(user) + float(sys_) + float(soft) + float(irq)
        gib = int(nbytes) / (1 << 30)
        runs[(int(mtu), verify, rx)].append({
            "mbps": float(mbps),
            "user": float(user) / gib,
            "sys": float(sys_) / gib,
            "soft": (float(soft) + float(irq)) / gib,
            "eff": int(nbytes) / 1e6 / busy if busy else float("inf"),
        })
    return runs


def medians(runs):
    return {k: {f: statistics.median(r[f] for r in v) for f in v[0]} | {"n": len(v)}
            for k, v in runs.items()}


def idle_loop():
    """How the guest's CPUs idle: halt by default, poll with idle=poll."""
    try:
        return "poll" if "idle=poll" in open("/proc/cmdline").read().split() else "halt"
    except OSError:
        return "unknown"


def table(med):
    lines = ["receive cost: one TCP stream, sender on CPU 0, the queue's "
             "interrupt and the receiver on CPU 1; idle CPUs %s" % idle_loop(),
             "(medians; CPU s/GiB and MB/CPU-s are of the receiving CPU; "
             "x recv: MB/CPU-s over recv()'s)",
             "%5s %6s %-9s %4s %8s %7s %7s %8s %9s %7s" %
             ("MTU", "verify", "receiver", "runs", "MB/s", "user", "sys",
              "softirq", "MB/CPU-s", "x recv")]
    for mtu, verify in sorted({(k[0], k[1]) for k in med}):
        base = med.get((mtu, verify, "recv"))
        for rx in ORDER:
            m = med.get((mtu, verify, rx))
            if not m:
                continue
            ratio = m["eff"] / base["eff"] if base else float("nan")
            lines.append("%5d %6s %-9s %4d %8.1f %7.2f %7.2f %8.2f %9.1f %7.2f" %
                         (mtu, verify, rx, m["n"], m["mbps"], m["user"],
                          m["sys"], m["soft"], m["eff"], ratio))
    lines.append("")
    lines.append("targets (MB per receive-CPU-second, ratios within this run):")
    for mtu, verify, rx, over, want in TARGETS:
        a, b = med.get((mtu, verify, rx)), med.get((mtu, verify, over))
        if not a or not b:
            lines.append("  MTU %d verify %s: %s over %s not measured" %
                         (mtu, verify, rx, over))
            continue
        got = a["eff"] / b["eff"]
        lines.append("  MTU %d verify %s: %s over %s %.2fx, target %.1fx: %s" %
                     (mtu, verify, rx, over, got, want,
                      "met" if got >= want else "NOT met"))
    return "\n".join(lines) + "\n"


def plot(med, prefix):
    configs = sorted({(k[0], k[1]) for k in med})
    rxs = [rx for rx in ORDER if any((c[0], c[1], rx) in med for c in configs)]
    data = prefix + ".plot.dat"
    with open(data, "w") as f:
        for mtu, verify in configs:
            vals = ["%.1f" % med[(mtu, verify, rx)]["eff"]
                    if (mtu, verify, rx) in med else "NaN" for rx in rxs]
            f.write('"%d, %s" %s\n' % (mtu, verify, " ".join(vals)))
    cols = ", ".join("'%s' using %d:xtic(1) title '%s'" % (data, i + 2, rx)
                     for i, rx in enumerate(rxs))
    script = "\n".join([
        "set terminal pngcairo size 900,520" if has_cairo() else
        "set terminal png size 900,520",
        "set output '%s.png'" % prefix,
        "set title 'MB received per second of receiving-CPU busy time (higher is better)'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set key top left",
        "set yrange [0:*]",
        "set ylabel 'MB per receive-CPU-second'",
        "set xlabel 'MTU, every byte checked'",
        "set grid ytics",
        "plot " + cols,
    ])
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("no plot: gnuplot: %s" % e, file=sys.stderr)
        return
    finally:
        os.unlink(data)
    print("plot: %s.png" % prefix)


def has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"],
                             capture_output=True, text=True).stderr
    except OSError:
        return False
    return "pngcairo" in out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    med = medians(load(sys.argv[1]))
    text = table(med)
    with open(sys.argv[2] + ".txt", "w") as f:
        f.write(text)
    sys.stdout.write(text)
    plot(med, sys.argv[2])


if __name__ == "__main__":
    main()
