#!/usr/bin/env bash
# Raw loopback ceilings for the bulk benchmark (issue 8, item 1): what the kernel itself moves on
# 127.0.0.1 with no protocol on top, measured in the same run as the transfers it bounds.
#
# Usage: crates/ppsp-bench/scripts/raw-loopback.sh [options]
#   --seconds S     length of each measurement (default 10)
#   --json FILE     also write the results as JSON to FILE
#   --smoke         tiny run for CI: --seconds 1
#   -h, --help      this text
# Environment: RAW_UDP=path to a built raw_udp binary (default: cargo build --release, then
#   target/release/raw_udp); CARGO_TARGET_DIR is honoured.
#
# Exit status: 0 ok; 1 a measurement failed; 2 bad usage; 3 iperf3 missing and not installable.
#
# Measurements (all on 127.0.0.1, each bounded by `timeout`):
# - TCP, one stream: iperf3 (Debian package, installed with apt-get if missing), kernel-tuned
#   buffers, received throughput.
# - UDP, datagrams of 1 KiB + 28 B (1052 B) and 8 KiB + 28 B (8220 B), i.e. a PPSP DATA datagram
#   carrying a 1 KiB or an 8 KiB chunk: `raw_udp` (crates/ppsp-bench/src/bin/raw_udp.rs), one
#   sender thread doing plain send() as fast as it can to one receiver thread doing plain
#   recv(), SO_SNDBUF/SO_RCVBUF asked at 4 MiB (the kernel caps them at net.core.[rw]mem_max).
#   Reported: datagrams/s sent and received, received MB/s (10^6 B/s of UDP payload), loss.
# - The same UDP sizes through iperf3 -u -b 0 -w 4M, as a cross-check (iperf3's own sender loop
#   is slower than raw_udp's; see docs/benchmarks/baselines.md).
set -euo pipefail

prog=raw-loopback.sh
usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "$prog: $*" >&2; exit 2; }

