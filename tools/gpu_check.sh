#!/usr/bin/env bash
# Prove the GPU path on a machine with an NVIDIA GPU: set up the GPU builds (one virtualenv
# per backend), then on each backend run the Keras tests, every chapter in quick mode and the
# benchmarks, and write one summary table to benchmarks/results/gpu_<card>.md (+ .json).
#
#   bash tools/gpu_check.sh               # everything
#   BACKENDS="jax torch" bash tools/gpu_check.sh
#
# Without network on the GPU machine, bring the wheels: on a machine with network run
#   pip download -d wheelhouse -c constraints-gpu.txt '.[tensorflow-gpu,text,docs,dev]' (and the
#   jax-gpu, torch-gpu sets), copy wheelhouse/ over, and set PIP_FIND_LINKS=$PWD/wheelhouse
#   PIP_NO_INDEX=1 before running this script.
set -uo pipefail
cd "$(dirname "$0")/.."
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
if ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  echo "error: nvidia-smi lists no GPU; this script proves the GPU path and needs one" >&2
  exit 2
fi
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9\n' '_' )
log=benchmarks/results/gpu_${card}.log
: > "$log"
export NVIDIA_TF32_OVERRIDE=${NVIDIA_TF32_OVERRIDE:-0}  # IEEE float32, as the tests' tolerances assume
rows=()
for b in $BACKENDS; do
  make --no-print-directory venv DEVICE=gpu BACKEND="$b" >>"$log" 2>&1 || { echo "setup of $b failed (see $log)"; continue; }
  bin=.venv-gpu-$b/bin
  echo "=== $b: mlf info" | tee -a "$log"
  KERAS_BACKEND=$b $bin/mlf info 2>&1 | tee -a "$log"
  start=$(date +%s)
  KERAS_BACKEND=$b $bin/python -m pytest -q -m keras -p no:cacheprovider > "$log.$b" 2>&1
  tests_rc=$?
  cat "$log.$b" >>"$log"
  tests_line=$(tail -1 "$log.$b")
  tests_s=$(( $(date +%s) - start ))
  start=$(date +%s)
  $bin/mlf run all --quick --backend "$b" --out "runs-gpu" >>"$log" 2>&1
  chapters_rc=$?
  chapters_s=$(( $(date +%s) - start ))
  start=$(date +%s)
  $bin/mlf bench --backend "$b" >>"$log" 2>&1
  bench_rc=$?
  bench_s=$(( $(date +%s) - start ))
  rows+=("| $b | $tests_rc ($tests_line) | $tests_s | $chapters_rc | $chapters_s | $bench_rc | $bench_s |")
done
{
  echo "# GPU run on $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)"
  echo
  echo "$(date -u +%Y-%m-%d) · commit $(git rev-parse --short HEAD) · NVIDIA_TF32_OVERRIDE=$NVIDIA_TF32_OVERRIDE"
  echo
  echo "| backend | Keras tests exit (summary) | s | chapters exit | s | benchmarks exit | s |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Per-benchmark GPU tables: benchmarks/results/*_<backend>.md written by this run; full log: $log"
} > "benchmarks/results/gpu_${card}.md"
cat "benchmarks/results/gpu_${card}.md"
