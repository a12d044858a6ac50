namespace ContainerSec.Conformance;

/// <summary>How a file was handled.</summary>
public enum FileStatus
{
    /// <summary>Every case was run (or skipped with a stated reason).</summary>
    Ran,

    /// <summary>The schema is known, but the library part it tests has not landed yet.</summary>
    NotYetSupported,

    /// <summary>The file could not be read or its schema is unknown: counts as a failure.</summary>
    Error,
}

/// <summary>The outcome of one vector file.</summary>
public sealed class FileResult
{
    private readonly SortedDictionary<string, int> _skipReasons = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _notes = new(StringComparer.Ordinal);

    public FileResult(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string Schema { get; set; } = "";

    public FileStatus Status { get; set; } = FileStatus.Ran;

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public int Skipped { get; private set; }

    /// <summary>For <see cref="FileStatus.NotYetSupported"/> and <see cref="FileStatus.Error"/>: why.</summary>
    public string? Reason { get; set; }

    /// <summary>Cases not run because the file is not yet supported.</summary>
    public int Pending { get; set; }

    public List<string> Failures { get; } = [];

    public void Pass(string? note = null)
    {
        Passed++;
        if (note is not null)
        {
            _notes[note] = _notes.GetValueOrDefault(note) + 1;
        }
    }

    public void Fail(string caseId, string message)
    {
        Failed++;
        Failures.Add($"{caseId}: {message}");
    }

    public void Skip(string reason)
    {
        Skipped++;
        _skipReasons[reason] = _skipReasons.GetValueOrDefault(reason) + 1;
    }

    /// <summary>Failures as counted in the totals: an unreadable or unknown file counts as one.</summary>
    public int FailedForTotals => Status == FileStatus.Error ? Math.Max(1, Failed) : Failed;

    /// <summary>The one line printed for this file.</summary>
    public string Summary()
    {
        switch (Status)
        {
            case FileStatus.NotYetSupported:
                return $"{Name}: not yet supported — {Pending} cases wait for {Reason}";
            case FileStatus.Error:
                return $"{Name}: ERROR — {Reason}";
        }

        var parts = new List<string>();
        foreach (var (note, count) in _notes)
        {
            parts.Add($"{note}: {count}");
        }

        foreach (var (reason, count) in _skipReasons)
        {
            parts.Add($"skipped {count}: {reason}");
        }

        string tail = parts.Count == 0 ? "" : " — " + string.Join("; ", parts);
        return $"{Name}: {Passed} passed, {Failed} failed, {Skipped} skipped{tail}";
    }
}
