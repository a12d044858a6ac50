using System.Text.Json;
using ContainerSec.Conformance.Policy;
using ContainerSec.Conformance.Merkle;
using ContainerSec.Conformance.Wycheproof;

namespace ContainerSec.Conformance;

/// <summary>
/// Recognises each JSON file by its schema (never by its name) and runs its cases through the
/// library's public API. A file whose schema is known but whose library part has not landed is
/// reported as "not yet supported" with the issue that brings it; a file of an unknown schema is
/// an error.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Files larger than this are refused before they are read.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly IWycheproofSuite[] Suites =
    [
        new AeadSuite(), new MacSuite(), new HkdfSuite(),
        EcdhSuite.SubjectPublicKeyInfo, EcdhSuite.EcPoint, new XdhSuite(),
        new EcdsaDerSuite(), new EcdsaP1363Suite(), new RsaPssSuite(), new RsaPkcs1Suite(), new EddsaSuite(), new RsaOaepSuite(),
    ];

    /// <summary>Wycheproof schemas whose library part lands with a later issue.</summary>
    private static readonly Dictionary<string, string> PendingWycheproofSchemas = new(StringComparer.Ordinal)
    {
    };

    /// <summary>Project conformance schemas (../shared/conformance) and the issue that brings each.</summary>
    private static readonly Dictionary<string, string> PendingConformanceSchemas = new(StringComparer.Ordinal)
    {
    };

    /// <summary>Expands files and folders (recursively, *.json only) into a sorted file list.</summary>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    public static IReadOnlyList<(string Path, string Name)> Expand(IEnumerable<string> paths)
    {
        var files = new List<(string, string)>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                string root = Path.GetFullPath(path);
                string label = new DirectoryInfo(root).Name;
                foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    files.Add((file, Path.Combine(label, Path.GetRelativePath(root, file))));
                }
            }
            else if (File.Exists(path))
            {
                files.Add((Path.GetFullPath(path), Path.GetFileName(path)));
            }
            else
            {
                throw new FileNotFoundException($"No such file or folder: {path}", path);
            }
        }

        return files;
    }

    /// <summary>Runs one file and returns its result; never throws for bad content.</summary>
    public static FileResult RunFile(string path, string? name = null)
    {
        var result = new FileResult(name ?? Path.GetFileName(path));
        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxFileBytes)
            {
                return Error(result, $"file is {length} bytes; the runner reads at most {MaxFileBytes}");
            }

            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64 });
            Dispatch(document.RootElement, result);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            Error(result, $"cannot read: {ex.Message}");
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // The file claimed a known schema but does not have its shape.
            Error(result, $"malformed for schema '{result.Schema}': {ex.Message}");
        }

        return result;
    }

    private static void Dispatch(JsonElement root, FileResult result)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("schema", out JsonElement schemaElement)
            && schemaElement.ValueKind == JsonValueKind.String)
        {
            string schema = schemaElement.GetString()!;
            result.Schema = schema;
            if (root.TryGetProperty("testGroups", out _))
            {
                DispatchWycheproof(new WycheproofFile(root), result);
            }
            else if (schema == RbacSuite.Schema)
            {
                RbacSuite.Run(root, result);
            }
            else if (schema == PodSecuritySuite.Schema)
            {
                PodSecuritySuite.Run(root, result);
            }
            else if (schema == NetworkPolicySuite.Schema)
            {
                NetworkPolicySuite.Run(root, result);
            }
            else if (PendingConformanceSchemas.TryGetValue(schema, out string? issue))
            {
                Pending(result, issue, root.TryGetProperty("cases", out JsonElement cases) ? cases.GetArrayLength() : 0);
            }
            else
            {
                Error(result, $"unknown schema '{schema}'");
            }

            return;
        }

        if (Rfc9180Suite.Recognizes(root))
        {
            result.Schema = Rfc9180Suite.Schema;
            Rfc9180Suite.Run(root, result);
            return;
        }

        if (RunByShape(root, result))
        {
            return;
        }

        Error(result, "unknown schema: no 'schema' field and not a recognised vector shape");
    }

    private static void DispatchWycheproof(WycheproofFile file, FileResult result)
    {
        // Older Wycheproof releases name the same formats without the "_v1" suffix.
        string schema = file.Schema.Replace("_v1.json", ".json", StringComparison.Ordinal);
        foreach (IWycheproofSuite suite in Suites)
        {
            if (suite.Schema.Replace("_v1.json", ".json", StringComparison.Ordinal) == schema)
            {
                suite.Run(file, result);
                return;
            }
        }

        if (PendingWycheproofSchemas.TryGetValue(file.Schema, out string? issue))
        {
            Pending(result, issue, file.CaseCount);
        }
        else if (file.Schema.StartsWith("dsa_", StringComparison.Ordinal))
        {
            for (int i = 0; i < file.CaseCount; i++)
            {
                result.Skip("DSA is refused by design (docs/cryptography.md)");
            }
        }
        else
        {
            Error(result, $"unknown Wycheproof schema '{file.Schema}'");
        }
    }

    /// <summary>Runs Merkle, signed-note and checkpoint vector files (no schema field), recognised by their fields.</summary>
    private static bool RunByShape(JsonElement root, FileResult result)
    {
        (string Schema, Action<JsonElement, FileResult> Run)? suite =
            MerkleProbeSuite.IsInclusion(root) ? (MerkleProbeSuite.InclusionSchema, MerkleProbeSuite.RunInclusion)
            : MerkleProbeSuite.IsConsistency(root) ? (MerkleProbeSuite.ConsistencySchema, MerkleProbeSuite.RunConsistency)
            : MerkleTableSuite.Recognizes(root) ? (MerkleTableSuite.Schema, MerkleTableSuite.Run)
            : MerkleReferenceTreeSuite.Recognizes(root) ? (MerkleReferenceTreeSuite.Schema, MerkleReferenceTreeSuite.Run)
            : SignedNoteSuite.Recognizes(root) ? (SignedNoteSuite.Schema, SignedNoteSuite.Run)
            : CheckpointBodySuite.Recognizes(root) ? (CheckpointBodySuite.Schema, CheckpointBodySuite.Run)
            : null;
        if (suite is not { } s)
        {
            return false;
        }

        result.Schema = s.Schema;
        s.Run(root, result);
        return true;
    }

    private static void Pending(FileResult result, string issue, int cases)
    {
        result.Status = FileStatus.NotYetSupported;
        result.Reason = issue;
        result.Pending = cases;
    }

    private static FileResult Error(FileResult result, string reason)
    {
        result.Status = FileStatus.Error;
        result.Reason = reason;
        return result;
    }
}
