#!/usr/bin/env bash
# Makes docs/wireshark-demo.png: a real `sctps demo` capture opened in the Wireshark GUI with the
# Lua dissector and the key log, one protected packet selected and its DTLS chunk expanded down
# to the inner SACK and DATA chunks. Not run in CI (it needs a display server and the Qt GUI).
#
# Needs (Debian 12): wireshark-qt (or wireshark), xvfb, xdotool, imagemagick, and a built sctps.
#   apt-get install wireshark-qt xvfb xdotool imagemagick
#   tools/wireshark-screenshot.sh [path/to/sctps] [out.png]
# Environment: DISPLAY_NUM (default 97) for the Xvfb display; WAIT (seconds, default 20) for the
# Wireshark window to appear, SETTLE (default 5) for it to dissect the packets; WIDTH and HEIGHT
# (1800x1200) of the screen; DETAILS_Y (98), the height of the first row of the packet details
# (see step 2) if another Qt style or font moves it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sctps=${1:-}
out=${2:-$repo/docs/wireshark-demo.png}
display=:${DISPLAY_NUM:-97}
wait_load=${WAIT:-20}
lua=$repo/contrib/wireshark/sctps-dtls.lua

if [[ -z $sctps ]]; then
  for candidate in "$repo"/build/release/apps/sctps/sctps "$repo"/build/debug/apps/sctps/sctps; do
    if [[ -x $candidate ]]; then sctps=$candidate; break; fi
  done
  [[ -n $sctps ]] || sctps=$(command -v sctps || true)
fi
[[ -x $sctps ]] || { echo "no sctps binary: pass its path as the first argument" >&2; exit 2; }
for tool in wireshark tshark editcap Xvfb xdotool import convert; do
  command -v "$tool" > /dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/sctps-screenshot-XXXXXX)
xvfb_pid=
ws_pid=
cleanup() {
  if [[ -n $ws_pid ]]; then kill "$ws_pid" 2> /dev/null || true; fi
  if [[ -n $xvfb_pid ]]; then kill "$xvfb_pid" 2> /dev/null || true; fi
  rm -rf "$work"  # the key log is a secret
}
trap cleanup EXIT

# 1. A demo run, captured with its key log.
"$sctps" demo --duration 1 --rekeys 1 --quiet --pcap "$work/demo.pcap" --keylog "$work/demo.keys"
# The first packet is the client's INIT to the server's UDP port, which tshark needs to read the
# UDP payload as SCTP (the demo's ports are ephemeral).
port=$(tshark -n -r "$work/demo.pcap" -c 1 -T fields -e udp.dstport 2> /dev/null)
# The first few hundred packets (handshakes and the first traffic): the GUI opens them at once,
# where the whole 13 MB capture keeps the plain-Lua AES busy for minutes.
editcap -r "$work/demo.pcap" "$work/shown.pcap" 1-400
ws_opts=(-n -d "udp.port==$port,sctp" -X "lua_script:$lua" -o "sctps_dtls.keylog_file:$work/demo.keys")
# A small protected packet of application traffic: a SACK and DATA in its DTLS chunk, the
# smallest size class the run happened to produce (the packing depends on timing).
frame=
for max_len in 260 400 1300; do
  filter="sctps_dtls.decrypted && frame.len < $max_len && sctp.chunk_type == 3 && sctp.chunk_type == 0 && !sctps_km"
  frame=$(tshark -r "$work/shown.pcap" "${ws_opts[@]}" -Y "$filter" -T fields -e frame.number \
    2> /dev/null | head -n 1)
  [[ -z $frame ]] || break
done
[[ -n $frame ]] || { echo "no protected SACK + DATA packet found" >&2; exit 1; }
echo "showing frame $frame of the capture (server UDP port $port)"

# 2. Wireshark under Xvfb, with its own configuration directory (nothing of the user's).
width=${WIDTH:-1800}
height=${HEIGHT:-1200}
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
if [[ -e /tmp/.X${display#:}-lock ]]; then
  echo "display $display is in use: set DISPLAY_NUM to a free number" >&2
  exit 1
fi
Xvfb "$display" -screen 0 "${width}x${height}x24" -nolisten tcp > "$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 50); do xdotool getmouselocation > /dev/null 2>&1 && break; sleep 0.2; done
# Our Xvfb, not a display server that already had this number.
kill -0 "$xvfb_pid" 2> /dev/null || { echo "Xvfb $display did not start" >&2; cat "$work/xvfb.log" >&2; exit 1; }

# Layout 3 (two panes side by side above a third, here none): the packet list on the left, the
# packet details on the right at full height; a few columns so that Info stays readable. The
# list shows the SCTP packets, the chosen one selected (-g).
wireshark "${ws_opts[@]}" -r "$work/shown.pcap" -Y sctp -g "$frame" \
  -o gui.layout_type:3 -o gui.layout_content_1:PLIST -o gui.layout_content_2:PDETAILS \
  -o gui.layout_content_3:NONE \
  -o 'gui.column.format:"No.","%m","Protocol","%p","Length","%L","Info","%i"' \
  > "$work/wireshark.log" 2>&1 &
ws_pid=$!

win=
for _ in $(seq $((wait_load * 5))); do
  win=$(xdotool search --onlyvisible --name 'shown.pcap' 2> /dev/null | head -n 1 || true)
  [[ -n $win ]] && break
  sleep 0.2
done
[[ -n $win ]] || { echo "Wireshark did not open a window" >&2; cat "$work/wireshark.log" >&2; exit 1; }
xdotool windowmove "$win" 0 0 windowsize "$win" "$width" "$height"
sleep "${SETTLE:-5}"
# Focus the details pane with a click on its first row (Frame; the rows start level with the
# packet list's header, below the toolbars and the filter bar: DETAILS_Y), select its last
# top-level item, the dissector's "SCTP DTLS Chunk (sctps)", and expand it with all its subtrees
# (Shift+Right, Wireshark's "Expand Subtrees").
xdotool mousemove $((width * 3 / 4)) "${DETAILS_Y:-98}" click 1
sleep 0.5
xdotool key End
sleep 0.5
xdotool key shift+Right
sleep 1
xdotool mousemove $((width - 100)) 30  # off the panes: no hover highlight, no tooltip
sleep 1
import -window root "$work/shot.png"
# A palette of 128 colours keeps the text sharp at a third of the size.
convert "$work/shot.png" -strip -colors 128 "PNG8:$out"
echo "wrote $out"
