# Runs one PEP 517 hook in the build environment, in the source tree, and writes what it
# returned as JSON to a file (the backend's own output goes to the build log).
#
# argv: hook, backend ("module" or "module:object"), backend-path (JSON list), the hook's
# output directory, the result file.
import importlib
import json
import os
import sys
import traceback


def main():
    hook, backend_name, backend_path, out_dir, result_file = sys.argv[1:6]
    backend_path = [os.path.abspath(entry) for entry in json.loads(backend_path)]
    sys.path[:0] = backend_path
    module_name, _, object_path = backend_name.partition(":")
    try:
        backend = importlib.import_module(module_name)
    except ImportError:
        traceback.print_exc()
        return write(result_file, {"error": "cannot import the build backend `%s`" % module_name})
    if backend_path:
        # PEP 517: an in-tree backend must come from backend-path, not from the environment.
        location = os.path.abspath(getattr(backend, "__file__", None) or "")
        if not any(location.startswith(os.path.join(entry, "")) for entry in backend_path):
            return write(result_file, {"error": "the build backend `%s` was not loaded from its backend-path" % module_name})
    for part in filter(None, object_path.split(".")):
        backend = getattr(backend, part)
    function = getattr(backend, hook, None)
    if hook == "get_requires_for_build_wheel":
        result = function(None) if function else []
        result = [str(requirement) for requirement in result]
    elif hook == "prepare_metadata_for_build_wheel":
        if function is None:
            return write(result_file, {"missing": True})
        result = function(out_dir, None)
    elif hook == "build_wheel":
        result = function(out_dir, None, None)
    else:
        return write(result_file, {"error": "unknown hook"})
    write(result_file, {"return": result})


def write(result_file, value):
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump(value, out)


if __name__ == "__main__":
    main()
