#!/usr/bin/env python3
"""Check our hand-written Milvus .proto subset against pymilvus's descriptors.

usage: check_proto.py [--older] DESCRIPTOR_SET

DESCRIPTOR_SET is `protoc --descriptor_set_out=... --include_imports --include_source_info`
of Sources/MilvusClient/Proto/*.proto. Every message, field (number, type, label, message
or enum type, oneof), enum value and RPC in our subset must exist in the pymilvus that runs
this script with the same wire facts: run it with pymilvus 2.6 (scripts/pymilvus-2.6) for the
whole subset.

--older checks against an older pymilvus (2.3.7, .local/venv: what the Milvus 2.3.5 servers
here speak): elements whose leading comment in the .proto says `since 2.N` may be missing
there (they are counted, not reported), and a field that is plain there but in a oneof here
is accepted (one field's wire encoding is the same either way). Everything else must match.

Prints one line per problem and a summary; exits 1 on any problem.
"""
import re
import sys

from google.protobuf import descriptor_pb2
from pymilvus.grpc_gen import common_pb2, milvus_pb2, schema_pb2  # noqa: F401  (registers the files)
from google.protobuf import descriptor_pool

LABELS = {1: "optional", 2: "required", 3: "repeated"}


def main(argv):
    args = argv[1:]
    older = "--older" in args
    args = [a for a in args if a != "--older"]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args and args[0] in ("-h", "--help") else 2
    with open(args[0], "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.Default()
    problems, messages, fields, enums, values, rpcs = [], 0, 0, 0, 0, 0
    newer = 0
    since = {}  # (file name, path) -> "2.N" from a leading `since 2.N` comment

    def is_newer(file, path):
        return older and (file.name, tuple(path)) in since

    def upstream_label(u):
        # protobuf 5+ dropped FieldDescriptor.label; is_repeated says the same for proto3.
        if hasattr(u, "label"):
            return u.label
        return 3 if u.is_repeated else 1

    def check_message(file, path, prefix, m):
        nonlocal messages, fields, newer
        name = f"{prefix}.{m.name}"
        if m.options.map_entry:
            return
        try:
            upstream = pool.FindMessageTypeByName(name)
        except KeyError:
            if is_newer(file, path):
                newer += 1
                return
            problems.append(f"message {name}: not in pymilvus")
            return
        messages += 1
        for j, f in enumerate(m.field):
            fields += 1
            u = upstream.fields_by_name.get(f.name)
            if u is None:
                if is_newer(file, path + [2, j]):
                    newer += 1
                    continue
                problems.append(f"{name}.{f.name}: no such field upstream")
                continue
            if u.number != f.number:
                problems.append(f"{name}.{f.name}: number {f.number}, upstream {u.number}")
            if u.type != f.type:
                problems.append(f"{name}.{f.name}: type {f.type}, upstream {u.type}")
            if upstream_label(u) != f.label:
                problems.append(f"{name}.{f.name}: {LABELS[f.label]}, upstream {LABELS[upstream_label(u)]}")
            ours = f.type_name.lstrip(".")
            theirs = (u.message_type or u.enum_type).full_name if (u.message_type or u.enum_type) else ""
            if ours and u.message_type and u.message_type.GetOptions().map_entry:
                # map<K, V>: compare the value types of the generated entries.
                entry = next(n for n in m.nested_type if n.name == ours.split(".")[-1])
                ov = entry.field[1]
                uv = u.message_type.fields_by_name["value"]
                if ov.type != uv.type or ov.type_name.lstrip(".") != ((uv.message_type.full_name) if uv.message_type else ""):
                    problems.append(f"{name}.{f.name}: map value differs from upstream")
            elif ours != theirs:
                problems.append(f"{name}.{f.name}: type {ours}, upstream {theirs}")
            our_oneof = m.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None
            their_oneof = u.containing_oneof.name if u.containing_oneof else None
            if our_oneof != their_oneof and not (older and their_oneof is None):
                problems.append(f"{name}.{f.name}: oneof {our_oneof}, upstream {their_oneof}")
        for k, n in enumerate(m.nested_type):
            check_message(file, path + [3, k], name, n)

    def check_enum(file, path, prefix, e):
        nonlocal enums, values, newer
        name = f"{prefix}.{e.name}"
        try:
            upstream = pool.FindEnumTypeByName(name)
        except KeyError:
            if is_newer(file, path):
                newer += 1
                return
            problems.append(f"enum {name}: not in pymilvus")
            return
        enums += 1
        for j, v in enumerate(e.value):
            values += 1
            u = upstream.values_by_name.get(v.name)
            if u is None and is_newer(file, path + [2, j]):
                newer += 1
                continue
            if u is None or u.number != v.number:
                problems.append(f"enum {name}.{v.name} = {v.number}: upstream {u.number if u else 'missing'}")

    for file in fds.file:
        if file.name.startswith("google/"):
            continue
        if older and not file.HasField("source_code_info"):
            print("--older needs the descriptor set built with --include_source_info (for the `since` comments)")
            return 2
        for loc in file.source_code_info.location:
            m = re.search(r"\bsince (2\.\d+)", loc.leading_comments)
            if m:
                since[(file.name, tuple(loc.path))] = m.group(1)
        for i, m in enumerate(file.message_type):
            check_message(file, [4, i], file.package, m)
        for i, e in enumerate(file.enum_type):
            check_enum(file, [5, i], file.package, e)
        for si, s in enumerate(file.service):
            service = pool.FindServiceByName(f"{file.package}.{s.name}")
            for mi, method in enumerate(s.method):
                rpcs += 1
                u = service.methods_by_name.get(method.name)
                if u is None:
                    if is_newer(file, [6, si, 2, mi]):
                        newer += 1
                        continue
                    problems.append(f"rpc {method.name}: not in pymilvus")
                    continue
                if u.input_type.full_name != method.input_type.lstrip(".") or u.output_type.full_name != method.output_type.lstrip("."):
                    problems.append(f"rpc {method.name}: ({method.input_type}) -> {method.output_type}, upstream ({u.input_type.full_name}) -> {u.output_type.full_name}")
    for p in problems:
        print(p)
    import pymilvus
    skipped = f", {newer} newer than pymilvus {pymilvus.__version__} (marked `since`)" if older else ""
    print(f"pymilvus {pymilvus.__version__}: checked {messages} messages, {fields} fields, {enums} enums ({values} values), {rpcs} RPCs{skipped}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
