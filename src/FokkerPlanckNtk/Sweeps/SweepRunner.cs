using System.Collections.Concurrent;
using System.Diagnostics;
using FokkerPlanckNtk.Configuration;
using FokkerPlanckNtk.Runs;
using FokkerPlanckNtk.Simulations;

namespace FokkerPlanckNtk.Sweeps;

/// <summary>
/// Runs the task in run folder <paramref name="directory"/> to completion: starts it from its config.json with
/// <paramref name="command"/>, or resumes it from its last checkpoint; throws what the run throws (its manifest
/// marked interrupted or failed). The front end provides it (it also writes the run's report).
/// </summary>
public delegate void TaskRun(string directory, string command, IRunObserver observer, CancellationToken cancellation);

/// <summary>How one task of a <see cref="SweepRunner.Run"/> ended.</summary>
/// <param name="Task">The task number.</param>
/// <param name="State">How it ended (or stood, when it was not run).</param>
/// <param name="Message">Why it failed or stopped; null when it completed.</param>
/// <param name="Seconds">Wall seconds of its run (of its last session when it was not run now).</param>
/// <param name="Ran">False for a task that was not run: already complete, failed before (without retry), or locked by another process.</param>
/// <param name="Threads">Threads the task's run used (0 when it was not run).</param>
public sealed record TaskOutcome(int Task, TaskState State, string? Message, double Seconds, bool Ran, int Threads = 0);

/// <summary>What a <see cref="SweepRunner"/> reports while it works.</summary>
public interface ISweepObserver
{
    /// <summary>The observer of the task's own run (its progress, information and warnings).</summary>
    IRunObserver TaskObserver(int task);

    /// <summary>Task <paramref name="task"/> starts (or resumes) with <paramref name="threads"/> threads.</summary>
    void Started(int task, int threads);

    /// <summary>A task ended, or was skipped (<see cref="TaskOutcome.Ran"/> false).</summary>
    void Finished(TaskOutcome outcome);

    /// <summary>A line about the pool (workers, threads, memory).</summary>
    void Info(string message);
}

/// <param name="Workers">Tasks run at once (at most; also bounded by the tasks to run and the memory).</param>
/// <param name="Threads">Cores to share: each worker gets ⌊Threads/workers⌋ (at least 1).</param>
/// <param name="RetryFailed">Run failed tasks again (by default they are reported, not rerun: most failures repeat).</param>
/// <param name="Tasks">Only these tasks (all when null).</param>
public sealed record SweepRunOptions(int Workers, int Threads, bool RetryFailed = false, IReadOnlyList<int>? Tasks = null);

/// <summary>The outcome of every task considered, in task order, and the wall time of the whole pool.</summary>
public sealed record SweepRunResult(IReadOnlyList<TaskOutcome> Outcomes, int Workers, int ThreadsPerWorker, double WallSeconds)
{
    /// <summary>How many tasks ended in <paramref name="state"/>.</summary>
    public int Count(TaskState state) => Outcomes.Count(o => o.State == state);

    /// <summary>True when every considered task is complete.</summary>
    public bool AllCompleted => Outcomes.All(o => o.State == TaskState.Completed);

    /// <summary>The wall seconds of the tasks that ran, summed.</summary>
    public double TaskSeconds => Outcomes.Where(o => o.Ran).Sum(o => o.Seconds);
}

