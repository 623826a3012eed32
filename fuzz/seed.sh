#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the samples and the test corpus: whole packages for
# the package reader, stamping and verification (signed ones for verification), the relationships
# and content-types parts for their parsers. The corpus is rebuilt from the repository, never
# committed.
set -euo pipefail
cd "$(dirname "$0")"
root=..
rm -rf corpus && mkdir -p corpus/{package_reader,verify,rels_transform,content_types,stamp}
i=0
for f in "$root"/samples/documents/* "$root"/tests/corpus/docs/*; do
  [ -f "$f" ] || continue
  i=$((i + 1))
  cp "$f" "corpus/package_reader/$i"
  case "$f" in *.docx|*.xlsx|*.docm|*.xlsm) [ $((i % 3)) -eq 0 ] && cp "$f" "corpus/stamp/$i" ;; esac
  # The parts the two XML parsers take, straight out of the package.
  python3 - "$f" "$i" <<'PY'
import sys, zipfile
path, i = sys.argv[1], sys.argv[2]
try:
    z = zipfile.ZipFile(path)
except Exception:
    sys.exit(0)
for n, name in enumerate(z.namelist()):
    try:
        data = z.read(name)
    except Exception:
        continue
    if name.endswith('.rels'):
        open(f'corpus/rels_transform/{i}-{n}', 'wb').write(data)
    elif name == '[Content_Types].xml':
        open(f'corpus/content_types/{i}', 'wb').write(data)
PY
done
cp "$root"/samples/documents/* corpus/stamp/
cp "$root"/samples/stamped/*.docx "$root"/samples/stamped/*.xlsx corpus/verify/
for f in "$root"/../shared/interop/samples/*/*.docx "$root"/../shared/interop/samples/*/*.xlsx; do
  [ -f "$f" ] && cp "$f" corpus/verify/ || true
done
for d in corpus/*; do echo "$d: $(ls "$d" | wc -l) seeds"; done
