#!/usr/bin/env python3
"""hashpin's own SBOM: a CycloneDX 1.5 JSON description of the crates in the binary.

    scripts/sbom.py [--target TRIPLE] [-o FILE]     (default: the host, standard output)

The crates are the binary's normal dependency tree as cargo builds it for the target
(`cargo tree -e normal`: features resolved as for the build, so nothing that only the tests
turn on), each with its licence, its crates.io checksum from Cargo.lock as a SHA-256 hash,
its package URL and its repository, and the dependency graph between them. The timestamp is
the last commit's (or SOURCE_DATE_EPOCH), so the same tree gives the same file.

cargo-cyclonedx was tried first: it resolves features through `cargo metadata`, which folds
in what dev-dependencies enable, so it listed crates the binary does not contain (tokio's
macros, toml_writer, bstr), and it wrote the build machine's absolute paths into its
references. See docs/dependencies.md.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tomllib
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
# `name vVERSION`, then cargo's notes: a local path, "(proc-macro)", "(*)" for a repeat.
LINE = re.compile(r"^(\d+)(\S+) v(\S+)(?: \(([^)]*)\))?(?: \(proc-macro\))?\|(.*)\|(.*?)(?: \(\*\))?$")


def run(*args):
    return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def host_target():
    for line in run("rustc", "-vV").splitlines():
        if line.startswith("host: "):
            return line.removeprefix("host: ")
    sys.exit("cannot tell the host target from `rustc -vV`")


def tree(target):
    """Every crate of the binary's tree (name, version) with its licence, repository and
    whether it is local, and the edges between them."""
    out = run(
        "cargo", "tree", "--locked", "-e", "normal", "-p", "hashpin", "--target", target,
        "--prefix", "depth", "--format", "{p}|{l}|{r}",
    )
    crates, edges, path = {}, set(), []
    for line in out.splitlines():
        match = LINE.match(line)
        if not match:
            sys.exit(f"cannot read this line of cargo tree: {line!r}")
        depth, name, version, note, licence, repository = match.groups()
        key = (name, version)
        local = note is not None and note.startswith("/")
        crates.setdefault(key, {"licence": licence, "repository": repository, "local": local})
        del path[int(depth):]
        if path:
            edges.add((path[-1], key))
        path.append(key)
    return crates, edges


def checksums():
    with open(os.path.join(ROOT, "Cargo.lock"), "rb") as lock:
        packages = tomllib.load(lock)["package"]
    return {
        (p["name"], p["version"]): (p.get("source"), p.get("checksum")) for p in packages
    }


def purl(name, version):
    return f"pkg:cargo/{name}@{version}"


def timestamp():
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or run("git", "log", "-1", "--format=%ct").strip()
    moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def bom(target):
    crates, edges = tree(target)
    locked = checksums()
    (root,) = [key for key in crates if key[0] == "hashpin" and crates[key]["local"]]
    problems = []
    components = []
    for key in sorted(crates):
        name, version = key
        info = crates[key]
        component = {
            "type": "application" if key == root else "library",
            "bom-ref": purl(name, version),
            "name": name,
            "version": version,
            "purl": purl(name, version),
        }
        if info["licence"]:
            # crates.io's old `MIT/Apache-2.0` means what SPDX writes `MIT OR Apache-2.0`.
            expression = re.sub(r"\s*/\s*", " OR ", info["licence"])
            component["licenses"] = [{"expression": expression}]
        else:
            problems.append(f"{name} {version} declares no licence")
        source, checksum = locked.get(key, (None, None))
        if not info["local"]:
            if source != CRATES_IO or not checksum:
                problems.append(f"{name} {version} is not a checksummed crates.io crate ({source})")
            else:
                component["hashes"] = [{"alg": "SHA-256", "content": checksum}]
        if info["repository"]:
            component["externalReferences"] = [{"type": "vcs", "url": info["repository"]}]
        components.append(component)
    if problems:
        sys.exit("cannot describe the tree:\n  " + "\n  ".join(problems))
    by_ref = {c["bom-ref"]: c for c in components}
    application = by_ref.pop(purl(*root))
    dependencies = [
        {
            "ref": purl(*key),
            "dependsOn": sorted(purl(*child) for parent, child in edges if parent == key),
        }
        for key in sorted(crates)
    ]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "timestamp": timestamp(),
            "tools": {"components": [{"type": "application", "name": "hashpin scripts/sbom.py"}]},
            "component": application,
            "properties": [{"name": "cdx:rustc:sbom:target:triple", "value": target}],
        },
        "components": sorted(by_ref.values(), key=lambda c: (c["name"], c["version"])),
        "dependencies": dependencies,
    }
    # The same tree names the same document.
    serial = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(document, sort_keys=True))
    document = {"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": f"urn:uuid:{serial}", **document}
    return document, len(crates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="the target triple (default: the host)")
    parser.add_argument("-o", "--output", help="where to write the SBOM (default: standard output)")
    args = parser.parse_args()
    target = args.target or host_target()
    document, count = bom(target)
    text = json.dumps(document, indent=2) + "\n"
    if args.output:
        temporary = f"{args.output}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, args.output)
        print(f"wrote {args.output}: {count} crates for {target}", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
