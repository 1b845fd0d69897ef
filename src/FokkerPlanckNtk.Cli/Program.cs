return FokkerPlanckNtk.Cli.FpntkCommandLine.Run(args);
