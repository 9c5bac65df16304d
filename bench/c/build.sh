#!/bin/sh
# Build the C benchmark reference programs (run from anywhere).
set -e
cd "$(dirname "$0")/../.."
cc -O3 -march=native -o bench/c/em bench/c/em.c -lm
cc -O3 -march=native -o bench/c/pair bench/c/pair.c -lm
