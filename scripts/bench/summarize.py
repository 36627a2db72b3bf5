#!/usr/bin/env python3
"""Turn scripts/bench/run.sh's raw results into a Markdown summary (on standard output).

usage: summarize.py RESULTS_DIR OUT_DIR SET...
"""

import glob
import json
import os
import re
import statistics
import sys

TOOLS = ["hashpin", "uv", "pip-compile"]
MODES = ["cold", "warm", "offline"]


def load_times(results):
    """(set, mode, tool) -> hyperfine's result for that command."""
    times = {}
    for path in glob.glob(os.path.join(results, "raw", "*.json")):
        set_, mode = os.path.basename(path).split(".")[:2]
        with open(path) as f:
            for r in json.load(f)["results"]:
                times[(set_, mode, r["command"])] = r
    return times


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def peak_kib(results, set_, mode, tool):
    text = read(os.path.join(results, "raw", f"{set_}.{mode}.{tool}.peak-kib"))
    if text is None:
        return None
    values = [int(line) for line in text.split() if line.isdigit()]
    return statistics.median(values) if values else None


def internal_seconds(results, set_, mode, tool):
    """Each tool's own account of its time, from its standard error (median over runs)."""
    text = read(os.path.join(results, "raw", f"{set_}.{mode}.{tool}.stderr")) or ""
    if tool == "hashpin":
        values = [float(m) for m in re.findall(r"^Locked .* in ([\d.]+)s$", text, re.M)]
    elif tool == "uv":
        values = [
            float(n) / (1000 if unit == "ms" else 1)
            for n, unit in re.findall(r"^Resolved .* in ([\d.]+)(ms|s)$", text, re.M)
        ]
    else:
        values = []
    return statistics.median(values) if values else None


def errors(results, set_, mode, tool):
    text = read(os.path.join(results, "raw", f"{set_}.{mode}.{tool}.stderr")) or ""
    lines = [l for l in text.splitlines() if re.match(r"^\s*(error|caused by|  cause|Traceback|\w*Error)", l, re.I)]
    return lines


def pins(path):
    """name==version lines of a lock, names normalized (PEP 503), extras dropped."""
    text = read(path)
    if text is None:
        return None
    out = set()
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            out.add(re.sub(r"[-_.]+", "-", m.group(1)).lower() + "==" + m.group(3))
    return out


def hashes(path):
    text = read(path) or ""
    return len(re.findall(r"--hash=", text))


def body(path):
    text = read(path)
    return None if text is None else "\n".join(l for l in text.splitlines() if not l.startswith("#"))


def fmt_s(x):
    if x is None:
        return "–"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def fmt_mib(k):
    return "–" if k is None else f"{k / 1024:.0f} MiB"


