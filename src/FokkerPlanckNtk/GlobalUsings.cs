// Namespaces nearly every file needs, once for the library. Only leaves of the library's own namespaces
// (Grids and Numerics depend on no other FokkerPlanckNtk namespace), so the using lines of a file still
// show which layers it depends on.
global using System.Globalization;
global using System.Text;
global using FokkerPlanckNtk.Grids;
global using FokkerPlanckNtk.Numerics;
