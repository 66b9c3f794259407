#!/usr/bin/env python3
"""Check scenario files against the JSON Schema from `milvus-scenario schema`.

usage: check_schema.py SCHEMA [--valid FILE...] [--invalid FILE...]

Files after --valid must be accepted, files after --invalid rejected. Uses the
`jsonschema` and `PyYAML` packages (scripts/test installs them into .local/venv).
"""
import json
import sys

import jsonschema
import yaml


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    mode, failures, checked = None, 0, 0
    for arg in argv[2:]:
        if arg in ("--valid", "--invalid"):
            mode = arg
            continue
        with open(arg, encoding="utf-8") as f:
            document = yaml.safe_load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        checked += 1
        if mode == "--valid" and errors:
            e = errors[0]
            print(f"{arg}: rejected by the schema at {'/'.join(map(str, e.absolute_path))}: {e.message}")
            failures += 1
        elif mode == "--invalid" and not errors:
            print(f"{arg}: accepted by the schema, but it is invalid")
            failures += 1
        else:
            print(f"{arg}: {'accepted' if mode == '--valid' else 'rejected'} as expected")
    print(f"{checked} files checked, {failures} unexpected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
