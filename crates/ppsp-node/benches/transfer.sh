#!/usr/bin/env bash
# PPSP transfer benchmark (issue 4): raw UDP loopback throughput, then `ppsp seed` to
# `ppsp get` over loopback, all in one run with one release build, so the transfer figures
# can be read against the kernel's own ceiling on the same machine at the same moment.
#
# Usage: crates/ppsp-node/benches/transfer.sh [options]
#   --size MIB        size of the shared file (default 256)
#   --chunks LIST     chunk sizes of the one-to-one transfers, comma-separated (default 1024,8192)
#   --leechers N      leechers of the swarm transfer, 0 to skip it (default 8)
#   --swarm-chunk B   chunk size of the swarm transfer (default 8192)
#   --timeout S       limit of each transfer, in seconds (default 900)
#   --raw-seconds S   length of each raw UDP measurement (default 5)
#   --out FILE        also write the Markdown results to FILE
#   -h, --help        this text
# Environment: PPSP=path to a built `ppsp` binary and RAW_UDP=path to a built `raw_udp`
#   (default: `cargo build --release -p ppsp-cli -p ppsp-bench`, then target/release/...);
#   CARGO_TARGET_DIR is honoured.
#
# Exit status: 0 ok; 1 a measurement failed (timeout, or a copy differs from the source);
# 2 bad usage.
#
# What is measured (all on 127.0.0.1; every process under `timeout`, every wait bounded;
# the temporary directory and every process started are cleaned up on exit, also on Ctrl-C):
# (a) raw UDP: `raw_udp` (crates/ppsp-bench) sends datagrams as fast as plain send() allows
#     from one thread to one receiving thread, at the size of a PPSP datagram carrying one
#     DATA message of a 1 KiB and of an 8 KiB chunk: 4 B channel ID, 1 B message type, 8 B
#     chunk range, 8 B timestamp, then the chunk (1045 B and 8213 B of UDP payload).
#     Reported: received MB/s of UDP payload (10^6 B/s).
# (b) one `ppsp seed` to one `ppsp get` of a random file, per chunk size: wall time from the
#     start of `ppsp get` to its exit after the whole file is verified and in place, and the
#     file size over that time in MB/s, with its ratio to (a) at the matching datagram size.
# (c) one seeder to N leechers, separate processes started together: wall time until the last
#     leecher exits, and what the seeder uploaded in chunks over the file size (1.0 means the
#     leechers got everything else from each other).
set -euo pipefail

prog=transfer.sh
usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "$prog: $*" >&2; exit 2; }

