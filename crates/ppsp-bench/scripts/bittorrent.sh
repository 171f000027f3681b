#!/usr/bin/env bash
# BitTorrent comparison for the bulk benchmark (issue 8, item 1): one seeder to N leechers of the
# same random file through a real BitTorrent swarm on loopback, with Debian's aria2c (clients),
# opentracker (HTTP tracker on 127.0.0.1) and mktorrent (private torrent).
#
# Usage: crates/ppsp-bench/scripts/bittorrent.sh [options]
#   --size MIB         file size in MiB (default 256)
#   --peers N [N...]   leecher counts, one swarm run each (default 1 4 16); also --peers 1,4,16
#   --timeout S        bound on each swarm run, from the leechers' start (default 600)
#   --json FILE        also write the results as JSON to FILE
#   --smoke            tiny run for CI: --size 4 --peers 1 2 --timeout 60
#   --no-netns         stay in the host network namespace (default as root: a private one)
#   -h, --help         this text
# Environment: TMPDIR (where the file and the copies go; default /tmp).
#
# Exit status: 0 all runs completed and every copy matched; 1 a run failed (timeout or a copy
# differed); 2 bad usage; 3 the tools are missing and could not be installed (callers skip).
#
# Method (details and pitfalls: docs/benchmarks/baselines.md):
# - Everything runs on 127.0.0.1. As root the script re-executes itself inside `unshare -n`, a
#   private network namespace holding only `lo`, so nothing can leave the machine whatever the
#   clients try; aria2c has DHT, LPD, PEX and IPv6 off and the torrent is private anyway.
# - Per swarm run: a fresh opentracker (Debian's build is whitelist-only, so the info-hash is
#   whitelisted), one aria2c seeder that has hashed the file and announced (checked by a tracker
#   scrape) before the clock starts, then N aria2c leechers started together. aria2c accepts
#   several peers on one IP. Every leecher keeps seeding after completion (--seed-ratio=0.0), so
#   leechers trade pieces among themselves as in any swarm.
# - Wall time: from starting the leechers to the last completion, timed by aria2c's own
#   --on-bt-download-complete hook (a timestamp per leecher). Throughput: size / wall per
#   leecher, N * size / wall in aggregate (MB = 10^6 bytes).
# - CPU: user+sys of every process of the swarm (seeder, leechers, tracker) from /proc/PID/stat,
#   counted from the clock start to the last completion (the seeder's hashing before the start is
#   subtracted), divided by the GiB delivered (N * size). Peak RSS: VmHWM of each process.
# - Every copy is compared with the source (cmp). Every process runs under `timeout`.
set -euo pipefail

