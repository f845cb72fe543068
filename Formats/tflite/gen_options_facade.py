#!/usr/bin/env python3
"""Generates CFlatTFLite/tflite_options.cpp from schema.fbs.

The output gives the C facade a generic, field-level view of every options
table of the BuiltinOptions and BuiltinOptions2 unions: a descriptor per field
(name, kind, wire type, enum, default), a reader that fills tfl_option_field
values through the flatc-generated accessors and a builder that rebuilds the
table through the flatc-generated <Table>Builder.

Usage: gen_options_facade.py [schema.fbs] [output.cpp]
(defaults: the files next to this script). Run by generate.sh.
"""
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# fbs scalar -> (TFL_SCALAR_*, C++ wire type)
SCALARS = {
    "bool": ("TFL_SCALAR_BOOL", "bool"),
    "byte": ("TFL_SCALAR_INT8", "int8_t"),
    "int8": ("TFL_SCALAR_INT8", "int8_t"),
    "ubyte": ("TFL_SCALAR_UINT8", "uint8_t"),
    "uint8": ("TFL_SCALAR_UINT8", "uint8_t"),
    "short": ("TFL_SCALAR_INT16", "int16_t"),
    "int16": ("TFL_SCALAR_INT16", "int16_t"),
    "ushort": ("TFL_SCALAR_UINT16", "uint16_t"),
    "uint16": ("TFL_SCALAR_UINT16", "uint16_t"),
    "int": ("TFL_SCALAR_INT32", "int32_t"),
    "int32": ("TFL_SCALAR_INT32", "int32_t"),
    "uint": ("TFL_SCALAR_UINT32", "uint32_t"),
    "uint32": ("TFL_SCALAR_UINT32", "uint32_t"),
    "long": ("TFL_SCALAR_INT64", "int64_t"),
    "int64": ("TFL_SCALAR_INT64", "int64_t"),
    "ulong": ("TFL_SCALAR_UINT64", "uint64_t"),
    "uint64": ("TFL_SCALAR_UINT64", "uint64_t"),
    "float": ("TFL_SCALAR_FLOAT32", "float"),
    "float32": ("TFL_SCALAR_FLOAT32", "float"),
    "double": ("TFL_SCALAR_FLOAT64", "double"),
    "float64": ("TFL_SCALAR_FLOAT64", "double"),
}

MAX_FIELDS = 32  # TFL_MAX_OPTION_FIELDS in include/tflite_facade.h


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse(schema_text):
    text = strip_comments(schema_text)
    enums, unions, tables = {}, {}, {}
    for m in re.finditer(r"\benum\s+(\w+)\s*:\s*(\w+)\s*\{(.*?)\}", text, re.S):
        name, base, body = m.groups()
        values, nxt = {}, 0
        for item in [s.strip() for s in body.split(",") if s.strip()]:
            if "=" in item:
                key, val = [s.strip() for s in item.split("=", 1)]
                nxt = int(val, 0)
            else:
                key = item
            values[key] = nxt
            nxt += 1
        enums[name] = (base, values)
    for m in re.finditer(r"\bunion\s+(\w+)\s*\{(.*?)\}", text, re.S):
        name, body = m.groups()
        unions[name] = [s.strip() for s in body.split(",") if s.strip()]
    for m in re.finditer(r"\btable\s+(\w+)\s*\{(.*?)\}", text, re.S):
        name, body = m.groups()
        fields = []
        for decl in [s.strip() for s in body.split(";") if s.strip()]:
            fm = re.match(r"(\w+)\s*:\s*(\[\s*\w+\s*\]|\w+)\s*(?:=\s*([^()\s]+))?\s*(?:\((.*)\))?\s*$", decl, re.S)
            if not fm:
                raise SystemExit(f"cannot parse field of table {name}: {decl!r}")
            fname, ftype, default, attrs = fm.groups()
            fields.append({"name": fname, "type": ftype.replace(" ", ""), "default": default,
                           "attrs": attrs or ""})
        tables[name] = fields
    return enums, unions, tables


def is_subgraph_field(name):
    return (name.endswith("subgraph_index") or name.endswith("subgraph_indices")
            or name in ("subgraph", "called_computations"))


