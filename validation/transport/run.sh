#!/bin/sh
# Transport benchmark against POT (see README.md). Run from the repository root:
#   sh validation/transport/run.sh
# Needs: the .NET SDK; Debian's python3-pot and python3-numpy (/usr/bin/python3), for this comparison only.
set -e
artifacts="BenchmarkDotNet.Artifacts"
values="$artifacts/transport-values.csv"
mkdir -p "$artifacts"
rm -f "$values"
FPNTK_TRANSPORT_VALUES="$(pwd)/$values" dotnet run -c Release --project tests/FokkerPlanckNtk.Benchmarks -- \
    --filter '*TransportBenchmarks*' --artifacts "$artifacts"
/usr/bin/python3 validation/transport/compare_pot.py "$artifacts" "$values"
