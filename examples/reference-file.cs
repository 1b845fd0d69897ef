#:project ../src/FokkerPlanckNtk/FokkerPlanckNtk.csproj
// A reference-solution file for another project's tests: the PDE on N and 2N cells per axis, the 2N solution
// stored with the N-vs-2N differences as tolerances (docs/reference-format.md); then a candidate checked against it.
// Run: dotnet run examples/reference-file.cs [FILE]   (prints: the file, then per time the residual deviation of
// the N solution, its tolerance and whether it passes)
using System.Globalization;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.IO;
using FokkerPlanckNtk.Runs;

string path = Path.GetFullPath(args.FirstOrDefault() ?? "reference.json");
var config = RunConfiguration.FromJson("""{ "grid": { "cells": 32 }, "time": { "end": 0.5, "outputTimes": [0.25, 0.5] } }""");
ReferenceBuilder.Compute(config).Write(path);

var reference = ReferenceSolution.Load(path);
// No diagnostics rows: they make the PDE land on extra times, and the candidate must step as the reference builder does.
var candidate = RunSession.InMemory(config with { Output = config.Output with { Plots = false, DiagnosticsRows = 0 } }, RunKind.Solve).Execute();
Console.WriteLine(reference);
foreach (var d in reference.Compare(candidate.Pde!.Select(r => r.Diagnostics.Residuals).ToArray()))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d.Time:R} {d.Deviation:R} {d.Tolerance:R} {d.Passes}"));