seconds=10
json=""
smoke=0
seconds_given=0
while (($#)); do
    case $1 in
        --seconds)
            (($# >= 2)) || die "--seconds needs a value"
            seconds=$2; seconds_given=1; shift 2 ;;
        --json)
            (($# >= 2)) || die "--json needs a file name"
            json=$2; shift 2 ;;
        --smoke) smoke=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
((smoke && !seconds_given)) && seconds=1
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]] || ((seconds > 300)); then
    die "--seconds must be a whole number from 1 to 300, not '$seconds'"
fi
if [[ -n $json ]]; then
    : >"$json" || die "cannot write '$json'"
fi

# --- tools ----------------------------------------------------------------------------------------
if ! command -v iperf3 >/dev/null; then
    if ((EUID != 0)); then
        echo "$prog: iperf3 missing (not root, cannot install); skipping" >&2
        exit 3
    fi
    echo "$prog: installing iperf3 with apt-get" >&2
    if ! { timeout 300 apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
            --no-install-recommends iperf3 >&2; }; then
        echo "$prog: apt-get could not install iperf3; skipping" >&2
        exit 3
    fi
fi
command -v python3 >/dev/null || { echo "$prog: python3 is needed to read iperf3's JSON" >&2; exit 3; }
repo=$(cd "$(dirname "$0")/../../.." && pwd)
if [[ -z ${RAW_UDP:-} ]]; then
    (cd "$repo" && timeout 1800 cargo build --release --locked -q -p ppsp-bench --bin raw_udp)
    RAW_UDP=${CARGO_TARGET_DIR:-$repo/target}/release/raw_udp
fi
[[ -x $RAW_UDP ]] || { echo "$prog: raw_udp binary not found at $RAW_UDP" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ppsp-raw.XXXXXX")
server_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [[ -z $server_pid ]] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$((40000 + RANDOM % 20000))
bound=$((seconds + 30))

# iperf3 CLIENT_ARGS...: one-off iperf3 server on 127.0.0.1:port, one client run; JSON to stdout
iperf() {
    port=$((port + 1))
    timeout -k 5 "$bound" iperf3 -s -1 --forceflush -B 127.0.0.1 -p "$port" >"$work/server.log" 2>&1 &
    server_pid=$!
    local ok=0
    for _ in $(seq 100); do   # wait up to 10 s for the listener
        if grep -q 'Server listening' "$work/server.log" 2>/dev/null; then ok=1; break; fi
        sleep 0.1
    done
    if ((!ok)); then
        echo "$prog: iperf3 server did not start" >&2
        cat "$work/server.log" >&2
        kill "$server_pid" 2>/dev/null || true
        { wait "$server_pid" || true; } 2>/dev/null
        server_pid=""
        return 1
    fi
    timeout -k 5 "$bound" iperf3 -c 127.0.0.1 -B 127.0.0.1 -p "$port" -t "$seconds" -J "$@"
    local rc=$?
    { wait "$server_pid" || true; } 2>/dev/null
    server_pid=""
    return "$rc"
}

rows=()
json_parts=()
status=0

# --- TCP, one stream --------------------------------------------------------------------------------
# (a failed run or unreadable JSON gives a "failed" row, not an abort)
if iperf >"$work/tcp.json" &&
    read -r tcp_bps tcp_cpu_snd tcp_cpu_rcv < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
print(e["sum_received"]["bits_per_second"], e["cpu_utilization_percent"]["host_total"],
      e["cpu_utilization_percent"]["remote_total"])' "$work/tcp.json"); then
    tcp_gbit=$(awk -v b="$tcp_bps" 'BEGIN {printf "%.1f", b / 1e9}')
    tcp_mbs=$(awk -v b="$tcp_bps" 'BEGIN {printf "%.0f", b / 8e6}')
    rows+=("| TCP, 1 stream (iperf3) | stream | - | - | $tcp_mbs ($tcp_gbit Gbit/s) | - | CPU sender $(printf '%.0f' "$tcp_cpu_snd") %, receiver $(printf '%.0f' "$tcp_cpu_rcv") % |")
    json_parts+=("{\"test\":\"tcp_iperf3\",\"streams\":1,\"bits_per_second\":$tcp_bps,\"MBps\":$tcp_mbs}")
    echo "RESULT raw-loopback test=tcp_iperf3 streams=1 MBps=$tcp_mbs gbit_s=$tcp_gbit"
else
    rows+=("| TCP, 1 stream (iperf3) | failed | | | | | |")
    status=1
fi

# --- UDP: raw_udp and iperf3 at 1 KiB + 28 and 8 KiB + 28 -----------------------------------------
for size in 1052 8220; do
    if out=$(timeout -k 5 "$bound" "$RAW_UDP" --size "$size" --seconds "$seconds" --buf $((4 << 20))) &&
        read -r sent_ps recv_ps recv_mbs loss rcvbuf < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["sent_per_s"], d["received_per_s"], d["received_MBps"], d["loss_pct"], d["rcvbuf"])' "$out"); then
        rows+=("| UDP, raw_udp (plain send/recv, 1 thread each) | $size | $(printf '%.0f' "$sent_ps") | $(printf '%.0f' "$recv_ps") | $recv_mbs | $loss % | SO_RCVBUF as set: $((rcvbuf >> 10)) KiB |")
        json_parts+=("{\"test\":\"udp_raw_udp\",\"result\":$out}")
        echo "RESULT raw-loopback test=udp_raw_udp size=$size sent_per_s=$sent_ps received_per_s=$recv_ps received_MBps=$recv_mbs loss_pct=$loss"
    else
        rows+=("| UDP, raw_udp | $size | failed | | | | |")
        status=1
    fi
    if iperf -u -b 0 -w 4M -l "$size" >"$work/udp$size.json" &&
        read -r i_pkts i_lost i_secs < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["end"]["sum"]
print(s["packets"], s["lost_packets"], s["seconds"])' "$work/udp$size.json"); then
        i_sent_ps=$(awk -v p="$i_pkts" -v s="$i_secs" 'BEGIN {printf "%.0f", p / s}')
        i_recv_ps=$(awk -v p="$i_pkts" -v l="$i_lost" -v s="$i_secs" 'BEGIN {printf "%.0f", (p - l) / s}')
        i_mbs=$(awk -v p="$i_pkts" -v l="$i_lost" -v s="$i_secs" -v z="$size" 'BEGIN {printf "%.1f", (p - l) * z / s / 1e6}')
        i_loss=$(awk -v p="$i_pkts" -v l="$i_lost" 'BEGIN {printf "%.2f", p ? 100 * l / p : 0}')
        rows+=("| UDP, iperf3 -u -b 0 -w 4M | $size | $i_sent_ps | $i_recv_ps | $i_mbs | $i_loss % | cross-check |")
        json_parts+=("{\"test\":\"udp_iperf3\",\"size\":$size,\"packets\":$i_pkts,\"lost\":$i_lost,\"seconds\":$i_secs,\"sent_per_s\":$i_sent_ps,\"received_per_s\":$i_recv_ps,\"received_MBps\":$i_mbs}")
        echo "RESULT raw-loopback test=udp_iperf3 size=$size sent_per_s=$i_sent_ps received_per_s=$i_recv_ps received_MBps=$i_mbs loss_pct=$i_loss"
    else
        rows+=("| UDP, iperf3 | $size | failed | | | | |")
        status=1
    fi
done

machine="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
load=$(cut -d' ' -f1-3 /proc/loadavg)
sysctls="rmem_default=$(cat /proc/sys/net/core/rmem_default) rmem_max=$(cat /proc/sys/net/core/rmem_max) wmem_max=$(cat /proc/sys/net/core/wmem_max)"
echo
echo "Raw loopback ceilings on 127.0.0.1, ${seconds} s each; $(iperf3 --version | head -n1 | cut -d' ' -f1-2)"
echo "Machine: $machine; $(uname -r); $sysctls; load average at the end: $load; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| test | datagram, bytes | sent/s | received/s | received MB/s | loss | notes |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
if [[ -n $json ]]; then
    printf '{"benchmark":"raw-loopback","seconds":%s,"machine":"%s","kernel":"%s","sysctls":"%s","loadavg":"%s","date":"%s","results":[%s]}\n' \
        "$seconds" "$machine" "$(uname -r)" "$sysctls" "$load" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "$(IFS=,; echo "${json_parts[*]}")" >"$json"
fi
exit "$status"