class Field:
    def __init__(self, table, f, enums):
        self.name = f["name"]
        self.vt = "VT_" + self.name.upper()
        self.subgraph = is_subgraph_field(self.name)
        t = f["type"]
        if "force_align" in f["attrs"]:
            raise SystemExit(f"{table}.{self.name}: force_align is not supported in options tables")
        self.enum = None
        if t.startswith("["):
            elem = t[1:-1]
            self.kind = "TFL_FIELD_VECTOR"
            if elem in enums:
                self.enum = elem
                elem = enums[elem][0]
            if elem not in SCALARS:
                raise SystemExit(f"{table}.{self.name}: unsupported vector element type {elem}")
            self.scalar, wire = SCALARS[elem]
            self.ctype = "uint8_t" if wire == "bool" else wire
            self.is_bool = wire == "bool"
        elif t == "string":
            self.kind, self.scalar, self.ctype = "TFL_FIELD_STRING", "0", None
        elif t in enums:
            self.enum = t
            self.kind = "TFL_FIELD_ENUM"
            self.scalar, self.ctype = SCALARS[enums[t][0]]
        elif t in SCALARS:
            self.scalar, self.ctype = SCALARS[t]
            if t == "bool":
                self.kind = "TFL_FIELD_BOOL"
            elif self.ctype in ("float", "double"):
                self.kind = "TFL_FIELD_FLOAT"
            else:
                self.kind = "TFL_FIELD_INT"
        else:
            raise SystemExit(f"{table}.{self.name}: unsupported field type {t}")
        # defaults
        d = f["default"]
        self.int_default, self.float_default = "0", "0.0"
        if d is not None:
            if self.enum:
                vals = enums[self.enum][1]
                self.int_default = str(vals[d] if d in vals else int(d, 0))
            elif self.kind == "TFL_FIELD_BOOL":
                self.int_default = "1" if d == "true" else "0"
            elif self.kind == "TFL_FIELD_FLOAT":
                self.float_default = repr(float(d))
            else:
                self.int_default = str(int(d, 0))