def main():
    results, out_dir, sets = sys.argv[1], sys.argv[2], sys.argv[3:]
    times = load_times(results)
    skipped = set((read(os.path.join(results, "pc-warm-skipped.txt")) or "").split())

    def t(set_, mode, tool):
        r = times.get((set_, mode, tool))
        return r

    print("# hashpin benchmark results\n")
    for name in ["machine.txt", "versions.txt"]:
        text = read(os.path.join(results, name))
        if text:
            print("```\n" + text.strip() + "\n```\n")

    print("## Wall time (median of hyperfine runs) and ratios\n")
    print("| set | pins | mode | hashpin | uv | pip-compile | hashpin/uv | hashpin/pip-compile |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    failures = []
    for set_ in sets:
        p = pins(os.path.join(out_dir, f"{set_}.cold.hashpin.txt"))
        npins = len(p) if p else "?"
        for mode in MODES:
            med = {}
            for tool in TOOLS:
                r = t(set_, mode, tool)
                if r is None:
                    continue
                med[tool] = r["median"]
                bad = [c for c in r.get("exit_codes", []) if c]
                if bad:
                    failures.append((set_, mode, tool, bad))
            if not med:
                continue
            cells = []
            for tool in TOOLS:
                r = t(set_, mode, tool)
                if r is None:
                    if tool == "pip-compile" and mode == "offline":
                        cells.append("n/a")
                    elif tool == "pip-compile" and mode == "warm" and set_ in skipped:
                        cells.append("skipped")
                    else:
                        cells.append("–")
                else:
                    spread = f" ({fmt_s(r['min'])}–{fmt_s(r['max'])})"
                    cells.append(fmt_s(r["median"]) + spread)
            print(
                f"| {set_} | {npins} | {mode} | "
                + " | ".join(cells)
                + f" | {fmt_ratio(med.get('hashpin'), med.get('uv'))}"
                + f" | {fmt_ratio(med.get('hashpin'), med.get('pip-compile'))} |"
            )
    print("\n(min–max in parentheses.)\n")

    print("## Each tool's own timing (median), against its wall time\n")
    print("hashpin's `Locked … in Xs` and uv's `Resolved … in X`, from their standard error. ")
    print("A wall time far above it is time spent outside the tool's own clock (start-up, exit).\n")
    print("| set | mode | hashpin own | hashpin wall | uv own | uv wall |")
    print("|---|---|---:|---:|---:|---:|")
    for set_ in sets:
        for mode in MODES:
            row = []
            for tool in ["hashpin", "uv"]:
                r = t(set_, mode, tool)
                row += [fmt_s(internal_seconds(results, set_, mode, tool)), fmt_s(r["median"] if r else None)]
            print(f"| {set_} | {mode} | " + " | ".join(row) + " |")

    print("\n## Peak memory (median over the timed runs of each tool's peak RSS)\n")
    print("| set | mode | hashpin | uv | pip-compile | hashpin/uv |")
    print("|---|---|---:|---:|---:|---:|")
    for set_ in sets:
        for mode in MODES:
            k = {tool: peak_kib(results, set_, mode, tool) for tool in TOOLS}
            if not any(k.values()):
                continue
            print(
                f"| {set_} | {mode} | "
                + " | ".join(fmt_mib(k[tool]) for tool in TOOLS)
                + f" | {fmt_ratio(k['hashpin'], k['uv'])} |"
            )

    print("\n## Against the targets\n")
    print(
        "cold ≤ uv, warm ≤ uv (issue 4), offline ≤ 0.5× uv (median wall time); "
        "peak memory ≤ 0.5× uv in every mode (issue 9).\n"
    )
    print("| set | cold | warm | offline | peak memory |")
    print("|---|---|---|---|---|")
    for set_ in sets:
        cells = []
        for mode, limit in [("cold", 1.0), ("warm", 1.0), ("offline", 0.5)]:
            h, u = t(set_, mode, "hashpin"), t(set_, mode, "uv")
            if h is None or u is None:
                cells.append("–")
                continue
            ratio = h["median"] / u["median"]
            cells.append(("met" if ratio <= limit else "NOT met") + f" ({ratio:.2f}×)")
        ratios = [
            peak_kib(results, set_, mode, "hashpin") / peak_kib(results, set_, mode, "uv")
            for mode in MODES
            if peak_kib(results, set_, mode, "hashpin") and peak_kib(results, set_, mode, "uv")
        ]
        worst = max(ratios) if ratios else None
        cells.append("–" if worst is None else ("met" if worst <= 0.5 else "NOT met") + f" (up to {worst:.2f}×)")
        print(f"| {set_} | " + " | ".join(cells) + " |")

    print("\n## Do the locks agree?\n")
    print("Pins (`name==version`, names normalized) and `--hash` lines of each tool's last cold lock.\n")
    print("| set | hashpin pins | uv pins | pip-compile pins | hashpin vs uv | hashpin vs pip-compile | hashes (hashpin / uv / pip-compile) | hashpin same lock cold/warm/offline |")
    print("|---|---:|---:|---:|---|---|---|---|")
    details = []
    for set_ in sets:
        path = {tool: os.path.join(out_dir, f"{set_}.cold.{tool}.txt") for tool in TOOLS}
        p = {tool: pins(path[tool]) for tool in TOOLS}

        def cmp(a, b):
            if p[a] is None or p[b] is None:
                return "–"
            if p[a] == p[b]:
                return "same"
            only_a, only_b = sorted(p[a] - p[b]), sorted(p[b] - p[a])
            details.append(f"- {set_}: only {a}: {', '.join(only_a) or 'none'}; only {b}: {', '.join(only_b) or 'none'}")
            return f"{len(only_a)} / {len(only_b)} differ"

        bodies = [body(os.path.join(out_dir, f"{set_}.{mode}.hashpin.txt")) for mode in MODES]
        present = [b for b in bodies if b is not None]
        same = "–" if not present else ("yes" if all(b == present[0] for b in present) else "NO")
        print(
            f"| {set_} | "
            + " | ".join(str(len(p[tool])) if p[tool] is not None else "–" for tool in TOOLS)
            + f" | {cmp('hashpin', 'uv')} | {cmp('hashpin', 'pip-compile')} | "
            + " / ".join(str(hashes(path[tool])) if p[tool] is not None else "–" for tool in TOOLS)
            + f" | {same} |"
        )
    if details:
        print("\nDifferences:\n")
        print("\n".join(details))

    cache = read(os.path.join(results, "cache-kib.txt"))
    if cache:
        print("\n## Cache size after the runs (KiB)\n")
        print("```\n" + cache.strip() + "\n```")

    print("\n## Failures\n")
    if not failures:
        print("Every timed run exited 0.")
    for set_, mode, tool, codes in failures:
        print(f"- {set_} / {mode} / {tool}: exit codes {codes}")
        for line in errors(results, set_, mode, tool)[:10]:
            print(f"    {line}")


if __name__ == "__main__":
    main()