/// <summary>
/// A worker pool on this machine: K workers take the sweep's unfinished tasks in task order, each with ⌊cores/K⌋
/// threads for its parallel loops (<see cref="Parallelism.Run{T}"/>; the results do not depend on the split). Finished
/// tasks are skipped, interrupted or killed ones resumed from their checkpoints, failed ones reported with their
/// messages (and rerun only on request); a failure does not stop the other tasks. Cancellation (Ctrl+C) stops every
/// running task with a checkpoint and starts no new one. Running it again redoes nothing that is complete.
/// </summary>
public sealed class SweepRunner(SweepFolder folder, TaskRun run, ISweepObserver observer)
{
    /// <summary>Runs the unfinished tasks (all, or <see cref="SweepRunOptions.Tasks"/>) on the pool until each ends.</summary>
    /// <param name="options">Workers, threads to share, retry of failed tasks, which tasks.</param>
    /// <param name="cancellation">Stops the running tasks with a checkpoint and starts no new one.</param>
    public SweepRunResult Run(SweepRunOptions options, CancellationToken cancellation = default)
    {
        var wall = Stopwatch.StartNew();
        var considered = options.Tasks ?? Enumerable.Range(0, folder.TaskCount).ToList();
        var outcomes = new ConcurrentDictionary<int, TaskOutcome>();
        var queue = new List<int>();
        foreach (int task in considered)
        {
            var status = folder.Status(task);
            if (status.State == TaskState.Completed)
            {
                RemoveLeftoverCheckpoint(task);
                outcomes[task] = new TaskOutcome(task, TaskState.Completed, null, status.WallSeconds ?? 0, Ran: false);
            }
            else if (status.State == TaskState.Failed && !options.RetryFailed)
                outcomes[task] = new TaskOutcome(task, TaskState.Failed, status.Message, status.WallSeconds ?? 0, Ran: false);
            else queue.Add(task);
        }
        int done = outcomes.Count(o => o.Value.State == TaskState.Completed);
        if (done > 0) observer.Info($"{done} of {considered.Count} tasks already complete: skipped");
        int failedBefore = outcomes.Count(o => o.Value.State == TaskState.Failed);
        if (failedBefore > 0) observer.Info($"{failedBefore} tasks failed in an earlier run: not rerun (--retry-failed reruns them)");
        int workers = Math.Max(1, Math.Min(options.Workers, queue.Count));
        int memoryWorkers = MemoryWorkers(queue);
        if (memoryWorkers < workers)
        {
            observer.Info($"{workers} workers would need more memory than this machine has: {memoryWorkers} workers");
            workers = memoryWorkers;
        }
        int threads = Math.Max(1, options.Threads / workers);
        if (queue.Count > 0) observer.Info($"{queue.Count} tasks to run: {workers} workers × {threads} threads");
        var pending = new ConcurrentQueue<int>(queue);
        var pool = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
        {
            while (!cancellation.IsCancellationRequested && pending.TryDequeue(out int task))
                outcomes[task] = RunOne(task, threads, cancellation);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Task.WaitAll(pool);
        foreach (int task in pending) outcomes[task] = new TaskOutcome(task, folder.Status(task).State, "not started (interrupted)", 0, Ran: false);
        var ordered = considered.Select(t => outcomes[t]).ToList();
        return new SweepRunResult(ordered, workers, threads, wall.Elapsed.TotalSeconds);
    }

    /// <summary>Runs one task under its lock with its share of the threads; the outcome says how it ended.</summary>
    public TaskOutcome RunOne(int task, int threads, CancellationToken cancellation = default)
    {
        using var taskLock = folder.TryLock(task);
        if (taskLock is null)
        {
            var busy = new TaskOutcome(task, TaskState.Running, "being run by another process (its lock is held): skipped", 0, Ran: false);
            observer.Finished(busy);
            return busy;
        }
        var status = folder.Status(task); // again, under the lock: another process may have finished it meanwhile
        if (status.State == TaskState.Completed)
        {
            RemoveLeftoverCheckpoint(task);
            return new TaskOutcome(task, TaskState.Completed, null, status.WallSeconds ?? 0, Ran: false);
        }
        observer.Started(task, threads);
        var clock = Stopwatch.StartNew();
        TaskOutcome outcome;
        try
        {
            Parallelism.Run(threads, () =>
            {
                run(folder.TaskDirectory(task), folder.TaskCommand(task), observer.TaskObserver(task), cancellation);
                return 0;
            });
            outcome = new TaskOutcome(task, TaskState.Completed, null, clock.Elapsed.TotalSeconds, Ran: true, threads);
        }
        catch (OperationCanceledException)
        {
            outcome = new TaskOutcome(task, TaskState.Interrupted, "interrupted (a checkpoint was written)", clock.Elapsed.TotalSeconds, Ran: true, threads);
        }
        catch (Exception e) when (e is InputException or NumericalFailureException)
        {
            outcome = new TaskOutcome(task, TaskState.Failed, e.Message, clock.Elapsed.TotalSeconds, Ran: true, threads);
        }
        catch (Exception e)
        {
            outcome = new TaskOutcome(task, TaskState.Failed, $"unexpected failure ({e.GetType().Name}): {e.Message}", clock.Elapsed.TotalSeconds, Ran: true, threads);
        }
        observer.Finished(outcome);
        return outcome;
    }

    /// <summary>
    /// A run marks its manifest complete and then removes its checkpoint: a process killed in between leaves a complete
    /// task with a checkpoint folder, which the next pass removes so that the task's files are those of an uninterrupted run.
    /// </summary>
    private void RemoveLeftoverCheckpoint(int task)
    {
        string checkpoint = Path.Combine(folder.TaskDirectory(task), RunSession.CheckpointFolder);
        if (!Directory.Exists(checkpoint)) return;
        try
        {
            Directory.Delete(checkpoint, recursive: true);
            observer.Info($"task {task}: removed the checkpoint left by a process killed as the task completed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            observer.Info($"task {task}: the leftover checkpoint could not be removed ({e.Message})");
        }
    }

    /// <summary>How many of the tasks fit in memory at once, from the largest up-front estimate (<see cref="ResourceEstimate.PeakBytes"/>).</summary>
    private int MemoryWorkers(IReadOnlyList<int> tasks)
    {
        double peak = tasks.Select(t =>
        {
            try { return ResourceEstimate.PeakBytes(RunConfiguration.Load(Path.Combine(folder.TaskDirectory(t), "config.json")), folder.TaskCommand(t)); }
            catch (InputException) { return 0; } // a damaged task fails on its own, with this message
        }).DefaultIfEmpty(0).Max();
        return (int)Math.Clamp(Math.Floor(0.8 * ResourceEstimate.AvailableBytes / Math.Max(peak, 1)), 1, int.MaxValue);
    }
}
