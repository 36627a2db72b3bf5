"""Writes the seed corpora under fuzz/seeds/: small, real-shaped inputs for each target.

Run from anywhere: python3 fuzz/make_seeds.py. The seeds are committed; this only documents
where they came from and remakes them.
"""
import gzip, io, json, os, tarfile, zipfile

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")

def put(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data)

sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
metadata = (
    "Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\nSummary: a\n  continued\n"
    "Requires-Python: >=3.8\nRequires-Dist: requests (>=2.0)\n"
    "Requires-Dist: pytest; extra == 'test'\n"
    "Requires-Dist: beta[x,y] >=1,<2 ; python_version < \"3.10\" and (sys_platform == 'linux' or os_name == 'nt')\n"
    "Provides-Extra: test\nDynamic: Requires-Dist\n\nbody\n"
)
put("metadata", "full", metadata)
put("metadata", "minimal", "Name: alpha\nVersion: 1.0\n")
put("metadata", "pkg_info_2_2", "Metadata-Version: 2.2\nName: alpha\nVersion: 1.0\nRequires-Dist: gamma\n")

files = [
    {"filename": "alpha-1.0-py3-none-any.whl", "url": "https://files.invalid/a/alpha-1.0-py3-none-any.whl",
     "hashes": {"sha256": sha}, "requires-python": ">=3.8", "yanked": False, "size": 1234,
     "upload-time": "2024-01-02T03:04:05.000000Z", "core-metadata": {"sha256": sha},
     "dist-info-metadata": {"sha256": sha}, "provenance": "https://files.invalid/p"},
    {"filename": "alpha-1.0.tar.gz", "url": "../../files/alpha-1.0.tar.gz", "hashes": {"sha256": sha, "md5": "0" * 32},
     "yanked": "broken\nbuild", "core-metadata": True},
    {"filename": "alpha-0.9-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "url": "/files/alpha-0.9-cp312-cp312-manylinux_2_17_x86_64.whl#sha256=" + sha, "hashes": {}},
    {"filename": "alpha-2.0rc1+local.zip", "url": "alpha-2.0rc1+local.zip", "hashes": {"sha256": sha}, "yanked": True},
]
put("simple_json", "page", json.dumps({"meta": {"api-version": "1.1"}, "name": "alpha", "versions": ["1.0"], "files": files}))
put("simple_json", "empty", json.dumps({"meta": {"api-version": "1.0"}, "name": "alpha", "files": []}))
put("simple_json", "bad_entry", '{"meta":{"api-version":"1.1"},"name":"alpha","files":[{"filename":1},{"filename":"alpha-1.0.tar.gz","url":"x","hashes":{}}]}')
html = (
    "<!DOCTYPE html><html><head><base href=\"https://files.invalid/x/\"></head><body>\n"
    f"<a href=\"alpha-1.0-py3-none-any.whl#sha256={sha}\" data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256={sha}\">alpha-1.0-py3-none-any.whl</a><br/>\n"
    f"<a href='/files/alpha-1.0.tar.gz#md5=00000000000000000000000000000000' data-yanked=\"gone &amp; bad\">alpha-1.0.tar.gz</a>\n"
    "<!-- <a href=\"alpha-9.0.tar.gz\">x</a> -->\n"
    "<a href=\"file:///etc/alpha-3.0.tar.gz\">alpha-3.0.tar.gz</a><a href=javascript:x>j</a>\n"
    "<A HREF=\"alpha-0.1.tar.bz2\" data-dist-info-metadata=true>x</A></body></html>\n"
)
put("simple_html", "page", html)
put("simple_html", "plain", "<a href=\"alpha-1.0.tar.gz\">alpha-1.0.tar.gz</a>")

for name in ["alpha-1.0-py3-none-any.whl", "alpha-1.0-1build-cp312-abi3-manylinux_2_28_aarch64.musllinux_1_2_aarch64.whl",
             "Alpha_Beta-2.0.post1.dev3.tar.gz", "alpha-beta-1.0.zip", "alpha-1!2.0+local.7-py2.py3-none-any.whl",
             "alpha-1.0.tgz", "alpha-1.0.exe", "alpha.whl"]:
    put("filename", name.replace("!", "_"), name)

def wheel_bytes(extra_meta="", nested=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("alpha/__init__.py", "")
        if nested:
            z.writestr("alpha/_vendor/beta-1.0.dist-info/METADATA", "Name: beta\nVersion: 1.0\n")
        z.writestr("alpha-1.0.dist-info/METADATA", metadata + extra_meta)
        z.writestr("alpha-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        z.writestr("alpha-1.0.dist-info/RECORD", "")
        z.writestr("alpha_init.pth", "import os\n")
    return buf.getvalue()
put("wheel", "plain", wheel_bytes())
put("wheel", "vendored", wheel_bytes(nested=True))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("alpha-1.0.dist-info/METADATA", "Name: alpha\nVersion: 1.0\n")
    z.writestr("beta-1.0.dist-info/METADATA", "Name: beta\nVersion: 1.0\n")
put("wheel", "two_dist_infos_stored", buf.getvalue())

def tar_bytes(members, compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw
pkg_info = b"Metadata-Version: 2.2\nName: alpha\nVersion: 1.0\nRequires-Dist: beta\n"
pyproject = b"[project]\nname = \"alpha\"\nversion = \"1.0\"\ndependencies = [\"beta>=1\"]\n[project.optional-dependencies]\nx = [\"gamma\"]\n"
put("sdist", "targz", tar_bytes([("alpha-1.0/PKG-INFO", pkg_info), ("alpha-1.0/pyproject.toml", pyproject)], True))
put("sdist", "tar", tar_bytes([("./alpha-1.0/pyproject.toml", pyproject), ("alpha-1.0/x/PKG-INFO", pkg_info)], False))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("alpha-1.0/PKG-INFO", b"Metadata-Version: 1.1\nName: alpha\nVersion: 1.0\n")
    z.writestr("alpha-1.0/pyproject.toml", pyproject)
put("sdist", "zip", buf.getvalue())

put("netrc", "simple", "machine index.invalid login bob password hunter2\n# c\ndefault login anon password x\n")
put("netrc", "oneline", "machine a.invalid login u password p account x machine b.invalid\nlogin v\npassword\n")
put("pip_config", "full", "# c\n[global]\nindex-url = https://u:p@index.example.invalid/simple\ntimeout = 30\n; c\n[install]\nextra-index-url =\n    https://b.example.invalid/simple\n    https://c.example.invalid/simple\n--find-links: /tmp/w\n")
put("pip_config", "bad", "index-url = x\n[global\n")

for i, req in enumerate([
    "alpha", "alpha[x,y]>=1.0,<2; python_version >= '3.8'", "alpha @ https://u:p@files.invalid/alpha-1.0-py3-none-any.whl",
    "alpha (==1.0.*)", "alpha===1.0 ; (os_name == 'nt' or (sys_platform == 'linux' and platform_machine != 'x'))",
    "git+https://host.invalid/x.git@v1#egg=alpha", "http//u:s3cret@host.invalid/simple", "alpha ; extra == 'a' and extra != \"b\"",
]):
    put("requirement", f"r{i}", req)

put("requirements", "lock", (
    "#\n# This file was generated by hashpin. To update it, run:\n#\n#    hashpin compile requirements.in --output-file=requirements.txt\n#\n"
    "--index-url https://index.example.invalid/simple/\n\n"
    f"alpha==1.0 \\\n    --hash=sha256:{sha} \\\n    --hash=sha256:{sha}\n    # via -r requirements.in\n"
    f"beta==2.0 ; python_version >= \"3.8\" \\\n    --hash=sha256:{sha}\n    # via\n    #   alpha\n    #   -r requirements.in\n"
))
put("requirements", "input", "\ufeff# comment\n-i https://index.example.invalid/simple\n--extra-index-url ${TOKEN}\n-f ./wheels\n--pre\n--no-index\n"
    "alpha>=1 \\\n  --hash=sha256:zz\n-e ./local\n./dist/x.whl\ngit+https://h.invalid/r.git#egg=r\nbeta @ https://h.invalid/b.whl#sha256=" + sha + "\n-r other.in\n-c c.txt\n\rgamma\x0cdelta\n")
put("requirements", "uv", "# This file was autogenerated by uv via the following command:\n#    uv pip compile requirements.in --generate-hashes --exclude-newer 2025-06-01T00:00:00Z\n"
    f"alpha==1.0 \\\n    --hash=sha256:{sha}\n    # via -r requirements.in\n")

put("pyproject", "full", (
    "[project]\nname = \"alpha\"\nversion = \"1.0\"\ndependencies = [\"beta>=1\", \"gamma[x] ; python_version < '3.12'\"]\n"
    "[project.optional-dependencies]\ntest = [\"pytest\"]\nall = [\"alpha[test]\"]\n"
    "[dependency-groups]\ndev = [\"ruff\", {include-group = \"lint\"}]\nlint = [\"flake8\"]\n"
))
put("pyproject", "dynamic", "[project]\nname = \"alpha\"\ndynamic = [\"dependencies\", \"version\"]\n[build-system]\nrequires = [\"setuptools\"]\n")
put("pyproject", "cycle", "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n")

# pylock.toml in the layouts uv (inline tables) and pip lock (tables) write, and hashpin's.
put("pylock", "uv", f'''lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.11"

[[packages]]
name = "idna"
version = "3.7"
sdist = {{ url = "https://files.invalid/idna-3.7.tar.gz", upload-time = 2024-04-11T03:34:41Z, size = 189575, hashes = {{ sha256 = "{sha}" }} }}
wheels = [{{ url = "https://files.invalid/idna-3.7-py3-none-any.whl", upload-time = 2024-04-11T03:34:39.123456+02:00, size = 66836, hashes = {{ sha256 = "{sha}" }} }}]

[[packages]]
name = "app"
directory = {{ path = ".", editable = true }}
''')
put("pylock", "pip", f'''lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "idna"
version = "3.7"

[[packages.wheels]]
name = "idna-3.7-py3-none-any.whl"
url = "https://files.invalid/idna-3.7-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "{sha}"

[[packages]]
name = "tool"
vcs = {{ type = "git", url = "https://forge.invalid/tool.git", commit-id = "0123abc" }}
''')
put("pylock", "hashpin", f'''lock-version = "1.0"
environments = ["sys_platform == 'linux' and python_version == '3.11'"]
requires-python = "==3.11.*"
created-by = "hashpin"

[[packages]]
name = "direct"
version = "0.1"
archive = {{ url = "https://forge.invalid/direct-0.1.tar.gz", hashes = {{ sha256 = "{sha}" }} }}

[packages.tool.hashpin]
via = ["-r requirements.in"]
yanked = "broken"

[tool.hashpin]
command = "hashpin compile requirements.in --exclude-newer=2024-06-01"
exclude-newer = 2024-06-01T00:00:00Z
hash-scope = "every-file"
''')

# osv_advisory: the real PyPA advisories of the audit tests (CC-BY 4.0, see their README), and
# one made by hand with every event kind, a withdrawal, a CVSS vector and a non-PEP 440 version.
fixtures = os.path.join(os.path.dirname(here), "..", "tests", "e2e", "fixtures", "osv-pypa")
for name in sorted(os.listdir(fixtures)):
    if name.endswith(".json"):
        with open(os.path.join(fixtures, name), "rb") as f:
            put("osv_advisory", name, f.read())
put("osv_advisory", "handmade.json", json.dumps({
    "id": "MAL-1", "aliases": ["GHSA-x"], "withdrawn": "2024",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:N/A:N"}],
    "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [
                      {"introduced": "0"}, {"last_affected": "1.0"},
                      {"introduced": "2.0"}, {"limit": "3"}]}],
                  "versions": ["1", "x"]}],
}))