size_mib=256
chunks=1024,8192
leechers=8
swarm_chunk=8192
limit=900
raw_seconds=5
out=""
while (($#)); do
    case $1 in
        --size) (($# >= 2)) || die "--size needs a value"; size_mib=$2; shift 2 ;;
        --chunks) (($# >= 2)) || die "--chunks needs a value"; chunks=$2; shift 2 ;;
        --leechers) (($# >= 2)) || die "--leechers needs a value"; leechers=$2; shift 2 ;;
        --swarm-chunk) (($# >= 2)) || die "--swarm-chunk needs a value"; swarm_chunk=$2; shift 2 ;;
        --timeout) (($# >= 2)) || die "--timeout needs a value"; limit=$2; shift 2 ;;
        --raw-seconds) (($# >= 2)) || die "--raw-seconds needs a value"; raw_seconds=$2; shift 2 ;;
        --out) (($# >= 2)) || die "--out needs a value"; out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }
is_count "$size_mib" && ((size_mib >= 1 && size_mib <= 4096)) || die "--size must be 1..4096 MiB"
is_count "$leechers" && ((leechers <= 32)) || die "--leechers must be 0..32"
is_count "$swarm_chunk" && ((swarm_chunk >= 1024 && swarm_chunk <= 65536)) \
    || die "--swarm-chunk must be 1024..65536"
is_count "$limit" && ((limit >= 1 && limit <= 7200)) || die "--timeout must be 1..7200 s"
is_count "$raw_seconds" && ((raw_seconds >= 1 && raw_seconds <= 60)) \
    || die "--raw-seconds must be 1..60 s"
IFS=, read -r -a chunk_list <<<"$chunks"
for c in "${chunk_list[@]}"; do
    is_count "$c" && ((c >= 1024 && c <= 65536)) || die "chunk sizes must be 1024..65536"
done

root=$(cd "$(dirname "$0")/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
if [[ -z ${PPSP:-} || -z ${RAW_UDP:-} ]]; then
    echo "$prog: building ppsp and raw_udp (release)" >&2
    (cd "$root" && cargo build --release -q -p ppsp-cli -p ppsp-bench)
fi
ppsp=${PPSP:-$target/release/ppsp}
raw_udp=${RAW_UDP:-$target/release/raw_udp}
[[ -x $ppsp && -x $raw_udp ]] || { echo "$prog: missing $ppsp or $raw_udp" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ppsp-transfer.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
results=()
note() { results+=("$1"); echo "$1" >&2; }

# (a) Raw UDP.
ppspp_header=21
declare -A raw_mbps
for c in 1024 8192; do
    dsize=$((c + ppspp_header))
    line=$(timeout $((raw_seconds + 30)) "$raw_udp" --size "$dsize" --seconds "$raw_seconds")
    mbps=$(sed -n 's/.*"received_MBps":\([0-9.]*\).*/\1/p' <<<"$line")
    loss=$(sed -n 's/.*"loss_pct":\([0-9.]*\).*/\1/p' <<<"$line")
    [[ -n $mbps ]] || { echo "$prog: raw_udp said: $line" >&2; exit 1; }
    raw_mbps[$c]=$mbps
    note "RESULT raw_udp datagram=$dsize MBps=$mbps loss_pct=$loss"
done

# The shared file, random so that nothing compresses or dedups.
src=$work/source.bin
head -c $((size_mib << 20)) /dev/urandom >"$src"
bytes=$((size_mib << 20))

# Starts a seeder of $src with chunk size $1; sets seed_pid and uri.
start_seed() {
    local chunk=$1 i
    : >"$work/seed.out"
    timeout "$limit" "$ppsp" seed "$src" --listen 127.0.0.1:0 --chunk-size "$chunk" \
        --log-interval 0 >"$work/seed.out" 2>"$work/seed.err" &
    seed_pid=$!
    pids+=("$seed_pid")
    uri=""
    for ((i = 0; i < limit * 10; i++)); do
        uri=$(head -n 1 "$work/seed.out")
        [[ $uri == ppsp://* ]] && return 0
        kill -0 "$seed_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$prog: the seeder gave no URI: $(cat "$work/seed.err")" >&2
    exit 1
}

# Stops the seeder; prints the chunk bytes it uploaded (its last line, once it is out).
stop_seed() {
    local i line=""
    kill -TERM "$seed_pid" 2>/dev/null || true
    wait "$seed_pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        line=$(sed -n 's/.*stopped; uploaded \([0-9]*\) bytes.*/\1/p' "$work/seed.err")
        [[ -n $line ]] && break
        sleep 0.1
    done
    echo "${line:-unknown}"
}

# Checks a leecher's copy and removes it.
check_copy() {
    cmp -s "$1" "$src" || { echo "$prog: $1 differs from the source" >&2; exit 1; }
    rm -f "$1"
}

# (b) One seeder to one leecher, per chunk size.
for c in "${chunk_list[@]}"; do
    start_seed "$c"
    copy=$work/copy.bin
    t0=$(now)
    if ! timeout "$limit" "$ppsp" get "$uri" --listen 127.0.0.1:0 --log-interval 0 \
        -o "$copy" 2>"$work/get.err"; then
        echo "$prog: ppsp get failed or timed out: $(tail -n 5 "$work/get.err")" >&2
        exit 1
    fi
    t1=$(now)
    uploaded=$(stop_seed)
    check_copy "$copy"
    secs=$(calc "%.2f" "$t1 - $t0")
    mbps=$(calc "%.1f" "$bytes / ($t1 - $t0) / 1e6")
    raw_size=$((c <= 1024 ? 1024 : 8192))
    ratio=$(calc "%.3f" "$mbps / ${raw_mbps[$raw_size]}")
    note "RESULT one_to_one chunk=$c seconds=$secs MBps=$mbps raw_ratio=$ratio raw_datagram=$((raw_size + ppspp_header)) seed_uploaded=$uploaded"
done

# (c) One seeder to N leechers.
if ((leechers > 0)); then
    start_seed "$swarm_chunk"
    t0=$(now)
    gets=()
    for ((i = 0; i < leechers; i++)); do
        timeout "$limit" "$ppsp" get "$uri" --listen 127.0.0.1:0 --log-interval 0 \
            -o "$work/copy-$i.bin" 2>"$work/get-$i.err" &
        gets+=($!)
        pids+=($!)
    done
    failed=0
    for i in "${!gets[@]}"; do
        wait "${gets[$i]}" || { failed=1; echo "$prog: leecher $i failed: $(tail -n 3 "$work/get-$i.err")" >&2; }
    done
    t1=$(now)
    uploaded=$(stop_seed)
    ((failed == 0)) || exit 1
    for ((i = 0; i < leechers; i++)); do
        check_copy "$work/copy-$i.bin"
    done
    secs=$(calc "%.2f" "$t1 - $t0")
    mbps=$(calc "%.1f" "$leechers * $bytes / ($t1 - $t0) / 1e6")
    copies=$(calc "%.2f" "${uploaded:-0} / $bytes")
    note "RESULT swarm leechers=$leechers chunk=$swarm_chunk seconds=$secs aggregate_MBps=$mbps seed_uploaded=$uploaded source_copies=$copies"
fi

# The Markdown summary.
{
    echo "| measurement | chunk | wall time | throughput | ratio to raw UDP | source upload |"
    echo "|---|---|---|---|---|---|"
    for r in "${results[@]}"; do
        declare -A f=()
        for kv in ${r#RESULT * }; do f[${kv%%=*}]=${kv#*=}; done
        case $r in
            "RESULT raw_udp"*)
                echo "| raw UDP, ${f[datagram]} B datagrams | – | ${raw_seconds} s | ${f[MBps]} MB/s (loss ${f[loss_pct]} %) | 1 | – |" ;;
            "RESULT one_to_one"*)
                echo "| 1 seeder → 1 leecher, ${size_mib} MiB | ${f[chunk]} B | ${f[seconds]} s | ${f[MBps]} MB/s | ${f[raw_ratio]} (of ${f[raw_datagram]} B) | ${f[seed_uploaded]} B |" ;;
            "RESULT swarm"*)
                echo "| 1 seeder → ${f[leechers]} leechers, ${size_mib} MiB | ${f[chunk]} B | ${f[seconds]} s | ${f[aggregate_MBps]} MB/s in all | – | ${f[source_copies]} copies |" ;;
        esac
        unset f
    done
} | tee "${out:-/dev/null}"
