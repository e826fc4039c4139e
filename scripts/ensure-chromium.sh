#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one),
# and a CJK font, so Chinese names render as glyphs, not boxes, in pages and screenshots.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi
[ -x /usr/bin/chromium ] || echo "warning: /usr/bin/chromium is missing (browser tests fail in CI without it)" >&2
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || echo "warning: no CJK font (fonts-wqy-microhei): Chinese shows as boxes in screenshots" >&2
exit 0
