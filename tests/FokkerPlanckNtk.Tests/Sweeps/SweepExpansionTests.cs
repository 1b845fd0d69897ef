using FokkerPlanckNtk.Sweeps;

namespace FokkerPlanckNtk.Tests.Sweeps;

/// <summary>
/// Sweep files expanded into tasks: the documented order and numbering (product axes in file order, the last
/// fastest, the zip axes as one more axis after them), values in place in each task's configuration, the hash,
/// and bad input named like every other configuration error, with the task it was found in.
/// </summary>
public class SweepExpansionTests
{
    private const string Small = "\"grid\": {\"cells\": 16}, \"time\": {\"end\": 0.1}, \"particles\": {\"count\": 100, \"step\": 0.01}";

    /// <summary>A sweep of <paramref name="command"/> with the small base and the given axes (JSON members).</summary>
    private static string Json(string command, string axes, string extraBase = "") =>
        "{\"command\": \"" + command + "\", \"base\": {" + Small + extraBase + "}" + (axes.Length > 0 ? ", " + axes : "") + "}";

    private static Sweep Expand(string json, string? directory = null) => Sweep.Expand(SweepDefinition.Parse(json, "test", directory));

    [Test]
    public void TasksFollowTheDocumentedOrder()
    {
        var sweep = Expand(Json("run", """
            "product": {"problem.alpha": [1, 2, 4], "problem.lambda": [0.1, 0.2]},
            "zip": {"particles.seed": [7, 8], "particles.count": [100, 200]}
            """));
        double[] alpha = [1, 2, 4], lambda = [0.1, 0.2];
        long[] seed = [7, 8];
        int[] count = [100, 200];
        Assert.That(sweep.Tasks, Has.Count.EqualTo(12));
        Assert.That(sweep.Axes.Select(a => a.Key), Is.EqualTo(new[] { "problem.alpha", "problem.lambda", "particles.seed", "particles.count" }));
        for (int i = 0; i < 12; i++)
        {
            // i = (i_alpha·2 + i_lambda)·2 + i_zip
            var c = sweep.Tasks[i].Configuration;
            Assert.That(sweep.Tasks[i].Index, Is.EqualTo(i));
            Assert.That(c.Problem.Alpha, Is.EqualTo(alpha[i / 4]), $"task {i}");
            Assert.That(c.Problem.Lambda, Is.EqualTo(lambda[i / 2 % 2]), $"task {i}");
            Assert.That(c.Particles.Seed, Is.EqualTo(seed[i % 2]), $"task {i}");
            Assert.That(c.Particles.Count, Is.EqualTo(count[i % 2]), $"task {i}");
            Assert.That(c.Grid.Cells, Is.EqualTo(new[] { 16, 16 }), "the base is kept where no axis replaces it");
            Assert.That(sweep.Tasks[i].Values, Is.EqualTo(new[] { $"{alpha[i / 4]}", $"{lambda[i / 2 % 2]}", $"{seed[i % 2]}", $"{count[i % 2]}" }));
        }
    }

    [Test]
    public void AListValueReplacesTheWholeKeyAndAnItemKeyOneItem()
    {
        var whole = Expand(Json("solve", """ "product": {"grid.cells": [[16, 24], 20]}"""));
        Assert.That(whole.Tasks.Select(t => t.Configuration.Grid.Cells), Is.EqualTo(new[] { new[] { 16, 24 }, new[] { 20, 20 } }));
        var item = Expand("""{"command": "solve", "base": {"grid": {"cells": [16, 24]}, "time": {"end": 0.1}}, "product": {"grid.cells[1]": [20, 32]}}""");
        Assert.That(item.Tasks.Select(t => t.Configuration.Grid.Cells), Is.EqualTo(new[] { new[] { 16, 20 }, new[] { 16, 32 } }));
        // The command-line form of a key means the same key.
        var colon = Expand("""{"command": "solve", "base": {"grid": {"cells": [16, 24]}, "time": {"end": 0.1}}, "product": {"grid:cells:1": [20, 32]}}""");
        Assert.That(colon.Hash, Is.EqualTo(item.Hash));
        Assert.That(colon.Axes[0].Key, Is.EqualTo("grid.cells[1]"));
    }

    [Test]
    public void NoAxesIsOneTaskWithTheBase()
    {
        var sweep = Expand(Json("simulate", ""));
        Assert.That(sweep.Tasks, Has.Count.EqualTo(1));
        Assert.That(sweep.Tasks[0].Configuration.Particles.Count, Is.EqualTo(100));
    }

