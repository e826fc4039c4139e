#!/usr/bin/env bash
# The CJK font statements of account (PDF) are set in: Debian's fonts-wqy-microhei, embedded
# in every statement, so Chinese names print as glyphs. Never downloaded at run time: this
# script (make run, make test) installs it. With --test also poppler-utils (pdftoppm), which
# the statement tests use to render a page to PNG.
set -u
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
need=()
[ -f "$FONT" ] || need+=(fonts-wqy-microhei)
if [ "${1:-}" = "--test" ]; then
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi
[ -f "$FONT" ] || echo "warning: $FONT is missing (Debian package fonts-wqy-microhei): arflow statement cannot build a PDF" >&2
exit 0
