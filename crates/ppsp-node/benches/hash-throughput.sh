#!/usr/bin/env bash
# Hashing throughput of `ppsp hash` (SHA-1 and SHA-256 Merkle trees over 1 KiB chunks) against
# sha1sum and sha256sum of the same file, in the same run. Not a test: run it by hand on an idle
# machine and copy the table it prints into docs/.
#
# Usage: crates/ppsp-node/benches/hash-throughput.sh [SIZE_MIB]     (default 1024, i.e. 1 GiB)
#   PPSP=path/to/ppsp   use that binary instead of building target/release/ppsp
#   TMPDIR=dir          where the random file (and ppsp's spilled hash tree) go
#
# Method: one file of random bytes, read once beforehand so every tool reads from the page cache;
# then RUNS rounds, each timing the four commands one after the other (interleaved, so that a
# slow moment of the machine hits all of them alike); the median of each is reported.
# Per-chunk verification cost is the criterion bench: cargo bench -p ppsp-node --bench verify_chunk
set -euo pipefail
cd "$(dirname "$0")/../../.."

size_mib=${1:-1024}
runs=3
if ! [[ $size_mib =~ ^[1-9][0-9]*$ ]]; then
    echo "hash-throughput: size must be a whole number of MiB, not '$size_mib'" >&2
    exit 2
fi
for tool in sha1sum sha256sum; do
    command -v "$tool" >/dev/null || { echo "hash-throughput: $tool not found" >&2; exit 2; }
done
if [[ -z ${PPSP:-} ]]; then
    cargo build --release --locked -p ppsp-cli
    PPSP=target/release/ppsp
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file=$dir/random.bin
head -c $((size_mib << 20)) /dev/urandom >"$file"
cat "$file" >/dev/null

names=("ppsp hash --hash sha1" "ppsp hash (sha256)" "sha1sum" "sha256sum")
run() {
    case $1 in
        0) "$PPSP" hash --hash sha1 "$file" ;;
        1) "$PPSP" hash "$file" ;;
        2) sha1sum "$file" ;;
        3) sha256sum "$file" ;;
    esac >/dev/null
}

declare -a samples
for ((round = 1; round <= runs; round++)); do
    for i in "${!names[@]}"; do
        start=$(date +%s%N)
        run "$i"
        end=$(date +%s%N)
        samples[i]+="$((end - start)) "
    done
done

echo "Hashing ${size_mib} MiB of random data, median of $runs interleaved runs"
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(uname -srm)"
echo "ppsp: $("$PPSP" --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown);" \
    "$(sha256sum --version | head -n1)"
echo
echo "| command | median time (s) | throughput (MiB/s) | all runs (s) |"
echo "| --- | ---: | ---: | --- |"
for i in "${!names[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the sample list is intended
    printf '%s\n' ${samples[i]} | sort -n | awk -v name="${names[i]}" -v mib="$size_mib" '
        { ns[NR] = $1; all = all sprintf("%s%.3f", NR > 1 ? ", " : "", $1 / 1e9) }
        END {
            median = ns[int((NR + 1) / 2)] / 1e9
            printf "| %s | %.3f | %.0f | %s |\n", name, median, mib / median, all
        }'
done