    [Test]
    public void TheHashIdentifiesTheTasksNotTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("fpntk-sweep-hash-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "base.json"), "{" + Small + "}");
            var inline = Expand(Json("run", """ "product": {"problem.alpha": [1, 2]}"""));
            var file = Expand("""{"command": "run", "base": "base.json", "product": {"problem.alpha": [1, 2]} /* a comment */}""", dir);
            var explicitDefault = Expand(Json("run", """ "product": {"problem.alpha": [1, 2]}""", ", \"problem\": {\"lambda\": 0.1}"));
            Assert.That(file.Hash, Is.EqualTo(inline.Hash));
            Assert.That(explicitDefault.Hash, Is.EqualTo(inline.Hash), "a default written out is the same configuration");
            Assert.That(Expand(Json("run", """ "product": {"problem.alpha": [1, 3]}""")).Hash, Is.Not.EqualTo(inline.Hash));
            Assert.That(Expand(Json("run", """ "product": {"problem.alpha": [2, 1]}""")).Hash, Is.Not.EqualTo(inline.Hash),
                "the task numbering is part of the sweep");
            Assert.That(Expand(Json("solve", """ "product": {"problem.alpha": [1, 2]}""")).Hash, Is.Not.EqualTo(inline.Hash));
            Assert.That(inline.Hash, Does.Match("^sha256:[0-9a-f]{64}$"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void ACommandAxisGivesEachTaskItsCommand()
    {
        var sweep = Expand("{\"base\": {" + Small + "}, \"zip\": {\"command\": [\"solve\", \"simulate\", \"simulate\"], \"particles.seed\": [1, 1, 2]}}");
        Assert.That(sweep.Tasks.Select(t => t.Command), Is.EqualTo(new[] { "solve", "simulate", "simulate" }));
        Assert.That(sweep.Command, Is.EqualTo("solve+simulate"));
        Assert.That(sweep.Tasks.Select(t => t.Configuration.Particles.Seed), Is.EqualTo(new long[] { 1, 1, 2 }));
        Assert.That(sweep.Tasks[0].Configuration, Is.EqualTo(sweep.Tasks[1].Configuration), "the command axis is no configuration key");
        // The same configurations under another command are another sweep.
        var other = Expand("{\"base\": {" + Small + "}, \"zip\": {\"command\": [\"simulate\", \"solve\", \"simulate\"], \"particles.seed\": [1, 1, 2]}}");
        Assert.That(other.Hash, Is.Not.EqualTo(sweep.Hash));
        var product = Expand("{\"base\": {" + Small + "}, \"product\": {\"command\": [\"solve\", \"run\"], \"problem.alpha\": [1, 2]}}");
        Assert.That(product.Tasks.Select(t => t.Command), Is.EqualTo(new[] { "solve", "solve", "run", "run" }));
    }

    /// <summary>Bad sweep files: the key (as the configuration reader names it, or the place in the sweep file) and what is wrong.</summary>
    [TestCase("""{"command": "run", "product": {"problem.alpah": [1, 2]}}""", "problem.alpah", "did you mean problem.alpha? known keys", "sweep task 0 of 2")]
    [TestCase("""{"command": "run", "product": {"problem.alpha": []}}""", "product[\"problem.alpha\"]", "a sweep axis needs at least one value", null)]
    [TestCase("""{"command": "run", "product": {"problem.lambda": [0.1, -1]}}""", "problem.lambda", "-1: must be a finite positive number", "sweep task 1 of 2: problem.lambda = -1")]
    [TestCase("""{"command": "run", "product": {"particles.seed": [1, -3]}}""", "particles.seed", "must be an integer in 0..", "sweep task 1 of 2")]
    [TestCase("""{"command": "run", "product": {"problem.activation": ["tanh", "relu"]}}""", "problem.activation", "unknown activation", "problem.activation = relu")]
    [TestCase("""{"command": "run", "product": {"time.cfl": [0.5, 2]}}""", "time.cfl", "must lie in (0, 1]", "sweep task 1 of 2")]
    [TestCase("""{"command": "run", "product": {"particles.step": [0.001, 5]}}""", "particles.step", "Euler–Maruyama is unstable", "sweep task 1 of 2")]
    [TestCase("""{"command": "solve", "product": {"grid.halfWidth": [7, 2]}}""", "grid.halfWidth", "enlarge the box", "sweep task 1 of 2")]
    [TestCase("""{"command": "run", "zip": {"problem.alpha": [1, 2], "particles.seed": [1, 2, 3]}}""", "zip[\"particles.seed\"]", "zip axes must have the same length: zip[\"problem.alpha\"] has 2", null)]
    [TestCase("""{"command": "run", "product": {"problem.alpha": [1, 1]}}""", "product[\"problem.alpha\"]", "appears twice", null)]
    [TestCase("""{"command": "run", "product": {"problem.alpha": [1]}, "zip": {"problem.alpha": [2]}}""", "problem.alpha", "on two axes", null)]
    [TestCase("""{"command": "run", "product": {"grid.cells": [16], "grid.cells[0]": [8]}}""", "grid.cells[0]", "is inside grid.cells", null)]
    [TestCase("""{"command": "run", "product": {"problem.alpha": 2}}""", "product[\"problem.alpha\"]", "an axis is a list of values", null)]
    [TestCase("""{"command": "rnu"}""", "command", "must be one of run, solve, simulate", null)]
    [TestCase("""{"zip": {"command": ["solve", "resume"]}}""", "zip[\"command\"]", "the command of a task must be one of run, solve, simulate", null)]
    [TestCase("""{"command": "run", "zip": {"command": ["solve"]}}""", "command", "leave out the top-level command", null)]
    [TestCase("""{"command": "run", "prodcut": {}}""", "prodcut", "unknown key of a sweep file; known keys: command, base, product, zip, slurm", null)]
    [TestCase("""{"command": "run", "base": 3}""", "base", "must be a configuration", null)]
    [TestCase("""{"command": "run", "base": "missing.json"}""", "base", "does not exist", null)]
    [TestCase("""{"command": "run", "slurm": {"time": "soon"}}""", "slurm.time", "must be a Slurm time limit", null)]
    [TestCase("""{"command": "run", "slurm": {"memory": "4"}}""", "slurm.memory", "with a unit", null)]
    [TestCase("""{"command": "run", "slurm": {"cpus": 4}}""", "slurm.cpus", "unknown Slurm setting", null)]
    [TestCase("""{"command": "run", """, "SWEEP", "is not valid JSON", null)]
    public void BadInputIsNamed(string json, string key, string requirement, string? task)
    {
        var e = Assert.Throws<InputException>(() => Expand(json, Path.GetTempPath()));
        Assert.That(e!.Key, Is.EqualTo(key), e.Message);
        Assert.That(e.Message, Does.StartWith(key + " = "));
        Assert.That(e.Message, Does.Contain(requirement));
        if (task is not null) Assert.That(e.Message, Does.Contain(task));
    }
}
