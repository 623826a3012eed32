#!/usr/bin/env python3
"""The project's structure, checked: no import circle between the source files of any crate,
no source file over 600 lines and no function over 120 (tests, benches and the tables named
in ALLOWED apart).

An arrow A -> B is drawn when file A names an item that file B defines: through `use`, or a
path written in code (`crate::opc::edit::PackageEdit`, `super::scan`). A re-export is followed
to the file that defines the item, so a module's face (`mod.rs` re-exporting its children) is
not itself a stop. Declaring a child (`mod x;`) is no arrow.

Run: python3 scripts/check-structure.py          (exit 1 and the reasons when it fails)
     python3 scripts/check-structure.py --graph  (every arrow, for a reader)
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["engine/src", "keeper/src", "center-client/src", "center/src", "cli/src", "addin-server/src"]
MAX_FILE_LINES = 600
MAX_FN_LINES = 120
# Table-like code, named: (file, function) allowed over the limit, and why.
ALLOWED = {
    # One arm per error variant: the words each error says, a table.
    ("engine/src/error/message.rs", "fmt"): "table",
}

ITEM = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+|const\s+|unsafe\s+|extern\s+\"[^\"]*\"\s+)*"
    r"(fn|struct|enum|trait|type|const|static|union|mod)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)
MACRO = re.compile(r"^\s*macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)", re.M)
PATH = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def strip(text):
    """Code without comments, string literals and the test module at the end."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            out.append('""')
            i = n if j < 0 else j + len(end)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    code = "".join(out)
    m = re.search(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s+\w+\s*\{", code)
    if m:
        code = code[: m.start()]
    return code


def modules(crate_dir):
    """Module path (a tuple) -> file, for one crate."""
    mods = {}
    for dirpath, _, files in os.walk(crate_dir):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, crate_dir)[:-3].split(os.sep)
            if rel[0] == "bin":
                continue
            if rel[-1] in ("lib", "main") and len(rel) == 1:
                key = ()
            elif rel[-1] == "mod":
                key = tuple(rel[:-1])
            else:
                key = tuple(rel)
            mods[key] = full
    return mods


def expand_use(body):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (without `as` renames)."""
    body = re.sub(r"\s+as\s+[A-Za-z_0-9]+", "", body)
    body = re.sub(r"\s+", "", body)
    depth, start = 0, None
    for i, c in enumerate(body):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                prefix = body[:start]
                inner = body[start + 1 : i]
                rest = body[i + 1 :]
                parts, d, cur = [], 0, ""
                for ch in inner:
                    if ch == "," and d == 0:
                        parts.append(cur)
                        cur = ""
                        continue
                    d += ch == "{"
                    d -= ch == "}"
                    cur += ch
                parts.append(cur)
                out = []
                for p in parts:
                    if p:
                        out += expand_use(prefix + p + rest)
                return out
    return [body]


class Crate:
    def __init__(self, crate_dir):
        self.dir = crate_dir
        self.mods = modules(crate_dir)
        self.file_mod = {f: m for m, f in self.mods.items()}
        self.code = {f: strip(open(f, encoding="utf-8").read()) for f in self.file_mod}
        self.defs = {f: set(n for _, n in ITEM.findall(c)) | set(MACRO.findall(c)) for f, c in self.code.items()}
        self.reexports = {}
        for f, c in self.code.items():
            table = {}
            for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", c):
                for p in expand_use(m.group(1)):
                    segs = p.split("::")
                    if segs[-1] in ("*", "self"):
                        continue
                    table[segs[-1]] = self.absolute(f, segs)
            self.reexports[f] = table

    def absolute(self, f, segs):
        """A path as written in file f, made absolute (a list of segments from the crate root)."""
        here = list(self.file_mod[f])
        if segs[0] == "crate":
            return segs[1:]
        if segs[0] == "self":
            return here + segs[1:]
        if segs[0] == "super":
            base = here
            while segs and segs[0] == "super":
                base = base[:-1]
                segs = segs[1:]
            return base + segs
        if tuple(here + segs[:1]) in self.mods:
            return here + segs
        return None

    def resolve(self, abs_segs, seen=None):
        """The file defining what an absolute path names, or None (an outside crate)."""
        if abs_segs is None:
            return None
        seen = seen or set()
        key = tuple(abs_segs)
        if key in seen:
            return None
        seen.add(key)
        for k in range(len(abs_segs), -1, -1):
            mod = tuple(abs_segs[:k])
            if mod in self.mods:
                f = self.mods[mod]
                rest = abs_segs[k:]
                if not rest:
                    return f
                name = rest[0]
                if name in self.reexports[f] and name not in self.defs[f]:
                    target = self.reexports[f][name]
                    # A re-export of another crate's item: no arrow inside this one.
                    return None if target is None else self.resolve(target + rest[1:], seen)
                return f
        return None

    def arrows(self):
        out = {}
        for f, c in self.code.items():
            targets = {}
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", c):
                paths += expand_use(m.group(1))
            paths += PATH.findall(c)
            # A child module named bare: `word::add(...)` in slot/mod.rs.
            here = self.file_mod[f]
            for m in re.finditer(r"(?<![:\w])([a-z_][a-z0-9_]*)((?:::[A-Za-z_][A-Za-z0-9_]*)+)", c):
                if tuple(here) + (m.group(1),) in self.mods:
                    paths.append("self::" + m.group(1) + m.group(2))
            for p in paths:
                segs = [s for s in p.split("::") if s]
                if not segs or segs[-1] == "*":
                    segs = segs[:-1]
                if not segs:
                    continue
                if segs[-1] == "self":
                    segs = segs[:-1]
                t = self.resolve(self.absolute(f, segs))
                if t and t != f:
                    targets.setdefault(t, set()).add(segs[-1])
            out[f] = targets
        return out


def circles(arrows):
    """Tarjan's strongly connected components with more than one file."""
    index, low, stack, on, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in arrows.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(arrows):
        if v not in index:
            visit(v)
    return result


def long_functions(path):
    """(name, lines) of each fn whose body is over the limit."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:async\s+|const\s+|unsafe\s+)*fn\s+(\w+)", line)
        if not m:
            continue
        indent = m.group(1)
        for j in range(i + 1, len(lines)):
            if lines[j] == indent + "}":
                if j - i + 1 > MAX_FN_LINES:
                    out.append((m.group(2), j - i + 1))
                break
    return out


def main():
    rel = lambda p: os.path.relpath(p, ROOT)
    failures = []
    graph = "--graph" in sys.argv
    for c in CRATES:
        crate = Crate(os.path.join(ROOT, c))
        arrows = crate.arrows()
        if graph:
            for f in sorted(arrows):
                for t in sorted(arrows[f]):
                    print(f"{rel(f)} -> {rel(t)}: {', '.join(sorted(arrows[f][t]))}")
        for comp in circles(arrows):
            failures.append(f"import circle in {c}: " + ", ".join(rel(f) for f in comp))
            for f in comp:
                for t, names in sorted(arrows[f].items()):
                    if t in comp:
                        failures.append(f"    {rel(f)} -> {rel(t)}: {', '.join(sorted(names))}")
        for f in sorted(crate.file_mod):
            n = open(f, encoding="utf-8").read().count("\n")
            if n > MAX_FILE_LINES:
                failures.append(f"{rel(f)}: {n} lines (at most {MAX_FILE_LINES})")
            for name, length in long_functions(f):
                if (rel(f), name) not in ALLOWED:
                    failures.append(f"{rel(f)}: fn {name} has {length} lines (at most {MAX_FN_LINES})")
    for line in failures:
        print(line)
    if failures:
        sys.exit(1)
    print(f"structure: no import circle, no file over {MAX_FILE_LINES} lines, no function over {MAX_FN_LINES}")


if __name__ == "__main__":
    main()
