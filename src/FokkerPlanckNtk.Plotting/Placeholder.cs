namespace FokkerPlanckNtk.Plotting;
internal static class Placeholder { }
