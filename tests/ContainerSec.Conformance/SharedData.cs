namespace ContainerSec.Conformance;

/// <summary>Finds <c>../shared</c> (test vectors and conformance data) beside the repository.</summary>
public static class SharedData
{
    /// <summary>Overrides the location of the shared folder.</summary>
    public const string EnvironmentVariable = "CONTAINERSEC_SHARED";

    /// <summary>
    /// The shared folder: <c>$CONTAINERSEC_SHARED</c> if set, else <c>shared</c> beside the
    /// repository root (the folder holding <c>ContainerSec.Core.sln</c>), searched upwards from
    /// the current directory and from the program's own directory.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No shared folder was found.</exception>
    public static string Root
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return Directory.Exists(fromEnvironment)
                    ? Path.GetFullPath(fromEnvironment)
                    : throw new DirectoryNotFoundException($"{EnvironmentVariable} names '{fromEnvironment}', which does not exist.");
            }

            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "ContainerSec.Core.sln")))
                    {
                        string shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                        if (Directory.Exists(shared))
                        {
                            return shared;
                        }
                    }
                }
            }

            throw new DirectoryNotFoundException(
                $"The shared test data was not found: expected a 'shared' folder beside the repository, or set {EnvironmentVariable}.");
        }
    }

    /// <summary>A path inside the shared folder.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