prog=bittorrent.sh
usage() { sed -n '/^# Usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "$prog: $*" >&2; exit 2; }

size_mib=256
peers=()
run_timeout=600
json=""
smoke=0
netns=1
orig_args=("$@")
while (($#)); do
    case $1 in
        --size)
            (($# >= 2)) || die "--size needs a value"
            size_mib=$2; shift 2 ;;
        --peers)
            (($# >= 2)) || die "--peers needs at least one value"
            shift
            while (($#)) && [[ $1 =~ ^[0-9,]+$ ]]; do
                IFS=, read -r -a list <<<"$1"
                peers+=("${list[@]}")
                shift
            done ;;
        --timeout)
            (($# >= 2)) || die "--timeout needs a value"
            run_timeout=$2; shift 2 ;;
        --json)
            (($# >= 2)) || die "--json needs a file name"
            json=$2; shift 2 ;;
        --smoke) smoke=1; shift ;;
        --no-netns) netns=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
if ((smoke)); then   # smoke sizes, unless given explicitly
    [[ " ${orig_args[*]} " == *" --size "* ]] || size_mib=4
    ((${#peers[@]})) || peers=(1 2)
    [[ " ${orig_args[*]} " == *" --timeout "* ]] || run_timeout=60
fi
((${#peers[@]})) || peers=(1 4 16)
[[ $size_mib =~ ^[1-9][0-9]*$ ]] || die "--size must be a whole number of MiB, not '$size_mib'"
[[ $run_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a whole number of seconds"
for n in "${peers[@]}"; do
    if ! [[ $n =~ ^[1-9][0-9]*$ ]] || ((n > 64)); then
        die "--peers takes counts from 1 to 64, not '$n'"
    fi
done
if [[ -n $json ]]; then
    json=$(realpath -m -- "$json")
    : >"$json" || die "cannot write '$json'"
fi

# --- tools (Debian packages), installed if missing -------------------------------------------
need_install() {
    local pkgs=()
    command -v aria2c >/dev/null || pkgs+=(aria2)
    command -v opentracker >/dev/null || pkgs+=(opentracker)
    command -v mktorrent >/dev/null || pkgs+=(mktorrent)
    command -v curl >/dev/null || pkgs+=(curl)
    echo "${pkgs[*]}"
}
if [[ -z ${PPSP_BT_IN_NETNS:-} ]]; then
    missing=$(need_install)
    if [[ -n $missing ]]; then
        if ((EUID != 0)); then
            echo "$prog: missing Debian packages: $missing (not root, cannot install); skipping" >&2
            exit 3
        fi
        echo "$prog: installing $missing with apt-get" >&2
        # shellcheck disable=SC2086 # word splitting of the package list is intended
        if ! { timeout 300 apt-get update -q >&2 &&
            DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
                --no-install-recommends $missing >&2; }; then
            echo "$prog: apt-get could not install: $missing; skipping" >&2
            exit 3
        fi
        missing=$(need_install)
        [[ -z $missing ]] || { echo "$prog: still missing after install: $missing" >&2; exit 3; }
    fi
    # Re-execute in a private network namespace (root only): only `lo` exists there.
    if ((netns)); then
        if ((EUID == 0)) && command -v unshare >/dev/null && command -v ip >/dev/null &&
            unshare -n true 2>/dev/null; then
            PPSP_BT_IN_NETNS=1 exec unshare -n -- bash "$0" "${orig_args[@]}"
        fi
        echo "$prog: cannot create a network namespace (need root, unshare, ip); running on the host's 127.0.0.1" >&2
        netns=0
    fi
else
    ip link set lo up
fi

# --- helpers ------------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
now() { date +%s.%N; }
# cpu_ticks PID: user+sys clock ticks of a live process (0 if gone)
cpu_ticks() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    rest=${stat##*) }            # fields from 3 (state) on; the command name may hold spaces
    read -r -a f <<<"$rest"
    echo $((f[11] + f[12]))      # fields 14 (utime) and 15 (stime)
}
# peak_rss_kib PID: VmHWM of a live process in KiB (0 if gone)
peak_rss_kib() {
    awk '/^VmHWM:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
# lo_bytes_now: bytes received on lo so far (= bytes sent on it)
lo_bytes_now() { sed -n 's/^ *lo: *\([0-9]*\).*/\1/p' /proc/net/dev; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ppsp-bt.XXXXXX")
pids=()     # `timeout` wrappers of the running processes
cpids=()    # the programs they run (children), same order
# Stop every process of the run: clients first, tracker last; SIGTERM, then SIGKILL after 3 s.
stop_all() {
    local i p
    for ((i = ${#cpids[@]} - 1; i >= 0; i--)); do kill "${cpids[i]}" 2>/dev/null || true; done
    for _ in $(seq 30); do
        p=0
        for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && p=1; done
        ((p)) || break
        sleep 0.1
    done
    for p in "${cpids[@]}" "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do { wait "$p" || true; } 2>/dev/null; done
    pids=()
    cpids=()
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

size_bytes=$((size_mib << 20))
aria_version=$(aria2c --version | head -n1 | awk '{print $3}')
echo "$prog: aria2c $aria_version, opentracker (Debian), mktorrent; ${size_mib} MiB file," \
    "leechers: ${peers[*]}; network namespace: $([[ -n ${PPSP_BT_IN_NETNS:-} ]] && echo private || echo host)" >&2

# --- the file and the torrent --------------------------------------------------------------------
base_port=$((20000 + RANDOM % 20000))
tracker_port=$base_port
mkdir -p "$work/seed" "$work/tracker"
chmod 755 "$work" "$work/tracker"
head -c "$size_bytes" /dev/urandom >"$work/seed/payload.bin"
mktorrent -p -a "http://127.0.0.1:$tracker_port/announce" -l 18 \
    -o "$work/payload.torrent" "$work/seed/payload.bin" >/dev/null
info_hash=$(aria2c -S "$work/payload.torrent" | awk '/^Info Hash:/ {print $3}')
[[ $info_hash =~ ^[0-9a-f]{40}$ ]] || { echo "$prog: cannot read the info-hash" >&2; exit 1; }
echo "$info_hash" >"$work/tracker/whitelist"
chmod 644 "$work/tracker/whitelist"
rpc_secret=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
hash_enc=""
for ((k = 0; k < 40; k += 2)); do hash_enc+="%${info_hash:k:2}"; done
scrape_url="http://127.0.0.1:$tracker_port/scrape?info_hash=$hash_enc"
cat >"$work/hook.sh" <<'EOF'
#!/bin/sh
# aria2c --on-bt-download-complete hook: $3 is the path of the first file.
date +%s.%N >"$3.done"
EOF
chmod 755 "$work/hook.sh"

proc_timeout=$((run_timeout + 120))
aria_common=(--no-conf=true --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
    --enable-peer-exchange=false --disable-ipv6=true --seed-ratio=0.0 --summary-interval=0
    --console-log-level=warn --file-allocation=falloc --auto-file-renaming=false
    --bt-max-peers=80 --max-overall-upload-limit=0 --max-overall-download-limit=0)

# start_proc NAME CMD...: run CMD under timeout, output to NAME.log; its index in pids is last_idx
last_idx=0
start_proc() {
    local name=$1
    shift
    timeout -k 5 "$proc_timeout" "$@" >"$work/$name.log" 2>&1 &
    last_idx=${#pids[@]}
    pids+=("$!")
}
# child_of PID: the program that `timeout` PID runs (its only child); PID itself if none shows up
child_of() {
    local c=""
    for _ in $(seq 50); do
        c=$(pgrep -P "$1" | head -n1) && [[ -n $c ]] && { echo "$c"; return; }
        sleep 0.02
    done
    echo "$1"
}
# resolve_children: fill cpids for every process started since the last call
resolve_children() {
    local i
    for ((i = ${#cpids[@]}; i < ${#pids[@]}; i++)); do cpids[i]=$(child_of "${pids[i]}"); done
}

rows=()
json_runs=()
status=0
for n in "${peers[@]}"; do
    stop_all
    rm -rf "$work"/leech* "$work/seed/.aria2"* "$work/seed/payload.bin.aria2"
    run_port=$((tracker_port + 1))
    rpc_port=$((tracker_port + 100))
    # tracker, fresh per run (killed clients leave stale peers behind)
    start_proc tracker opentracker -i 127.0.0.1 -p "$tracker_port" -P "$tracker_port" \
        -d "$work/tracker" -u nobody -w whitelist
    resolve_children
    tracker_pid=${cpids[last_idx]}
    # seeder
    start_proc seeder aria2c "${aria_common[@]}" --check-integrity=true --bt-seed-unverified=false \
        --listen-port="$run_port" --dir="$work/seed" --enable-rpc=true --rpc-listen-all=false \
        --rpc-listen-port="$rpc_port" --rpc-secret="$rpc_secret" "$work/payload.torrent"
    resolve_children
    seeder_pid=${cpids[last_idx]}
    # wait (bounded) until the tracker knows one complete peer
    ready=0
    for _ in $(seq 600); do
        if curl -s --max-time 2 "$scrape_url" 2>/dev/null | grep -q '8:completei1e'; then
            ready=1; break
        fi
        kill -0 "$seeder_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ((!ready)); then
        echo "$prog: seeder never announced as complete (see logs below)" >&2
        tail -n 5 "$work/tracker.log" "$work/seeder.log" >&2 || true
        exit 1
    fi
    seeder_cpu0=$(cpu_ticks "$seeder_pid")
    lo_bytes0=$(lo_bytes_now)
    tracker_cpu0=$(cpu_ticks "$tracker_pid")

    # leechers, started together
    leech_pids=()
    leech_idx=()
    t0=$(now)
    for ((i = 1; i <= n; i++)); do
        mkdir -p "$work/leech$i"
        start_proc "leech$i" aria2c "${aria_common[@]}" --listen-port=$((run_port + i)) \
            --dir="$work/leech$i" --on-bt-download-complete="$work/hook.sh" "$work/payload.torrent"
        leech_idx+=("$last_idx")
    done
    resolve_children
    for i in "${leech_idx[@]}"; do leech_pids+=("${cpids[i]}"); done

    # wait (bounded) for every completion hook
    deadline=$(($(date +%s) + run_timeout))
    done_count=0
    while (($(date +%s) < deadline)); do
        done_count=$(find "$work" -maxdepth 2 -name 'payload.bin.done' | wc -l)
        ((done_count >= n)) && break
        sleep 0.05
    done
    # snapshot CPU and peak RSS before stopping anything
    cpu_total=$(($(cpu_ticks "$seeder_pid") - seeder_cpu0 + $(cpu_ticks "$tracker_pid") - tracker_cpu0))
    seeder_rss=$(peak_rss_kib "$seeder_pid")
    # bytes the seeder uploaded (aria2c's JSON-RPC on 127.0.0.1), to see how much the swarm shared
    seeder_up=$(curl -s --max-time 3 -H 'Content-Type: application/json' \
        -d "{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":\"aria2.tellActive\",\"params\":[\"token:$rpc_secret\",[\"uploadLength\"]]}" \
        "http://127.0.0.1:$rpc_port/jsonrpc" | grep -o '"uploadLength":"[0-9]*"' | grep -o '[0-9]\+' | head -n1) || true
    [[ -n $seeder_up ]] || seeder_up=0
    # all bytes that crossed lo during the run (only meaningful in the private namespace)
    lo_bytes=$(($(lo_bytes_now) - lo_bytes0))
    leech_cpu=()
    leech_rss=()
    for p in "${leech_pids[@]}"; do
        c=$(cpu_ticks "$p"); leech_cpu+=("$c"); cpu_total=$((cpu_total + c))
        leech_rss+=("$(peak_rss_kib "$p")")
    done
    seeder_cpu=$(($(cpu_ticks "$seeder_pid") - seeder_cpu0))
    tracker_rss=$(peak_rss_kib "$tracker_pid")
    stop_all

    if ((done_count < n)); then
        echo "$prog: $n leechers: only $done_count completed within ${run_timeout}s" >&2
        tail -n 5 "$work"/leech1.log >&2 || true
        rows+=("| $n | timeout after ${run_timeout} s ($done_count of $n done) | | | | | | | | | | |")
        json_runs+=("{\"leechers\":$n,\"completed\":$done_count,\"ok\":false}")
        status=1
        continue
    fi
    # completion times relative to t0, and byte-for-byte checks
    times=()
    bad=0
    for ((i = 1; i <= n; i++)); do
        t=$(<"$work/leech$i/payload.bin.done")
        times+=("$(calc "$t - $t0" 3)")
        cmp -s "$work/seed/payload.bin" "$work/leech$i/payload.bin" || bad=$((bad + 1))
    done
    wall=$(printf '%s\n' "${times[@]}" | sort -g | tail -n1)
    first=$(printf '%s\n' "${times[@]}" | sort -g | head -n1)
    per_leecher=$(calc "$size_bytes / $wall / 1e6" 1)
    aggregate=$(calc "$n * $size_bytes / $wall / 1e6" 1)
    cpu_s=$(calc "$cpu_total / $clk_tck" 2)
    gib=$(calc "$n * $size_bytes / 1073741824" 4)
    cpu_per_gib=$(calc "$cpu_s / $gib" 2)
    leech_cpu_s=$(printf '%s\n' "${leech_cpu[@]}" | awk -v t="$clk_tck" '{s+=$1} END {printf "%.2f", s/NR/t}')
    leech_rss_max=$(printf '%s\n' "${leech_rss[@]}" | sort -n | tail -n1)
    cmp_text="$((n - bad))/$n"
    up_ratio=$(calc "$seeder_up / $size_bytes" 2)
    lo_ratio=$(calc "$lo_bytes / ($n * $size_bytes)" 3)
    if [[ -z ${PPSP_BT_IN_NETNS:-} ]]; then   # the host's lo carries other traffic too
        lo_ratio="n/a"
        lo_bytes=null
    fi
    ((bad == 0)) || status=1
    rows+=("| $n | $wall | $first | $per_leecher | $aggregate | $cpu_s | $cpu_per_gib | $(calc "$seeder_cpu / $clk_tck" 2) / $leech_cpu_s | $((seeder_rss / 1024)) / $((leech_rss_max / 1024)) | $up_ratio | $lo_ratio | $cmp_text |")
    echo "RESULT bittorrent client=aria2c leechers=$n size_mib=$size_mib wall_s=$wall first_s=$first" \
        "per_leecher_MBps=$per_leecher aggregate_MBps=$aggregate cpu_s=$cpu_s cpu_s_per_gib=$cpu_per_gib" \
        "seeder_rss_kib=$seeder_rss leecher_rss_max_kib=$leech_rss_max seeder_upload_copies=$up_ratio" \
        "lo_bytes_per_payload_byte=$lo_ratio cmp_ok=$((n - bad))"
    json_runs+=("{\"leechers\":$n,\"completed\":$n,\"ok\":$([[ $bad == 0 ]] && echo true || echo false),\"wall_s\":$wall,\"first_done_s\":$first,\"done_s\":[$(IFS=,; echo "${times[*]}")],\"per_leecher_MBps\":$per_leecher,\"aggregate_MBps\":$aggregate,\"cpu_s\":$cpu_s,\"cpu_s_per_gib\":$cpu_per_gib,\"seeder_cpu_s\":$(calc "$seeder_cpu / $clk_tck" 2),\"leecher_cpu_s\":[$(printf '%s\n' "${leech_cpu[@]}" | awk -v t="$clk_tck" '{printf "%s%.2f", (NR>1?",":""), $1/t}')],\"seeder_rss_kib\":$seeder_rss,\"leecher_rss_kib\":[$(IFS=,; echo "${leech_rss[*]}")],\"tracker_rss_kib\":$tracker_rss,\"seeder_upload_bytes\":$seeder_up,\"lo_bytes\":$lo_bytes,\"copies_identical\":$((n - bad))}")
    rm -rf "$work"/leech*
done

machine="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "BitTorrent swarm on loopback: aria2c $aria_version + opentracker, one seeder, ${size_mib} MiB random file"
echo "Machine: $machine; load average at the end: $load; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| leechers | wall, s (last done) | first done, s | MB/s per leecher | MB/s aggregate | CPU s (all processes) | CPU s per GiB delivered | CPU s seeder / mean leecher | peak RSS MiB seeder / max leecher | seeder upload, copies | lo bytes per payload byte | copies identical |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
if [[ -n $json ]]; then
    printf '{"benchmark":"bittorrent","client":"aria2c %s","tracker":"opentracker","size_mib":%s,"size_bytes":%s,"netns":%s,"machine":"%s","loadavg":"%s","date":"%s","runs":[%s]}\n' \
        "$aria_version" "$size_mib" "$size_bytes" "$([[ -n ${PPSP_BT_IN_NETNS:-} ]] && echo true || echo false)" \
        "$machine" "$load" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(IFS=,; echo "${json_runs[*]}")" >"$json"
fi
exit "$status"
