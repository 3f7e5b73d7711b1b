#!/usr/bin/env bash
# Runs a command and records how long it took under a stage name in .build/stage-times.txt.
set -euo pipefail
stage=$1
shift
mkdir -p .build
[ "$stage" = lint ] && : > .build/stage-times.txt
start=$(date +%s)
"$@"
end=$(date +%s)
printf 'stage %-11s %4ds\n' "$stage" $((end - start)) | tee -a .build/stage-times.txt