def generate(schema_path):
    enums, unions, tables = parse(Path(schema_path).read_text())
    union_specs = [(1, "BuiltinOptions"), (2, "BuiltinOptions2")]
    out = []
    w = out.append
    w("// GENERATED by Formats/tflite/gen_options_facade.py from schema.fbs. DO NOT EDIT.")
    w("// Regenerate with Formats/tflite/generate.sh.")
    w("//")
    w("// Generic field-level access to every BuiltinOptions / BuiltinOptions2 table:")
    w("// descriptors, readers (flatc accessors) and builders (flatc <Table>Builder).")
    w('#include "tflite_internal.h"')
    w("")
    w("namespace tfl_detail {")
    w("namespace {")
    w("")
    w("inline bool has_field(const void *t, flatbuffers::voffset_t vt) {")
    w("  return reinterpret_cast<const flatbuffers::Table *>(t)->CheckField(vt);")
    w("}")
    w("")
    done = set()
    max_fields = 0
    for which, uname in union_specs:
        for member in unions[uname]:
            if member in done:
                continue
            done.add(member)
            if member not in tables:
                raise SystemExit(f"union {uname} member {member} is not a table")
            fields = [Field(member, f, enums) for f in tables[member] if "deprecated" not in f["attrs"]]
            max_fields = max(max_fields, len(fields))
            cls = f"tflite::{member}"
            w(f"// ---- {member} ----")
            if fields:
                w(f"const FieldDesc kF_{member}[] = {{")
                for f in fields:
                    en = f'"{f.enum}"' if f.enum else "nullptr"
                    w(f'  {{"{f.name}", {f.kind}, {f.scalar}, {en}, {int(f.subgraph)}, '
                      f"{f.int_default}, {f.float_default}}},")
                w("};")
            # reader
            w(f"void rd_{member}(const void *p, tfl_option_field *f) {{")
            if fields:
                w(f"  auto t = static_cast<const {cls} *>(p);")
            else:
                w("  (void)p; (void)f;")
            for i, f in enumerate(fields):
                if f.kind in ("TFL_FIELD_VECTOR",):
                    w(f"  if (auto v = t->{f.name}()) {{ f[{i}].present = 1; "
                      f"f[{i}].vector_data = v->data(); f[{i}].vector_count = v->size(); }}")
                elif f.kind == "TFL_FIELD_STRING":
                    w(f"  if (auto s = t->{f.name}()) {{ f[{i}].present = 1; "
                      f"f[{i}].string_value = s->c_str(); f[{i}].string_len = s->size(); }}")
                else:
                    w(f"  f[{i}].present = has_field(p, {cls}::{f.vt});")
                    if f.kind == "TFL_FIELD_FLOAT":
                        w(f"  f[{i}].float_value = static_cast<double>(t->{f.name}());")
                    elif f.kind == "TFL_FIELD_ENUM":
                        w(f"  f[{i}].int_value = static_cast<int64_t>(t->{f.name}()); "
                          f"f[{i}].enum_name = enum_name_or_null(tflite::EnumName{f.enum}(t->{f.name}()));")
                    else:
                        w(f"  f[{i}].int_value = static_cast<int64_t>(t->{f.name}());")
            w("}")
            # builder
            w(f"bool bd_{member}(BuildCtx &c, const tfl_option_field *const *s, flatbuffers::Offset<void> *out) {{")
            if not fields:
                w("  (void)s;")
            for i, f in enumerate(fields):
                if f.kind == "TFL_FIELD_VECTOR":
                    extra = ", true" if f.is_bool else ""
                    w(f"  flatbuffers::Offset<flatbuffers::Vector<{f.ctype}>> v{i}; "
                      f"if (s[{i}] && s[{i}]->present && !c.vector(s[{i}], &v{i}{extra})) return false;")
                elif f.kind == "TFL_FIELD_STRING":
                    w(f"  flatbuffers::Offset<flatbuffers::String> v{i}; "
                      f"if (s[{i}] && s[{i}]->present && !c.string(s[{i}], &v{i})) return false;")
                else:
                    w(f"  {f.ctype} v{i} = {{}}; if (s[{i}] && !c.scalar(s[{i}], &v{i})) return false;")
            w(f"  {cls}Builder b(c.fbb);")
            for i, f in enumerate(fields):
                if f.kind in ("TFL_FIELD_VECTOR", "TFL_FIELD_STRING"):
                    w(f"  if (s[{i}] && s[{i}]->present) b.add_{f.name}(v{i});")
                elif f.kind == "TFL_FIELD_ENUM":
                    w(f"  if (s[{i}]) b.add_{f.name}(static_cast<tflite::{f.enum}>(v{i}));")
                else:
                    w(f"  if (s[{i}]) b.add_{f.name}(v{i});")
            w("  *out = b.Finish().Union();")
            w("  return true;")
            w("}")
            w("")
    # dispatch tables, indexed by union type code
    for which, uname in union_specs:
        w(f"const OptionsTable kTables{which}[] = {{")
        w("  {nullptr, nullptr, 0, nullptr, nullptr},  // NONE")
        for member in unions[uname]:
            has = any("deprecated" not in f["attrs"] for f in tables[member])
            fd = f"kF_{member}" if has else "nullptr"
            cnt = f"sizeof(kF_{member}) / sizeof(FieldDesc)" if has else "0"
            w(f'  {{"{member}", {fd}, {cnt}, rd_{member}, bd_{member}}},')
        w("};")
        w(f"static_assert(sizeof(kTables{which}) / sizeof(OptionsTable) == "
          f"static_cast<size_t>(tflite::{uname}_MAX) + 1, \"{uname} union size mismatch\");")
        w("")
    w("}  // namespace")
    w("")
    w(f"static_assert({max_fields} <= TFL_MAX_OPTION_FIELDS, \"raise TFL_MAX_OPTION_FIELDS\");")
    w("")
    w("const OptionsTable *options_table(int which, int type) {")
    w("  if (type <= 0) return nullptr;")
    w("  if (which == 1 && type <= static_cast<int>(tflite::BuiltinOptions_MAX)) return &kTables1[type];")
    w("  if (which == 2 && type <= static_cast<int>(tflite::BuiltinOptions2_MAX)) return &kTables2[type];")
    w("  return nullptr;")
    w("}")
    w("")
    w("int options_type_max(int which) {")
    w("  if (which == 1) return static_cast<int>(tflite::BuiltinOptions_MAX);")
    w("  if (which == 2) return static_cast<int>(tflite::BuiltinOptions2_MAX);")
    w("  return -1;")
    w("}")
    w("")
    w("}  // namespace tfl_detail")
    if max_fields > MAX_FIELDS:
        raise SystemExit(f"an options table has {max_fields} fields > TFL_MAX_OPTION_FIELDS")
    return "\n".join(out) + "\n"


def main():
    schema = sys.argv[1] if len(sys.argv) > 1 else HERE / "schema.fbs"
    output = sys.argv[2] if len(sys.argv) > 2 else HERE / "CFlatTFLite" / "tflite_options.cpp"
    Path(output).write_text(generate(schema))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
